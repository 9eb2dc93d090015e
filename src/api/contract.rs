//! What the OpenAPI document declares beyond what utoipa's derives say: every limit the operations
//! check, written onto the document from the same constants and state they check against, so
//! that a request the document calls valid is accepted and one it calls invalid is refused
//! (`tests/api/contract.rs` runs schemathesis against the service to hold it to that).
//! `openapi` applies them to the document utoipa generates.
//!
//! Two layers:
//! - [`fixed`]: limits that are constants of the code (lengths, counts, ranges, the code's enums,
//!   patterns for what must hold a letter or digit), the shape the events endpoint really takes
//!   (any values: a bad event is rejected by position, never the batch), and the answers every
//!   `/v1` endpoint can give besides its own (a bad or oversized body, a refusal under load).
//!   Applied to the committed `api/openapi.json` as well as to the served document.
//! - [`live`]: what depends on the running service, applied to the served `/openapi.json` only:
//!   `server.max_batch`, the topic model's labels and the policy's queues (what a feedback may
//!   name), the outreach model's features, and the times an event may carry (from 2000 to now).
//!
//! The document is patched as JSON (RFC 6901 pointers) rather than through utoipa's builders:
//! the keywords needed here (`propertyNames`, `anyOf` of `required`, `if`/`then`) are plain JSON
//! Schema, and a pointer that no longer lands is a test failure ([`tests`]), not a silent no-op.

use super::state::AppState;
use crate::ops;
use chrono::{Datelike, Utc};
use serde_json::{Value, json};

/// No control character (Unicode `Cc`, what `char::is_control` refuses).
const NO_CONTROL: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";
/// A short name as `ops::fields::check_name` reads it: trimmed, then no control character.
const NAME: &str = r"^\s*[^\x00-\x1f\x7f-\x9f]*\s*$";
/// A name that must be given: not blank, no control character once trimmed.
const NAMED: &str = r"^\s*[^\x00-\x1f\x7f-\x9f\s][^\x00-\x1f\x7f-\x9f]*$";
/// At least one letter or digit (`text::normalize::has_content`).
const CONTENT: &str = r"[^\W_]";
/// Something other than blanks.
const NOT_BLANK: &str = r"\S";
/// An ISO 639 code of 2 or 3 letters, or nothing (blanks around it are ignored).
const LANGUAGE: &str = r"^\s*([A-Za-z]{2,3})?\s*$";
/// A forecast horizon: 1 to 28 whole days, as days or weeks (`forecast::plan::parse_horizon_days`).
const HORIZON: &str = r"^\s*(([1-9]|1[0-9]|2[0-8])\s*[dD]|[1-4]\s*[wW])\s*$";
/// A staffing interval written as a duration: days, hours, minutes, seconds, largest first, each
/// once, not zero (`forecast::staffing::parse_interval` also takes fractions and bare seconds).
const INTERVAL: &str =
    r"^(?=.)([1-9][0-9]{0,4}d)?([1-9][0-9]{0,4}h)?([1-9][0-9]{0,4}m)?([1-9][0-9]{0,4}s)?$";
/// Channels answered as a backlog, where `within_seconds` must be more than zero.
const BACKLOG_CHANNELS: [&str; 3] = ["email", "pec", "web"];

/// One patch: where (an RFC 6901 pointer) and the keywords to set there.
type Patch = (String, Value);

fn schema_prop(schema: &str, field: &str) -> String {
    format!("/components/schemas/{schema}/properties/{field}")
}

fn body(path: &str) -> String {
    format!(
        "/paths/{}/post/requestBody/content/application~1json/schema",
        path.replace('~', "~0").replace('/', "~1")
    )
}

/// A name field of an event (queue, topic, outcome): trimmed, blank is none.
fn name() -> Value {
    json!({"maxLength": ops::fields::MAX_NAME_CHARS, "pattern": NAME})
}

fn attributes() -> Value {
    json!({
        "maxProperties": ops::fields::MAX_ATTRIBUTES,
        "propertyNames": {"type": "string", "minLength": 1, "maxLength": ops::fields::MAX_ATTRIBUTE_KEY},
        "additionalProperties": {"type": "string", "maxLength": ops::fields::MAX_ATTRIBUTE_VALUE},
    })
}

