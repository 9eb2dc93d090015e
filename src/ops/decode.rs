//! Decoding a JSON document (a request body, a line of `instrada route`'s input, an NDJSON event)
//! into an operation's input, with every way it can be wrong turned into an [`OpError`] whose
//! message speaks the caller's terms: the field, what was expected, what was sent
//! (`` `text`: expected a string, got a number ``), never the deserialiser's internals.
//!
//! A leading UTF-8 byte-order mark is dropped (some Windows tools write one). The document is
//! deserialised through `serde_path_to_error`, which tracks the path of the failing field
//! (`requests[2].received_at`); `describe` rewrites serde's message around that path. Syntax
//! errors are [`OpError::MalformedJson`], shape errors [`OpError::Invalid`].

use super::OpError;
use serde::de::DeserializeOwned;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// An example of the date-time format the inputs take.
const DATE_TIME_EXAMPLE: &str = "2026-12-01T09:30:00+01:00";

/// A JSON object an operation takes, with the fields it cannot do without: a body that is not an
/// object is told which (`the body must be a JSON object with `channel` and `text``).
pub trait Input: DeserializeOwned {
    /// The required fields, in the order of the declaration.
    const REQUIRED: &'static [&'static str];
}

/// Deserialises `body` (a leading byte-order mark is ignored).
pub fn json<T: Input>(body: &[u8]) -> Result<T, OpError> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => value,
        Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
            // `path: message at line…`, and the bare serde_json error it wraps.
            let located = e.to_string();
            return Err(OpError::invalid(describe::<T>(body, &located, e.inner())));
        }
        Err(_) => {
            return Err(OpError::MalformedJson {
                detail: syntax_detail(body),
            });
        }
    };
    // Trailing characters after the document.
    de.end().map_err(|_| OpError::MalformedJson {
        detail: syntax_detail(body),
    })?;
    Ok(value)
}

/// What is wrong with a body that is not JSON at all.
fn syntax_detail(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "it is empty".into();
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) => e.to_string(),
        Ok(_) => "it could not be parsed".into(),
    }
}

/// The message of a data error (valid JSON of the wrong shape), naming the field.
fn describe<T: Input>(body: &[u8], located: &str, inner: &serde_json::Error) -> String {
    let full = inner.to_string();
    let path = located
        .strip_suffix(full.as_str())
        .and_then(|p| p.strip_suffix(": "))
        .unwrap_or("");
    let at = format!(" at line {} column {}", inner.line(), inner.column());
    let message = full.strip_suffix(at.as_str()).unwrap_or(&full);

    if !top_level_is_object(body) {
        let sent = serde_json::from_slice::<serde_json::Value>(body)
            .map(|v| json_kind(&v))
            .unwrap_or("something else");
        return format!("the body must be {}, not {sent}", object_with::<T>());
    }
    let field = |name: &str| {
        if path.is_empty() {
            format!("`{name}`")
        } else {
            format!("`{path}.{name}`")
        }
    };
    let here = if path.is_empty() {
        "the body".to_string()
    } else {
        format!("`{path}`")
    };
    if let Some(name) = between(message, "missing field `", "`") {
        return format!("{} is missing: it is required", field(name));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (name, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = allowed
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "");
        // The path of an unknown field already ends with its name.
        let unknown = if path == name || path.ends_with(&format!(".{name}")) {
            format!("`{path}`")
        } else {
            field(name)
        };
        return if allowed.starts_with(", there are no fields") || allowed.is_empty() {
            format!("{unknown}: unknown field")
        } else {
            format!("{unknown}: unknown field (allowed: {allowed})")
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = allowed
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "");
        return format!("{here}: `{value}` is not one of {allowed}");
    }
    if let Some(name) = between(message, "duplicate field `", "`") {
        return format!("{} is given twice", field(name));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "{here}: expected {}, got {}",
            expected_as(expected),
            got_as(got)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("{here}: expected {}, got an array", expected_as(expected));
    }
    if is_date_time_error(message) {
        return format!("{here}: not an RFC 3339 date-time such as {DATE_TIME_EXAMPLE}");
    }
    if message.starts_with("UUID parsing failed") || message.starts_with("invalid character") {
        return format!("{here}: not a UUID such as 019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b");
    }
    format!("{here}: {message}")
}

/// `a JSON object with `channel` and `text``: the object `T` is, with its required fields.
fn object_with<T: Input>() -> String {
    let quoted: Vec<String> = T::REQUIRED.iter().map(|r| format!("`{r}`")).collect();
    match quoted.split_last() {
        None => "a JSON object".into(),
        Some((last, [])) => format!("a JSON object with {last}"),
        Some((last, rest)) => format!("a JSON object with {} and {last}", rest.join(", ")),
    }
}

fn top_level_is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The text between `start` and the next `end` when `s` begins with `start`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    s.strip_prefix(start)?.split(end).next()
}

/// serde's description of what was sent (`integer `42``) in JSON's terms (`a number`).
fn got_as(got: &str) -> String {
    let kind = got.split(' ').next().unwrap_or(got);
    match kind {
        "integer" | "floating" => "a number".into(),
        "string" => format!("the string {}", got.trim_start_matches("string ")),
        "boolean" => format!("{} (a boolean)", got.trim_start_matches("boolean ")),
        "unit" | "null" => "null".into(),
        "sequence" => "an array".into(),
        "map" => "an object".into(),
        _ => got.into(),
    }
}

