//! From settings to a [`Router`]: check the settings, load each model by the kind and backend its
//! manifest names, validate the policy against the topic model's labels, and report every problem
//! at once. Start-up, reload and `instrada check-config` run these same checks.

use crate::classify::artefact::{self, Backend, ModelKind};
use crate::classify::{Bundle, PredictOptions};
use crate::config::{Settings, Source};
use crate::route::{Policy, Router, RouterOptions};
use std::fmt::Write;
use std::path::Path;

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

/// The routing options the settings give.
pub fn router_options(settings: &Settings) -> RouterOptions {
    RouterOptions {
        max_text_chars: settings.server.max_text_chars,
        stored_text: settings.store.text,
    }
}

/// Checks that each model of the bundle in `dir` has a backend this build serves. Every backend
/// is matched here, so that a new one cannot be added without saying how it loads.
fn check_backends(dir: &Path) -> Result<(), String> {
    for kind in [ModelKind::Topic, ModelKind::Urgency] {
        let sub = dir.join(kind.as_str());
        // A missing or unreadable manifest is reported by the load itself, with its path.
        let Ok(manifest) = artefact::read_manifest(&sub) else {
            continue;
        };
        match manifest.backend {
            Backend::Linear => {}
        }
    }
    Ok(())
}

/// Loads the bundle of `models.dir`, checks it, and builds the router over it and the policy.
pub fn load_router(settings: &Settings, source: &Source) -> Result<Router, Invalid> {
    let mut problems = settings.problems();
    let dir = &settings.models.dir;
    let bundle = match check_backends(dir).and_then(|()| Bundle::load(dir).map_err(|e| e.to_string())) {
        Ok(b) => Some(b),
        Err(e) => {
            problems.push(format!("models (`models.dir` = {}): {e}", dir.display()));
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
        (Some(bundle), Some(policy)) if problems.is_empty() => {
            Ok(Router::new(bundle, policy, router_options(settings)))
        }
        _ => Err(Invalid {
            source_name: source.to_string(),
            problems,
        }),
    }
}

/// Pages the weights in and sizes this thread's buffers with one classification, so that the
/// first real request after a start or a swap is not the slow one.
pub fn warm_up(router: &Router) {
    let opts = PredictOptions::default();
    let _ = router
        .bundle()
        .classify("Buongiorno, vorrei informazioni sul servizio.", opts, opts);
}

/// `instrada check-config`: every problem of a configuration, or a summary of what it would serve.
pub fn check(settings: &Settings, source: &Source) -> Result<String, Invalid> {
    let router = load_router(settings, source)?;
    let mut out = String::new();
    let bundle = router.bundle();
    let topic = bundle.topic.manifest();
    let urgency = bundle.urgency.classifier().manifest();
    let _ = writeln!(out, "OK: {source}");
    let _ = writeln!(
        out,
        "  models: {} ({} labels), {} ({} lexicon signals) from {}",
        topic.model_version,
        topic.labels.len(),
        urgency.model_version,
        bundle.urgency.lexicon().signals().len(),
        settings.models.dir.display()
    );
    let _ = writeln!(
        out,
        "  routing: {} queues, {} rules",
        router.policy().queue_names().count(),
        router.policy().rule_names().count()
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
