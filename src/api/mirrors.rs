//! The schema mirrors of this edge describe the operations' inputs and answers field for field:
//! for each pair, a full example (every optional field given) reads into the operation's type,
//! and what that type writes back has exactly the mirror's properties. A field added to one side
//! only fails here.

use super::{events, feedback, forecast, outreach, route, staffing};
use crate::jobs;
use crate::ops;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use utoipa::PartialSchema;

fn properties<T: PartialSchema>() -> BTreeSet<String> {
    let schema = serde_json::to_value(T::schema()).unwrap();
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("an object schema: {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// The operation's type `Op` reads `example` and writes back the properties of `Mirror`.
#[track_caller]
fn same<Mirror: PartialSchema, Op: Serialize + DeserializeOwned>(example: Value) {
    let op: Op =
        serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{e}: {example}"));
    let written = serde_json::to_value(&op).unwrap();
    assert_eq!(keys(&written), properties::<Mirror>(), "{written}");
    assert_eq!(
        keys(&example),
        properties::<Mirror>(),
        "the example: {example}"
    );
}

const AT: &str = "2026-12-01T09:30:00Z";
const ID: &str = "019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";

fn event() -> Value {
    json!({"event_id": "e", "occurred_at": AT, "channel": "phone", "queue": "q", "topic": "t",
        "urgency": "high", "citizen_id": "c", "handle_seconds": 1.0, "outcome": "o",
        "attributes": {"a": "b"}})
}

fn flag() -> Value {
    json!({"flag_id": ID, "citizen": "p", "score": 0.5, "flagged": true, "reasons": [reason()],
        "last_contact": AT, "queue": "q", "channel": "phone", "model_version": "m",
        "inputs_sha256": "h", "scored_at": AT, "as_of": AT, "evidence_at": AT, "status": "open"})
}

fn reason() -> Value {
    json!({"feature": "f", "value": 1.0, "contribution": 0.5, "it": "i", "en": "e"})
}

fn series_info() -> Value {
    json!({"name": "total", "interval": "30m", "model": "profile", "mase": 0.8,
        "baseline_mase": 1.0, "coverage80": 0.8, "contacts": 10, "history_from": AT,
        "history_to": AT, "notes": ["n"]})
}

fn point() -> Value {
    json!({"start": AT, "expected": 1.0, "lower80": 0.0, "upper80": 2.0, "lower95": 0.0,
        "upper95": 3.0, "agents": 1, "fte": 2})
}

#[test]
fn routing_and_feedback() {
    let request = json!({"id": "i", "channel": "email", "text": "t", "subject": "s",
        "language": "it", "citizen_id": "c", "received_at": AT, "attributes": {"a": "b"}});
    same::<route::RouteRequest, ops::route::RouteRequest>(request.clone());
    same::<route::BatchRequest, ops::route::BatchRequest>(json!({"requests": [request]}));
    same::<feedback::FeedbackRequest, ops::feedback::FeedbackRequest>(
        json!({"decision_id": ID, "topic": "t", "urgency": "high", "queue": "q", "note": "n"}),
    );
    same::<feedback::FeedbackAck, ops::feedback::FeedbackAck>(
        json!({"decision_id": ID, "status": "recorded"}),
    );
}

#[test]
fn events_and_staffing() {
    same::<events::EventIn, ops::events::EventIn>(event());
    same::<events::RejectedEvent, ops::events::RejectedEvent>(
        json!({"index": 0, "line": 1, "reason": "r"}),
    );
    same::<events::EventsAck, ops::events::EventsAck>(
        json!({"stored": 1, "duplicates": 0, "rejected": 1, "errors": [{"index": 0, "reason": "r"}]}),
    );
    same::<staffing::StaffingRequest, ops::staffing::StaffingRequest>(
        json!({"contacts": 1.0, "interval": "30m", "aht_seconds": 1.0, "target": 0.8,
            "within_seconds": 20.0, "patience_seconds": 1.0, "shrinkage": 0.1,
            "max_occupancy": 0.9, "channel": "phone"}),
    );
    same::<staffing::StaffingResponse, ops::staffing::StaffingAnswer>(
        json!({"method": "erlang_a", "agents": 1, "fte": 2, "traffic_erlangs": 1.0,
            "service_level": 0.8, "asa_seconds": 1.0, "occupancy": 0.5,
            "wait_probability": 0.1, "abandonment": 0.01}),
    );
}

#[test]
fn outreach() {
    same::<outreach::ReasonOut, crate::outreach::Reason>(reason());
    same::<outreach::FlagOut, ops::outreach::Flag>(flag());
    same::<outreach::OutreachList, ops::outreach::OutreachList>(
        json!({"advisory": true, "note": "n", "model_version": "m", "min_score": 0.0,
            "flags": [flag()]}),
    );
    same::<outreach::ScoreRequest, ops::outreach::ScoreRequest>(
        json!({"history": [event()], "features": {"a": 1}, "as_of": AT}),
    );
    same::<outreach::ScoreResponse, ops::outreach::ScoreResponse>(
        json!({"advisory": true, "note": "n", "flag": flag()}),
    );
    same::<outreach::RunOut, jobs::run::RunOut>(
        json!({"advisory": true, "note": "n", "scored_at": AT, "as_of": AT, "scored": 1,
            "flagged": 1, "opted_out": 0, "model_version": "m", "seconds": 0.1}),
    );
    same::<outreach::ReviewRequest, ops::outreach::ReviewRequest>(
        json!({"status": "dismissed", "reviewer": "r", "note": "n"}),
    );
    same::<outreach::ReviewOut, ops::outreach::ReviewOut>(
        json!({"advisory": true, "flag_id": ID, "status": "dismissed", "reviewer": "r",
            "recorded_by": "k", "reviewed_at": AT, "note": "n"}),
    );
    same::<outreach::OptOutRequest, ops::outreach::OptOutRequest>(
        json!({"citizen_id": "c", "reason": "r"}),
    );
    same::<outreach::OptOutAck, ops::outreach::OptOutAck>(json!({"opted_out": true, "new": true}));
    same::<outreach::RevealRequest, ops::outreach::RevealRequest>(
        json!({"citizen": "c", "reason": "r"}),
    );
    same::<outreach::RevealOut, ops::outreach::RevealOut>(
        json!({"citizen": "c", "citizen_id": "RSSMRA80A01H501U", "note": "n"}),
    );
    let group = serde_json::to_value(crate::outreach::flags::GroupStats::default()).unwrap();
    same::<outreach::ReportOut, ops::outreach::ReportOut>(
        json!({"advisory": true, "note": "n", "model_version": "m", "groups": [group]}),
    );
}

#[test]
fn forecasts() {
    same::<forecast::SeriesInfo, ops::forecast::SeriesInfo>(series_info());
    same::<forecast::FailedSeries, ops::forecast::FailedSeries>(
        json!({"name": "x", "reason": "r"}),
    );
    same::<forecast::SeriesList, ops::forecast::SeriesList>(
        json!({"fitted_at": AT, "series": [series_info()], "failed": []}),
    );
    same::<forecast::ForecastPoint, ops::forecast::ForecastPoint>(point());
    same::<forecast::ForecastResponse, ops::forecast::ForecastView>(
        json!({"series": series_info(), "fitted_at": AT, "staffing_method": "erlang_c",
            "points": [point()]}),
    );
    same::<forecast::RefitSummary, jobs::refit::RefitSummary>(
        json!({"fitted_at": AT, "fitted": 1, "failed": 0}),
    );
}

#[test]
fn models_and_audit() {
    same::<super::models::ModelsServing, ops::models::Serving>(
        json!({"topic": "t", "urgency": "u"}),
    );
    let entry = json!({"at": AT, "actor": "k", "action": "outreach.list", "citizens": 3,
        "detail": "limit=50"});
    same::<super::audit::AccessEntry, crate::store::AccessRecord>(entry.clone());
    same::<super::audit::AccessLogSchema, super::audit::AccessLog>(json!({"accesses": [entry]}));
}

#[test]
fn store() {
    let table = json!({"table": "decisions", "rows": 1, "table_bytes": 4096, "index_bytes": 0});
    same::<super::store::TableStats, crate::store::TableUsage>(table.clone());
    same::<super::store::StoreStats, crate::store::Usage>(
        json!({"tables": [table], "texts": 0, "text_bytes": 0, "file_bytes": 8192,
            "free_bytes": 0, "wal_bytes": 0, "method": "dbstat"}),
    );
    let kind = json!({"kind": "texts", "keep": "30d", "before": AT, "rows": 1, "chunks": 1,
        "longest_chunk_ms": 0.5});
    same::<super::store::KindPrunedOut, ops::store::KindPruned>(kind.clone());
    same::<super::store::PruneOut, ops::store::PruneReport>(
        json!({"dry_run": false, "at": AT, "kinds": [kind], "seconds": 0.1}),
    );
}