/// serde's description of what a field takes (`struct RouteRequest`, `u64`) in JSON's terms.
fn expected_as(expected: &str) -> String {
    let e = expected.trim();
    if e.starts_with("struct ") || e == "a map" {
        return "an object".into();
    }
    if e == "a sequence" || e.starts_with("a sequence") || e.starts_with("tuple") {
        return "an array".into();
    }
    if e.contains("RFC 3339") {
        return format!("an RFC 3339 date-time such as {DATE_TIME_EXAMPLE}");
    }
    if e.contains("UUID") {
        return "a UUID string".into();
    }
    if let Some(kind) = [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
    ]
    .iter()
    .find(|k| e == **k)
    {
        return format!("an integer ({kind})");
    }
    if e == "f32" || e == "f64" {
        return "a number".into();
    }
    if e == "variant identifier" || e.starts_with("enum ") {
        return "one of the allowed strings".into();
    }
    e.to_string()
}

/// chrono's parse errors, which say nothing of the field or the format.
fn is_date_time_error(message: &str) -> bool {
    [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ]
    .contains(&message)
}

#[cfg(test)]
mod tests {
    use super::super::feedback::FeedbackRequest;
    use super::super::route::{BatchRequest, RouteRequest};
    use super::*;

    fn message<T: Input>(body: &str) -> (&'static str, String) {
        match json::<T>(body.as_bytes()) {
            Ok(_) => ("ok", String::new()),
            Err(e) => (e.code(), e.to_string()),
        }
    }

    #[track_caller]
    fn invalid<T: Input>(body: &str, expected: &str) {
        let (code, msg) = message::<T>(body);
        assert_eq!(code, "invalid_request", "{body}: {msg}");
        assert_eq!(msg, expected, "{body}");
    }

    #[test]
    fn shape_errors_name_the_field_in_the_callers_terms() {
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": 42}"#,
            "`text`: expected a string, got a number",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email"}"#,
            "`text` is missing: it is required",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": "TARI", "received_at": "yesterday"}"#,
            "`received_at`: not an RFC 3339 date-time such as 2026-12-01T09:30:00+01:00",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": "TARI", "received_at": 5}"#,
            "`received_at`: expected an RFC 3339 date-time such as 2026-12-01T09:30:00+01:00, got a number",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": "TARI", "colour": "blue"}"#,
            "`colour`: unknown field (allowed: id, channel, text, subject, language, citizen_id, \
             received_at, attributes)",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": null}"#,
            "`text`: expected a string, got null",
        );
        invalid::<RouteRequest>(
            r#"{"channel": "email", "text": "TARI", "attributes": {"a": 1}}"#,
            "`attributes.a`: expected a string, got a number",
        );
        invalid::<BatchRequest>(
            r#"{"requests": [{"channel": "email", "text": "a", "colour": 1}]}"#,
            "`requests[0].colour`: unknown field (allowed: id, channel, text, subject, language, \
             citizen_id, received_at, attributes)",
        );
        invalid::<BatchRequest>(
            r#"{"requests": [], "extra": 1}"#,
            "`extra`: unknown field (allowed: requests)",
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_says_what_the_object_needs() {
        invalid::<RouteRequest>(
            "[1, 2, 3]",
            "the body must be a JSON object with `channel` and `text`, not an array",
        );
        invalid::<RouteRequest>(
            "\"ciao\"",
            "the body must be a JSON object with `channel` and `text`, not a string",
        );
        invalid::<BatchRequest>(
            "[]",
            "the body must be a JSON object with `requests`, not an array",
        );
        invalid::<FeedbackRequest>(
            "42",
            "the body must be a JSON object with `decision_id`, not a number",
        );
    }

    #[test]
    fn batch_errors_carry_the_index() {
        invalid::<BatchRequest>(
            r#"{"requests": [{"channel": "email", "text": "a"}, {"channel": "email", "text": "b", "received_at": "31/12/2026"}]}"#,
            "`requests[1].received_at`: not an RFC 3339 date-time such as 2026-12-01T09:30:00+01:00",
        );
        invalid::<BatchRequest>(
            r#"{"requests": [{"channel": "email"}]}"#,
            "`requests[0].text` is missing: it is required",
        );
        invalid::<BatchRequest>(
            r#"{"requests": {"channel": "email"}}"#,
            "`requests`: expected an array, got an object",
        );
        invalid::<BatchRequest>(
            r#"{"requests": [[]]}"#,
            "`requests[0]`: expected an object, got an array",
        );
    }

    #[test]
    fn feedback_values_are_checked_by_name() {
        invalid::<FeedbackRequest>(
            r#"{"decision_id": "not-a-uuid"}"#,
            "`decision_id`: not a UUID such as 019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
        );
        invalid::<FeedbackRequest>(
            r#"{"decision_id": "019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b", "urgency": "urgentissimo"}"#,
            "`urgency`: `urgentissimo` is not one of low, normal, high, critical",
        );
    }

    #[test]
    fn syntax_errors_are_malformed_json_and_a_bom_is_accepted() {
        let (code, msg) = message::<RouteRequest>(r#"{"channel": "email", "text": "#);
        assert_eq!(code, "malformed_json");
        assert_eq!(
            msg,
            "the body is not valid JSON: EOF while parsing a value at line 1 column 29"
        );
        let (code, msg) = message::<RouteRequest>("");
        assert_eq!(
            (code, msg.as_str()),
            ("malformed_json", "the body is not valid JSON: it is empty")
        );
        let with_bom = "\u{feff}{\"channel\": \"email\", \"text\": \"avviso TARI\"}";
        assert_eq!(message::<RouteRequest>(with_bom).0, "ok");
    }
}
