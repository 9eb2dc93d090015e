//! Checks of fields that several operations take: the caller's `attributes` (of a request to
//! route, of a contact event) and short names (ids, queues, topics, outcomes).

use std::collections::BTreeMap;

/// Most attributes on a request or an event, and the longest key and value.
pub const MAX_ATTRIBUTES: usize = 32;
pub const MAX_ATTRIBUTE_KEY: usize = 64;
pub const MAX_ATTRIBUTE_VALUE: usize = 256;
/// Longest id, queue, topic or outcome.
pub const MAX_NAME_CHARS: usize = 128;

/// Checks the caller's `attributes`: at most 32, with non-empty keys of at most 64 characters and
/// values of at most 256. The error starts with `field`, as the caller names it.
pub fn check_attributes(attributes: &BTreeMap<String, String>, field: &str) -> Result<(), String> {
    let bad = attributes.len() > MAX_ATTRIBUTES
        || attributes.iter().any(|(k, v)| {
            k.is_empty()
                || k.chars().count() > MAX_ATTRIBUTE_KEY
                || v.chars().count() > MAX_ATTRIBUTE_VALUE
        });
    if bad {
        Err(format!(
            "{field}: at most {MAX_ATTRIBUTES}, with non-empty keys of at most \
             {MAX_ATTRIBUTE_KEY} characters and values of at most {MAX_ATTRIBUTE_VALUE}"
        ))
    } else {
        Ok(())
    }
}

/// A short name, trimmed; blank is none; at most 128 characters as sent, without control
/// characters once trimmed (the message names `field`).
pub fn check_name(field: &str, value: Option<String>) -> Result<Option<String>, String> {
    // The length counts as sent (what the OpenAPI's `maxLength` says), the characters as kept.
    let long = value
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_NAME_CHARS);
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        Some(v) if long || v.chars().any(char::is_control) => Err(format!(
            "`{field}` must be at most {MAX_NAME_CHARS} characters, without control characters"
        )),
        other => Ok(other),
    }
}
