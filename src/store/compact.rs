//! A decision's JSON, stored once: the fields the `decisions` columns already hold (its id, the
//! request's id, topic and urgency labels, language, queue, priority, review, model versions,
//! timing) are left out of `decision_json` and put back when it is read. About 300 of a
//! decision's ~1,200 bytes of JSON were those copies (README, "Bytes per decision").
//!
//! All or nothing, and only when it is lossless: a JSON whose fields are exactly the columns'
//! (`json_form = 1`) loses them all; any other (a caller's JSON that says something else, or is
//! not an object) is kept whole (`json_form = 0`) and read back byte for byte. Read back, a
//! compact decision is the same JSON value as the one recorded — the same fields and numbers,
//! its keys in alphabetical order.
//!
//! Migration 6 compacts the rows already stored with the same rule, written in SQL.

use serde_json::{Map, Value};

use super::DecisionRecord;

/// `decision_json` is the whole JSON as recorded.
pub(super) const WHOLE: i64 = 0;
/// `decision_json` is the JSON without the columns' fields ([`restore`] puts them back).
pub(super) const COMPACT: i64 = 1;

/// The top-level fields of a decision's JSON held by columns, with their values.
fn held(rec: &DecisionRecord) -> Vec<(&'static str, Option<Value>)> {
    vec![
        (
            "decision_id",
            Some(Value::from(rec.decision_id.hyphenated().to_string())),
        ),
        ("request_id", rec.request_id.clone().map(Value::from)),
        ("language", Some(Value::from(rec.language.clone()))),
        ("queue", Some(Value::from(rec.queue.clone()))),
        ("priority", Some(Value::from(rec.priority))),
        (
            "needs_human_review",
            Some(Value::from(rec.needs_human_review)),
        ),
        ("review_reason", rec.review_reason.clone().map(Value::from)),
        (
            "models",
            Some(serde_json::json!({"topic": rec.topic_model, "urgency": rec.urgency_model})),
        ),
        ("timing_us", Some(Value::from(rec.timing_us))),
    ]
}

/// The nested label fields held by columns: `topic.label`, `urgency.level`.
fn labels(rec: &DecisionRecord) -> [(&'static str, &'static str, &str); 2] {
    [
        ("topic", "label", rec.topic.as_str()),
        ("urgency", "level", rec.urgency.as_str()),
    ]
}

/// What to store of `rec.decision_json`, and its form.
pub(super) fn compact(rec: &DecisionRecord) -> (String, i64) {
    let whole = || (rec.decision_json.clone(), WHOLE);
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&rec.decision_json) else {
        return whole();
    };
    for (key, value) in held(rec) {
        if map.get(key) != value.as_ref() {
            return whole();
        }
    }
    for (outer, inner, label) in labels(rec) {
        let ok = map
            .get(outer)
            .and_then(Value::as_object)
            .and_then(|o| o.get(inner))
            .is_some_and(|v| v == label);
        if !ok {
            return whole();
        }
    }
    for (key, _) in held(rec) {
        map.remove(key);
    }
    for (outer, inner, _) in labels(rec) {
        if let Some(Value::Object(o)) = map.get_mut(outer) {
            o.remove(inner);
        }
    }
    (Value::Object(map).to_string(), COMPACT)
}

/// The JSON as recorded, from what was stored and the row's other columns (in `rec`).
pub(super) fn restore(stored: String, form: i64, rec: &DecisionRecord) -> String {
    if form != COMPACT {
        return stored;
    }
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&stored) else {
        return stored;
    };
    for (key, value) in held(rec) {
        if let Some(v) = value {
            map.insert(key.to_string(), v);
        }
    }
    for (outer, inner, label) in labels(rec) {
        let o = map
            .entry(outer)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(o) = o {
            o.insert(inner.to_string(), Value::from(label));
        }
    }
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{consistent, sample_record};
    use super::*;

    #[test]
    fn a_consistent_decision_loses_its_columns_fields_and_gets_them_back() {
        for i in [1, 2] {
            let rec = consistent(i);
            let (stored, form) = compact(&rec);
            assert_eq!(form, COMPACT, "{}", rec.decision_json);
            assert!(stored.len() < rec.decision_json.len() * 2 / 3, "{stored}");
            for gone in [
                "decision_id",
                "topic-linear",
                "front-office",
                "\"label\":\"anagrafe\"",
            ] {
                assert!(!stored.contains(gone), "{gone} in {stored}");
            }
            let back = restore(stored, form, &rec);
            let (a, b): (Value, Value) = (
                serde_json::from_str(&back).unwrap(),
                serde_json::from_str(&rec.decision_json).unwrap(),
            );
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_json_that_disagrees_with_the_columns_is_kept_whole() {
        let mut rec = consistent(1);
        rec.queue = "elsewhere".into();
        assert_eq!(compact(&rec), (rec.decision_json.clone(), WHOLE));
        let mut rec = consistent(1);
        rec.request_id = None;
        assert_eq!(compact(&rec).1, WHOLE, "the JSON has a request id");
        let rec = sample_record(1);
        assert_eq!(compact(&rec), (rec.decision_json.clone(), WHOLE));
        assert_eq!(restore("[1]".into(), WHOLE, &rec), "[1]");
    }
}
