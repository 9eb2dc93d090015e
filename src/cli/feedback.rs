//! `instrada feedback DECISION_ID [--topic T] [--urgency U] [--queue Q] [--note N]`: a handler's
//! correction of a decision, recorded as `POST /v1/feedback` records it. The arguments become the
//! JSON body the API takes and go through the same decoding and the same operation
//! ([`crate::ops::feedback`]), so a bad id, an unknown topic or queue, or nothing to correct gets
//! the API's message.

use super::CliError;
use crate::config::Settings;
use crate::ops::{self, Actor, Service};
use crate::registry;
use std::path::PathBuf;

/// `instrada feedback`.
#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    /// The decision corrected (its `decision_id`).
    pub decision_id: String,
    /// The right topic (one of the topic model's labels).
    #[arg(long)]
    pub topic: Option<String>,
    /// The right urgency: low, normal, high or critical.
    #[arg(long)]
    pub urgency: Option<String>,
    /// The queue the request really belonged to.
    #[arg(long)]
    pub queue: Option<String>,
    /// A note for the model's maintainers (kept redacted).
    #[arg(long)]
    pub note: Option<String>,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Records the correction and returns what to print (the API's answer, as JSON).
pub fn feedback_cmd(a: &FeedbackArgs) -> Result<String, CliError> {
    let (settings, source) = Settings::load(a.config.as_deref(), &[])?;
    let mut body = serde_json::Map::new();
    body.insert("decision_id".into(), a.decision_id.clone().into());
    for (field, value) in [
        ("topic", &a.topic),
        ("urgency", &a.urgency),
        ("queue", &a.queue),
        ("note", &a.note),
    ] {
        if let Some(v) = value {
            body.insert(field.into(), v.clone().into());
        }
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let req = ops::decode::json::<ops::feedback::FeedbackRequest>(&bytes)?;
    // The topic labels and queues a correction is checked against.
    let router = registry::load_router(&settings, &source)?;
    let ack = super::with_service(&settings, async |svc: Service| {
        Ok(ops::feedback::record(&svc, &router, req, &Actor::local()).await?)
    })?;
    Ok(format!(
        "{}\n",
        serde_json::to_string(&ack).unwrap_or_default()
    ))
}
