//! Prometheus metrics: their names (all prefixed `instrada_`), the middleware that counts and times
//! every HTTP request, and `GET /metrics`.
//!
//! Labels are bounded: `endpoint` is the route that matched (axum's `MatchedPath`) or
//! `unmatched`, `status` an HTTP code, `queue` a queue of the policy. Human-review rate is
//! `instrada_decisions_human_review_total / sum(instrada_decisions_total)`.

use super::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Label, SharedString};
use std::time::Instant;

/// Counter: HTTP requests by `endpoint`, `method`, `status`.
pub const HTTP_REQUESTS: &str = "instrada_http_requests_total";
/// Histogram: HTTP request latency in seconds (routing to response, body read included), same labels.
pub const HTTP_SECONDS: &str = "instrada_http_request_duration_seconds";
/// Histogram: time to classify and route one request, in seconds.
pub const DECIDE_SECONDS: &str = "instrada_decide_duration_seconds";
/// Counter: decisions returned, by `queue`.
pub const DECISIONS: &str = "instrada_decisions_total";
/// Counter: decisions flagged for human review.
pub const HUMAN_REVIEW: &str = "instrada_decisions_human_review_total";
/// Histogram: topic confidence of decisions.
pub const TOPIC_CONFIDENCE: &str = "instrada_topic_confidence";
/// Histogram: urgency confidence of decisions.
pub const URGENCY_CONFIDENCE: &str = "instrada_urgency_confidence";
/// Counter: requests refused because the concurrency limit was reached.
pub const OVERLOADED: &str = "instrada_overloaded_total";
/// Counter: requests refused because their key was over its rate.
pub const RATE_LIMITED: &str = "instrada_rate_limited_total";
/// Counter: decisions not returned because the store could not take them.
pub const STORE_REFUSED: &str = "instrada_store_refused_total";
/// Counter: contact events by `outcome` (`stored`, `duplicate`, `rejected`).
pub const EVENTS: &str = "instrada_events_total";
/// Counter: feedback records committed.
pub const FEEDBACK: &str = "instrada_feedback_total";
/// Gauge: commands waiting in the store's write queue.
pub const STORE_QUEUE_DEPTH: &str = "instrada_store_queue_depth";
/// Gauge: capacity of the store's write queue.
pub const STORE_QUEUE_CAPACITY: &str = "instrada_store_queue_capacity";
/// Gauge: decision records committed since start.
pub const STORE_COMMITTED: &str = "instrada_store_committed_records";
/// Gauge: acknowledged decision records the database refused since start.
pub const STORE_LOST: &str = "instrada_store_lost_records";
/// Gauge: store transactions committed since start (records per transaction: group commit).
pub const STORE_TRANSACTIONS: &str = "instrada_store_transactions";
/// Gauge: `/v1/*` requests in flight.
pub const IN_FLIGHT: &str = "instrada_http_in_flight";
/// Counter: model reloads, by outcome (`ok`, `failed`).
pub const MODEL_RELOADS: &str = "instrada_model_reloads_total";
/// Counter: model rollbacks, by outcome (`ok`, `failed`: nothing to roll back to).
pub const MODEL_ROLLBACKS: &str = "instrada_model_rollbacks_total";

/// Describes the metrics once in `recorder`, so that `/metrics` carries their help text.
pub fn describe(recorder: &crate::telemetry::Metrics) {
    recorder.record(describe_all);
}

fn describe_all() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by endpoint, method and status"
    );
    describe_histogram!(HTTP_SECONDS, Unit::Seconds, "HTTP request latency");
    describe_histogram!(
        DECIDE_SECONDS,
        Unit::Seconds,
        "Time to classify and route a request"
    );
    describe_counter!(DECISIONS, "Decisions returned, by queue");
    describe_counter!(MODEL_RELOADS, "Model reloads (SIGHUP), by outcome");
    describe_counter!(MODEL_ROLLBACKS, "Model rollbacks (SIGUSR1), by outcome");
    describe_counter!(HUMAN_REVIEW, "Decisions flagged for human review");
    describe_histogram!(TOPIC_CONFIDENCE, "Topic confidence of decisions");
    describe_histogram!(URGENCY_CONFIDENCE, "Urgency confidence of decisions");
    describe_counter!(OVERLOADED, "Requests refused at the concurrency limit");
    describe_counter!(
        RATE_LIMITED,
        "Requests refused: their key was over its rate"
    );
    describe_counter!(
        STORE_REFUSED,
        "Decisions not returned: the store could not take them"
    );
    describe_counter!(FEEDBACK, "Feedback records committed");
    describe_counter!(
        EVENTS,
        "Contact events, by outcome (stored, duplicate, rejected)"
    );
    describe_gauge!(
        STORE_QUEUE_DEPTH,
        "Commands waiting in the store's write queue"
    );
    describe_gauge!(STORE_QUEUE_CAPACITY, "Capacity of the store's write queue");
    describe_gauge!(STORE_COMMITTED, "Decision records committed since start");
    describe_gauge!(
        STORE_LOST,
        "Acknowledged decisions the database refused since start"
    );
    describe_gauge!(
        STORE_TRANSACTIONS,
        "Store transactions committed since start"
    );
    describe_gauge!(IN_FLIGHT, "Requests to /v1/* in flight");
}

/// The route that matched (axum's `MatchedPath`, e.g. `/v1/route`, `/docs/{*rest}`), or
/// `unmatched`: labels stay bounded by the routes the service declares, whatever paths callers
/// send, and a new route is labelled without anyone listing it.
fn endpoint(req: &Request) -> SharedString {
    match req.extensions().get::<MatchedPath>() {
        Some(p) => SharedString::from(p.as_str().to_owned()),
        None => SharedString::const_str("unmatched"),
    }
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// The status as a label, without allocating for the codes the service answers.
fn status_label(code: u16) -> SharedString {
    let s = match code {
        200 => "200",
        201 => "201",
        400 => "400",
        404 => "404",
        405 => "405",
        413 => "413",
        415 => "415",
        422 => "422",
        500 => "500",
        503 => "503",
        other => return SharedString::from(other.to_string()),
    };
    SharedString::const_str(s)
}

/// Counts and times every request (outermost layer, so refusals and panics are counted too).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint = endpoint(&req);
    let method = method_label(req.method());
    let response = next.run(req).await;
    let status = status_label(response.status().as_u16());
    let labels = [
        Label::new("endpoint", endpoint),
        Label::from_static_parts("method", method),
        Label::new("status", status),
    ];
    state.metrics.record(|| {
        metrics::counter!(HTTP_REQUESTS, labels.iter()).increment(1);
        metrics::histogram!(HTTP_SECONDS, labels.iter()).record(started.elapsed().as_secs_f64());
    });
    response
}

/// The Prometheus text exposition.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn render(State(state): State<AppState>) -> Response {
    let stats = state.store.stats();
    let limit = state.settings.server.concurrency_limit;
    let in_flight = limit.saturating_sub(state.limiter.available_permits());
    state.metrics.record(|| {
        metrics::gauge!(STORE_QUEUE_DEPTH).set(stats.queue_depth as f64);
        metrics::gauge!(STORE_QUEUE_CAPACITY).set(stats.queue_capacity as f64);
        metrics::gauge!(STORE_COMMITTED).set(stats.committed_records as f64);
        metrics::gauge!(STORE_LOST).set(stats.lost_records as f64);
        metrics::gauge!(STORE_TRANSACTIONS).set(stats.transactions as f64);
        metrics::gauge!(IN_FLIGHT).set(in_flight as f64);
    });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
