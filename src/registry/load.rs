//! Loading: [`open_model`] and [`open_bundle`] load a model directory or a bundle by the kind and
//! backend each manifest names (the only place that dispatches on them); [`load_router`] goes from
//! settings to a [`Router`]: check the settings, load the bundle, validate the policy against the topic model's labels, and report every problem
//! at once. Start-up, reload and `instrada check-config` run these same checks.

use crate::classify::artefact::{self, Backend, ModelKind};
use crate::classify::bundle::BundleError;
use crate::classify::{Bundle, LinearClassifier, PredictOptions, TextClassifier, UrgencyModel};
use crate::config::{Settings, Source};
use crate::route::{Policy, Router, RouterOptions};
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

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

/// One model directory, loaded.
#[derive(Debug, Clone)]
pub enum Model {
    /// A topic classifier.
    Topic(Arc<dyn TextClassifier>),
    /// An urgency model (classifier and lexicon).
    Urgency(Arc<UrgencyModel>),
}

/// Loads the model in `dir` by the kind and the backend its manifest names. Every backend is
/// matched here, so that a new one cannot be added without saying how it loads.
pub fn open_model(dir: &Path) -> Result<Model, BundleError> {
    let manifest = artefact::read_manifest(dir)?;
    Ok(match (manifest.kind, manifest.backend) {
        (ModelKind::Topic, Backend::Linear) => Model::Topic(Arc::new(LinearClassifier::load(dir)?)),
        (ModelKind::Urgency, Backend::Linear) => Model::Urgency(Arc::new(UrgencyModel::load(dir)?)),
        (ModelKind::Topic, Backend::Onnx) => Model::Topic(onnx_classifier(dir)?),
        (ModelKind::Urgency, Backend::Onnx) => Model::Urgency(Arc::new(
            UrgencyModel::with_classifier(dir, onnx_classifier(dir)?)?,
        )),
    })
}

/// The ONNX classifier of `dir` (feature `onnx`).
#[cfg(feature = "onnx")]
fn onnx_classifier(dir: &Path) -> Result<Arc<dyn TextClassifier>, BundleError> {
    Ok(Arc::new(crate::classify::onnx::OnnxClassifier::load(dir)?))
}

/// A build without the `onnx` feature refuses ONNX models, saying how to get one that loads them.
#[cfg(not(feature = "onnx"))]
fn onnx_classifier(dir: &Path) -> Result<Arc<dyn TextClassifier>, BundleError> {
    Err(BundleError::NoBackend {
        path: dir.join(artefact::MANIFEST),
        backend: Backend::Onnx.as_str(),
    })
}

/// Loads the bundle in `dir` (`topic/` and `urgency/`), each model by its backend; two linear
/// models with one vocabulary then share a featurisation ([`Bundle::load`]); any other pair
/// (e.g. a linear topic model and an ONNX urgency model) serves each model on its own.
pub fn open_bundle(dir: &Path) -> Result<Bundle, BundleError> {
    let backend =
        |kind: ModelKind| artefact::read_manifest(&dir.join(kind.as_str())).map(|m| m.backend);
    match (backend(ModelKind::Topic)?, backend(ModelKind::Urgency)?) {
        (Backend::Linear, Backend::Linear) => Bundle::load(dir),
        (Backend::Onnx, _) | (_, Backend::Onnx) => {
            let (tdir, udir) = (dir.join("topic"), dir.join("urgency"));
            let topic = match open_model(&tdir)? {
                Model::Topic(t) => t,
                Model::Urgency(_) => {
                    return Err(BundleError::wrong_kind(
                        &tdir,
                        ModelKind::Urgency,
                        ModelKind::Topic,
                    ));
                }
            };
            let urgency = match open_model(&udir)? {
                Model::Urgency(u) => u,
                Model::Topic(_) => {
                    return Err(BundleError::wrong_kind(
                        &udir,
                        ModelKind::Topic,
                        ModelKind::Urgency,
                    ));
                }
            };
            Ok(Bundle::new(topic, urgency))
        }
    }
}

/// Loads the bundle of `models.dir`, checks it, and builds the router over it and the policy.
pub fn load_router(settings: &Settings, source: &Source) -> Result<Router, Invalid> {
    let mut problems = settings.problems();
    let dir = &settings.models.dir;
    let bundle = match open_bundle(dir) {
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
        settings.store.location(),
        settings.store.text.as_str(),
        settings.server.bind
    );
    Ok(out)
}

#[cfg(all(test, not(feature = "onnx")))]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_the_onnx_feature_refuses_onnx_models_saying_how_to_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/topic");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(models.join("manifest.json")).unwrap()).unwrap();
        manifest["backend"] = "onnx".into();
        std::fs::write(
            dir.path().join("manifest.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        let e = open_model(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("manifest.json")
                && e.contains("this build has no ONNX backend: rebuild with --features onnx"),
            "{e}"
        );
    }
}
