//! The OpenAPI description, generated from the handlers and DTOs (utoipa), with the limits the
//! operations check written onto it ([`super::contract`]). It is committed as `api/openapi.json`
//! (a test fails when the code generates another: `INSTRADA_UPDATE_OPENAPI=1 cargo test --test api
//! openapi` rewrites the file) and served at `/openapi.json` with what the running service adds
//! (its batch limit, labels, queues, features), with Swagger UI at `/docs`, bundled in the
//! binary: it works offline.

use super::{
    audit, error, events, feedback, forecast, health, metrics, models, outreach, route, schema,
    staffing, store,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{RefOr, Response};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

/// The service's OpenAPI document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "instrada",
        description = "Classifies citizens' requests to an Italian municipality by topic and urgency \
                       and routes them to a queue, with reasons.\n\nEvery error body is \
                       `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`; branch on `code`: \
                       `malformed_json` 400, `invalid_request` 422, `empty_text` 422, \
                       `unknown_channel` 422, `body_too_large` 413, `batch_too_large` 422, \
                       `empty_batch` 422, `unknown_decision` 404, `unknown_series` 404, `unknown_flag` 404, \
                       `opted_out` 409, `no_reference` 404, `unknown_key` 404, `key_exists` 409, \
                       `models_refused` 409, `nothing_to_roll_back` 409, `not_found` 404, \
                       `method_not_allowed` 405, `unsupported_media_type` 415, \
                       `unauthorized` 401, `forbidden` 403, `rate_limited` 429, `overloaded` 503, `timed_out` 503, \
                       `store_unavailable` 503, `not_ready` 503, `internal` 500. 503s and 429s \
                       carry Retry-After.\n\nEvery `/v1` endpoint needs an API key, sent as \
                       `Authorization: Bearer <key>`, with the scope its tag names: routing and \
                       feedback `route`, events `events`, forecast and staffing `planner`, \
                       outreach `caseworker`, models, audit and store `admin` (unless the service runs \
                       with `server.auth = \"off\"`, on a loopback address only).",
        license(name = "Apache-2.0")
    ),
    paths(
        route::route_one,
        route::route_batch,
        feedback::feedback,
        events::events,
        forecast::series,
        forecast::forecast,
        forecast::refit,
        staffing::staffing,
        outreach::list,
        outreach::score,
        outreach::run,
        outreach::review::review,
        outreach::review::optout,
        outreach::review::reveal,
        outreach::review::report,
        models::list,
        models::reload,
        models::rollback,
        audit::access,
        store::stats,
        store::prune,
        health::healthz,
        health::readyz,
        metrics::render,
    ),
    components(schemas(
        route::RouteRequest,
        route::BatchRequest,
        route::BatchResponse,
        schema::Decision,
        schema::TopicResult,
        schema::Alternative,
        schema::UrgencyResult,
        schema::SignalHit,
        schema::ModelVersions,
        feedback::FeedbackRequest,
        events::EventIn,
        forecast::SeriesList,
        forecast::SeriesInfo,
        forecast::FailedSeries,
        forecast::ForecastResponse,
        forecast::ForecastPoint,
        forecast::RefitSummary,
        events::EventsAck,
        events::RejectedEvent,
        staffing::StaffingRequest,
        staffing::IntervalLength,
        staffing::StaffingResponse,
        staffing::StaffingMethod,
        feedback::FeedbackAck,
        models::ModelsResponse,
        models::ModelInfo,
        models::ValidationInfo,
        models::ModelsServing,
        audit::AccessLogSchema,
        audit::AccessEntry,
        store::StoreStats,
        store::TableStats,
        store::PruneOut,
        store::KindPrunedOut,
        health::Health,
        health::Readiness,
        outreach::OutreachList,
        outreach::FlagOut,
        outreach::ReasonOut,
        outreach::ReasonValue,
        outreach::ScoreRequest,
        outreach::ScoreResponse,
        outreach::RunOut,
        outreach::ReviewRequest,
        outreach::ReviewOut,
        outreach::OptOutRequest,
        outreach::RevealRequest,
        outreach::RevealOut,
        outreach::OptOutAck,
        outreach::ReportOut,
        outreach::GroupOut,
        error::ErrorBody,
        error::ErrorDetail,
    )),
    tags(
        (name = "routing", description = "Classify and route requests"),
        (name = "feedback", description = "Corrections of decisions, for audits and retraining"),
        (name = "events", description = "Contact events for workload forecasts and outreach"),
        (name = "forecast", description = "Workload forecasts and the staff they call for, for planners"),
        (name = "staffing", description = "Agents and FTE for a workload: Erlang C, Erlang A, backlog channels"),
        (name = "outreach", description = "Whom a case worker may contact first, and why: advice, a person decides"),
        (name = "models", description = "The models in use, reloaded and rolled back"),
        (name = "audit", description = "Who read or changed citizens' outreach data"),
        (name = "store", description = "What the store holds, and pruning it to its retention"),
        (name = "health", description = "Probes and metrics"),
    ),
    modifiers(&Keys, &Answers)
)]
pub struct ApiDoc;

