//! `GET /v1/models`: what the service is running — each model's name, version, labels, validation
//! quality, abstention threshold and training date.
//!
//! The response's shapes (and their schema) live here, at the edge: the domain's
//! [`crate::classify::ModelKind`] knows nothing of OpenAPI.

use super::auth::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::classify::{self, Manifest};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The models in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelsResponse {
    /// The topic model, then the urgency model.
    pub models: Vec<ModelInfo>,
}

/// One model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelInfo {
    /// Name, e.g. `topic-comune`.
    pub name: String,
    /// `topic` or `urgency`.
    pub kind: ModelKind,
    /// Unique version (name, date, weights hash); decisions quote it.
    pub version: String,
    /// The labels it predicts.
    pub labels: Vec<String>,
    /// Top probability under which it answers `unknown`.
    pub unknown_threshold: f32,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// Examples it was trained on.
    pub training_rows: usize,
    /// Quality on data it did not see during training.
    pub validation: ValidationInfo,
    /// Names of the urgency lexicon's signals (urgency model only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
}

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Which service or office a request is about.
    Topic,
    /// How fast it must be handled.
    Urgency,
}

impl ModelKind {
    /// `topic` or `urgency`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Urgency => "urgency",
        }
    }
}

impl From<classify::ModelKind> for ModelKind {
    fn from(k: classify::ModelKind) -> Self {
        match k {
            classify::ModelKind::Topic => Self::Topic,
            classify::ModelKind::Urgency => Self::Urgency,
        }
    }
}

/// Validation metrics of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidationInfo {
    /// How validation predictions were obtained (hold-out, k-fold).
    pub method: String,
    /// Validation texts.
    pub size: usize,
    /// Share answered right, abstentions counting as wrong.
    pub accuracy: f64,
    /// Mean F1 over the classes.
    pub macro_f1: f64,
    /// Mean recall over the classes.
    pub macro_recall: f64,
    /// Share of texts answered `unknown`.
    pub abstention_rate: f64,
    /// Accuracy of the top label had the model never abstained.
    pub argmax_accuracy: f64,
}

fn info(m: &Manifest, signals: Vec<String>) -> ModelInfo {
    let v = &m.validation;
    ModelInfo {
        name: m.name.clone(),
        kind: m.kind.into(),
        version: m.model_version.clone(),
        labels: m.labels.clone(),
        unknown_threshold: m.unknown_threshold,
        created_at: m.created_at,
        training_rows: m.training_data.rows,
        validation: ValidationInfo {
            method: v.method.clone(),
            size: v.size,
            accuracy: v.report.accuracy,
            macro_f1: v.report.macro_f1,
            macro_recall: v.report.macro_recall,
            abstention_rate: v.report.abstention_rate,
            argmax_accuracy: v.argmax_accuracy,
        },
        signals,
    }
}

/// The models in use.
#[utoipa::path(
    get,
    path = "/v1/models",
    tag = "models",
    responses((status = 200, description = "The topic and urgency models", body = ModelsResponse))
)]
pub async fn list(State(state): State<AppState>) -> Json<ModelsResponse> {
    let router = state.router();
    let urgency = &router.bundle().urgency;
    let signals = urgency
        .lexicon()
        .signals()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    Json(ModelsResponse {
        models: vec![
            info(router.bundle().topic.manifest(), Vec::new()),
            info(urgency.classifier().manifest(), signals),
        ],
    })
}

// The schema of [`crate::ops::models::Serving`] (never built).
/// The models serving after a reload or a rollback.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct ModelsServing {
    /// The topic model's version.
    pub topic: String,
    /// The urgency model's version.
    pub urgency: String,
}

/// Loads `models.dir` again: checked, warmed up and swapped in if it passes every check (requests
/// in flight finish on the old models); refused, with every problem, otherwise.
#[utoipa::path(
    post,
    path = "/v1/models/reload",
    tag = "models",
    responses(
        (status = 200, description = "The new models serve", body = ModelsServing),
        (status = 409, description = "`models_refused`: the bundle fails a check; the old models keep serving", body = ErrorBody),
    )
)]
pub async fn reload(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<crate::ops::models::Serving>, ApiError> {
    Ok(Json(super::reload::reload(&state, &actor).await?))
}

/// Serves the models in use before the last reload again, from memory.
#[utoipa::path(
    post,
    path = "/v1/models/rollback",
    tag = "models",
    responses(
        (status = 200, description = "The previous models serve", body = ModelsServing),
        (status = 409, description = "`nothing_to_roll_back`", body = ErrorBody),
    )
)]
pub async fn rollback(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<crate::ops::models::Serving>, ApiError> {
    Ok(Json(super::reload::rollback(&state, &actor).await?))
}