/// The constraints that are constants of the code.
fn fixed() -> Vec<Patch> {
    let mut p: Vec<Patch> = vec![
        // POST /v1/route, /v1/route/batch
        (
            schema_prop("RouteRequest", "id"),
            json!({"maxLength": ops::route::MAX_ID_CHARS, "pattern": NO_CONTROL}),
        ),
        (
            schema_prop("RouteRequest", "text"),
            json!({"pattern": CONTENT}),
        ),
        (
            schema_prop("RouteRequest", "language"),
            json!({"pattern": LANGUAGE}),
        ),
        (schema_prop("RouteRequest", "attributes"), attributes()),
        (
            schema_prop("BatchRequest", "requests"),
            json!({"minItems": 1, "maxItems": crate::config::ServerSettings::default().max_batch}),
        ),
        // POST /v1/feedback: something to correct.
        (
            "/components/schemas/FeedbackRequest".into(),
            json!({"anyOf": [
                {"required": ["topic"], "properties": {"topic": {"type": "string", "pattern": NOT_BLANK}}},
                {"required": ["urgency"], "properties": {"urgency": {"type": "string"}}},
                {"required": ["queue"], "properties": {"queue": {"type": "string", "pattern": NOT_BLANK}}},
                {"required": ["note"], "properties": {"note": {"type": "string", "pattern": NOT_BLANK}}},
            ]}),
        ),
        (
            schema_prop("FeedbackRequest", "note"),
            json!({"maxLength": ops::feedback::MAX_NOTE_CHARS}),
        ),
        // An event, as a history to score takes it (one by one, each checked).
        (
            schema_prop("EventIn", "event_id"),
            json!({"maxLength": ops::fields::MAX_NAME_CHARS, "pattern": NAMED}),
        ),
        (schema_prop("EventIn", "queue"), name()),
        (schema_prop("EventIn", "topic"), name()),
        (schema_prop("EventIn", "outcome"), name()),
        (
            schema_prop("EventIn", "handle_seconds"),
            json!({"minimum": 0, "maximum": ops::events::MAX_HANDLE_SECONDS}),
        ),
        (schema_prop("EventIn", "attributes"), attributes()),
        // POST /v1/events: what it really takes. Each value is checked as an `EventIn` on its
        // own; one that is not is rejected by position in `errors` and the others are kept.
        (
            body("/v1/events"),
            json!({
                "type": "array",
                "minItems": 1,
                "maxItems": ops::events::MAX_EVENTS,
                "items": {"description": "An event (`EventIn`). A value that is not one is rejected by its index in `errors`; the others are stored."},
            }),
        ),
        // POST /v1/outreach/score: a history or a feature row, not both.
        (
            "/components/schemas/ScoreRequest".into(),
            json!({"anyOf": [
                {"required": ["history"], "properties": {"history": {"type": "array"}, "features": {"type": "null"}}},
                {"required": ["features"], "properties": {"features": {"type": "object"}, "history": {"type": "null"}, "as_of": {"type": "null"}}},
            ]}),
        ),
        (
            schema_prop("ScoreRequest", "history"),
            json!({"maxItems": ops::events::MAX_EVENTS}),
        ),
        // POST /v1/outreach/{flag_id}/review, /v1/outreach/optout
        (
            schema_prop("ReviewRequest", "status"),
            json!({"enum": crate::store::outreach::REVIEW_STATUSES}),
        ),
        (
            schema_prop("ReviewRequest", "reviewer"),
            json!({"maxLength": ops::outreach::MAX_REVIEWER_CHARS, "pattern": NAMED}),
        ),
        (
            schema_prop("ReviewRequest", "note"),
            json!({"maxLength": ops::outreach::MAX_NOTE_CHARS}),
        ),
        (
            schema_prop("OptOutRequest", "citizen_id"),
            json!({"pattern": NOT_BLANK}),
        ),
        // POST /v1/outreach/reveal
        (
            schema_prop("RevealRequest", "citizen"),
            json!({"pattern": r"^\s*[0-9A-Fa-f]{64}\s*$"}),
        ),
        (
            schema_prop("RevealRequest", "reason"),
            json!({"maxLength": ops::outreach::MAX_REASON_CHARS}),
        ),
        // POST /v1/staffing (`forecast::staffing::StaffingParams::check`)
        (
            "/components/schemas/StaffingRequest".into(),
            json!({
                "if": {"required": ["channel"], "properties": {"channel": {"enum": BACKLOG_CHANNELS}}},
                "then": {"properties": {"within_seconds": {"exclusiveMinimum": 0}}},
            }),
        ),
        (
            schema_prop("StaffingRequest", "contacts"),
            json!({"minimum": 0}),
        ),
        (
            schema_prop("StaffingRequest", "aht_seconds"),
            json!({"exclusiveMinimum": 0}),
        ),
        (
            schema_prop("StaffingRequest", "target"),
            json!({"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        ),
        (
            schema_prop("StaffingRequest", "within_seconds"),
            json!({"minimum": 0}),
        ),
        (
            schema_prop("StaffingRequest", "patience_seconds"),
            json!({"exclusiveMinimum": 0}),
        ),
        (
            schema_prop("StaffingRequest", "shrinkage"),
            json!({"minimum": 0, "exclusiveMaximum": 1}),
        ),
        (
            schema_prop("StaffingRequest", "max_occupancy"),
            json!({"exclusiveMinimum": 0, "maximum": 1}),
        ),
        (
            "/components/schemas/IntervalLength".into(),
            json!({"oneOf": [
                {"type": "number", "description": "Seconds.", "exclusiveMinimum": 0},
                {"type": "string", "description": "A duration such as `30m`.", "pattern": INTERVAL},
            ]}),
        ),
    ];
    // Query parameters.
    let query = |path: &str, method: &str, name: &str, keywords: Value| -> Patch {
        (
            format!(
                "/paths/{}/{method}/parameters/[name={name}]/schema",
                path.replace('/', "~1")
            ),
            keywords,
        )
    };
    p.push(query(
        "/v1/outreach",
        "get",
        "limit",
        json!({"minimum": 1, "maximum": ops::outreach::MAX_LIMIT}),
    ));
    p.push(query(
        "/v1/outreach",
        "get",
        "min_score",
        json!({"minimum": 0, "maximum": 1}),
    ));
    p.push(query(
        "/v1/forecast",
        "get",
        "horizon",
        json!({"pattern": HORIZON}),
    ));
    p.push(query(
        "/v1/forecast",
        "get",
        "format",
        json!({"enum": ["json", "csv", "svg", "png"]}),
    ));
    p
}

/// What the running service decides: applied to the served document only.
fn live(state: &AppState) -> Vec<Patch> {
    let router = state.router();
    let labels = &router.bundle().topic.manifest().labels;
    let queues: Vec<&str> = router.policy().queue_names().collect();
    let blank = json!({"type": "string", "pattern": r"^\s*$"});
    let mut p = vec![
        (
            schema_prop("BatchRequest", "requests"),
            json!({"maxItems": state.settings.server.max_batch}),
        ),
        (
            schema_prop("FeedbackRequest", "topic"),
            json!({"anyOf": [{"enum": labels}, blank, {"type": "null"}]}),
        ),
        (
            schema_prop("FeedbackRequest", "queue"),
            json!({"anyOf": [{"enum": queues}, blank, {"type": "null"}]}),
        ),
    ];
    // A time an event may carry, and a score's `as_of`: from 2000 to now. JSON Schema has no
    // bounds on times, so the document says it with a pattern over the years before this one
    // (from 2001, so that no offset takes a time before 2000): narrower than what is accepted,
    // never wider.
    let year = Utc::now().year();
    let before = |y: i32| {
        // Years from 2001 to `y`, as a pattern's alternatives on the last two digits.
        (1..=(y - 2000).clamp(1, 99))
            .map(|n| format!("{n:02}"))
            .collect::<Vec<_>>()
            .join("|")
    };
    let pattern = format!(
        r"^20({})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$",
        before(year - 1)
    );
    let years = json!({
        "type": "string",
        "pattern": pattern,
        "description": format!("RFC 3339, from 2000 to now; the document declares 2001 to {}", year - 1),
    });
    p.push((schema_prop("EventIn", "occurred_at"), years.clone()));
    p.push((
        schema_prop("ScoreRequest", "as_of"),
        json!({"anyOf": [years, {"type": "null"}]}),
    ));
    // The outreach model's features, when one serves.
    if let Ok(model) = state.registry.outreach() {
        let properties: serde_json::Map<String, Value> = model
            .manifest()
            .features
            .definitions
            .iter()
            .map(|d| {
                let types = match d.kind {
                    crate::outreach::Kind::Numeric => json!(["number", "null"]),
                    crate::outreach::Kind::Categorical => json!(["string", "number", "null"]),
                };
                (d.name.clone(), json!({"type": types}))
            })
            .collect();
        p.push((
            schema_prop("ScoreRequest", "features"),
            json!({"properties": properties, "additionalProperties": false}),
        ));
    }
    p
}

/// Finds `pointer` in `doc`; a segment `[name=N]` picks the element of an array whose `name` is
/// `N` (an operation's parameter).
fn find<'a>(doc: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    let mut at = doc;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        at = match (
            segment
                .strip_prefix("[name=")
                .and_then(|s| s.strip_suffix(']')),
            at,
        ) {
            (Some(name), Value::Array(items)) => items.iter_mut().find(|i| i["name"] == name)?,
            (None, Value::Object(map)) => map.get_mut(&segment)?,
            (None, Value::Array(items)) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Sets the keywords of each patch where it points; a `$ref` there (a field typed by another
/// schema) is kept beside them in an `allOf`. Returns the pointers that did not land.
fn apply(doc: &mut Value, patches: Vec<Patch>) -> Vec<String> {
    let mut missed = Vec::new();
    for (pointer, keywords) in patches {
        let Some(target) = find(doc, &pointer) else {
            missed.push(pointer);
            continue;
        };
        let Value::Object(object) = target else {
            missed.push(pointer);
            continue;
        };
        if let Some(reference) = object.remove("$ref") {
            object.insert("allOf".into(), json!([{"$ref": reference}]));
        }
        if let Value::Object(keywords) = keywords {
            object.extend(keywords);
        }
    }
    missed
}

/// Writes the fixed constraints onto `doc` (utoipa's document as JSON); returns the pointers
/// that did not land (none, unless a schema or field was renamed: a test checks).
pub fn constrain(doc: &mut Value) -> Vec<String> {
    apply(doc, fixed())
}

/// Writes what the running service decides onto `doc` (after [`constrain`]).
pub fn constrain_live(doc: &mut Value, state: &AppState) -> Vec<String> {
    apply(doc, live(state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ref_keeps_its_schema_beside_the_keywords() {
        let mut doc = json!({"a": {"$ref": "#/x", "description": "d"}});
        assert!(apply(&mut doc, vec![("/a".into(), json!({"minimum": 1}))]).is_empty());
        assert_eq!(
            doc,
            json!({"a": {"allOf": [{"$ref": "#/x"}], "description": "d", "minimum": 1}})
        );
    }

    #[test]
    fn a_pointer_that_does_not_land_is_reported() {
        let mut doc = json!({"a": [{"name": "limit", "schema": {}}]});
        let patches = vec![
            ("/a/[name=limit]/schema".into(), json!({"minimum": 1})),
            ("/a/[name=offset]/schema".into(), json!({"minimum": 1})),
        ];
        assert_eq!(apply(&mut doc, patches), vec!["/a/[name=offset]/schema"]);
        assert_eq!(doc["a"][0]["schema"]["minimum"], 1);
    }

    #[test]
    fn the_patterns_say_what_the_checks_accept() {
        use crate::text::normalize::has_content;
        let content = regex_lite(CONTENT);
        for (text, ok) in [
            ("ciao", true),
            ("  42 ", true),
            ("???", false),
            ("", false),
            ("città", true),
        ] {
            assert_eq!(content(text), ok, "{text:?}");
            assert_eq!(has_content(text), ok, "{text:?}");
        }
    }

    /// The few patterns tested here, as the `regex` crate reads them (what schemathesis reads
    /// is Python's `re`; both take these as written).
    fn regex_lite(p: &str) -> impl Fn(&str) -> bool {
        let re = regex::Regex::new(p).unwrap();
        move |s| re.is_match(s)
    }
}