/// Every `/v1` path needs an API key: the bearer scheme, the requirement, and the answers a key
/// can get (401, 403, 429) on each of them, written once here rather than on every handler.
struct Keys;

impl Modify for Keys {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for op in v1_operations(doc) {
            op.security = Some(vec![SecurityRequirement::new(
                "api_key",
                Vec::<String>::new(),
            )]);
            let responses = &mut op.responses.responses;
            responses.insert(
                "401".into(),
                error("`unauthorized`: no API key, or one that is not live"),
            );
            responses.insert(
                "403".into(),
                error("`forbidden`: the key lacks this endpoint's scope"),
            );
            responses.insert(
                "429".into(),
                error("`rate_limited`: the key is over its rate (with Retry-After)"),
            );
        }
    }
}

/// What any `/v1` endpoint may answer besides its own: a body that is not JSON, too large or of
/// another media type (endpoints that take one), a query or body the operation refuses, and a
/// refusal under load or past the deadline. Written once here rather than on every handler; an
/// answer a handler describes itself is kept.
struct Answers;

impl Modify for Answers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for op in v1_operations(doc) {
            let takes_body = op.request_body.is_some();
            let takes_query = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut answers = vec![(
                "503",
                "`overloaded`, `timed_out`, `store_unavailable`, `not_ready` (with Retry-After)",
            )];
            if takes_body {
                answers.extend([
                    ("400", "`malformed_json`"),
                    ("413", "`body_too_large`"),
                    ("415", "`unsupported_media_type`"),
                    ("422", "`invalid_request`"),
                ]);
            } else if takes_query {
                answers.push(("422", "`invalid_request`"));
            }
            for (status, text) in answers {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(text));
            }
        }
    }
}

/// Every operation under `/v1/`.
fn v1_operations(
    doc: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    doc.paths
        .paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with("/v1/"))
        .flat_map(|(_, item)| {
            [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
        })
}

/// An error answer described by `text`, with the error body's schema.
fn error(text: &str) -> RefOr<Response> {
    RefOr::T(
        utoipa::openapi::ResponseBuilder::new()
            .description(text)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// The committed document: what utoipa generates, with the limits the code checks.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let missed = super::contract::constrain(&mut doc);
    debug_assert!(
        missed.is_empty(),
        "constraints that did not land: {missed:?}"
    );
    doc
}

/// The document as pretty JSON, as committed in `api/openapi.json` (with a final newline).
pub fn pretty_json() -> String {
    let mut s = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// `GET /openapi.json`: the contract as this service holds it.
pub async fn served(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
) -> axum::Json<serde_json::Value> {
    let mut doc = document();
    let missed = super::contract::constrain_live(&mut doc, &state);
    if !missed.is_empty() {
        tracing::warn!(?missed, "OpenAPI constraints that did not land");
    }
    axum::Json(doc)
}

/// Swagger UI at `/docs` over `/openapi.json` (served by [`served`]). Its files are bundled in the
/// binary and its online validator is off (`validatorUrl: "none"`), so that the page works
/// offline and never sends the contract to validator.swagger.io.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs").config(Config::new(["/openapi.json"]).validator_url("none"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constraint_lands_on_the_document() {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(
            super::super::contract::constrain(&mut doc),
            Vec::<String>::new()
        );
        assert_eq!(
            doc.pointer("/components/schemas/RouteRequest/properties/id/maxLength"),
            Some(&serde_json::json!(crate::ops::route::MAX_ID_CHARS))
        );
        // Every `/v1` operation says it can be refused under load.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if path.starts_with("/v1/") {
                    assert!(op["responses"].get("503").is_some(), "{method} {path}");
                }
            }
        }
    }
}
