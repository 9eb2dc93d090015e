//! From settings to a service: validate everything (settings, models, the policy against the
//! models' labels) and report every problem at once. `instrada check-config` and `instrada serve`
//! run the same checks, so a configuration that passes the first starts with the second.

use super::state::Engine;
use crate::classify::Bundle;
use crate::config::{Settings, Source};
use crate::route::Policy;
use std::fmt::Write;

/// A configuration that cannot serve, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, bullet(problems))]
pub struct Invalid {
    /// Where the settings came from.
    pub source_name: String,
    /// One line per problem.
    pub problems: Vec<String>,
}

fn bullet(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {}", p.replace('\n', "\n    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks the settings, loads the models and validates the policy against their labels.
pub fn load_engine(settings: &Settings, source: &Source) -> Result<Engine, Invalid> {
    let mut problems = settings.problems();
    let bundle = match Bundle::load(&settings.models.dir) {
        Ok(b) => Some(b),
        Err(e) => {
            problems.push(format!(
                "models (`models.dir` = {}): {e}",
                settings.models.dir.display()
            ));
            None
        }
    };
    let policy = match &bundle {
        Some(b) => match Policy::from_config(&settings.routing, &b.topic.manifest().labels) {
            Ok(p) => Some(p),
            Err(e) => {
                let listed = e.problems();
                if listed.is_empty() {
                    problems.push(format!("routing: {e}"));
                } else {
                    problems.extend(listed.iter().map(|p| format!("routing: {p}")));
                }
                None
            }
        },
        None => {
            problems.push(
                "routing: not checked, because the policy is checked against the topic model's \
                 labels and the models did not load"
                    .into(),
            );
            None
        }
    };
    match (bundle, policy) {
        (Some(bundle), Some(policy)) if problems.is_empty() => Ok(Engine { bundle, policy }),
        _ => Err(Invalid {
            source_name: source.to_string(),
            problems,
        }),
    }
}

/// `instrada check-config`: every problem of a configuration, or a summary of what it would serve.
pub fn check(settings: &Settings, source: &Source) -> Result<String, Invalid> {
    let engine = load_engine(settings, source)?;
    let mut out = String::new();
    let topic = engine.bundle.topic.manifest();
    let urgency = engine.bundle.urgency.classifier().manifest();
    let _ = writeln!(out, "OK: {source}");
    let _ = writeln!(
        out,
        "  models: {} ({} labels), {} ({} lexicon signals) from {}",
        topic.model_version,
        topic.labels.len(),
        urgency.model_version,
        engine.bundle.urgency.lexicon().signals().len(),
        settings.models.dir.display()
    );
    let _ = writeln!(
        out,
        "  routing: {} queues, {} rules",
        engine.policy.queue_names().count(),
        engine.policy.rule_names().count()
    );
    let _ = writeln!(
        out,
        "  store: {} (text: {}), listening on {}",
        settings.store.path.display(),
        settings.store.text.as_str(),
        settings.server.bind
    );
    Ok(out)
}
