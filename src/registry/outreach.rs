//! The outreach slot: the model `[outreach] model` names, loaded and checked by its backend
//! ([`crate::outreach::artefact::load`], or the ONNX backend with feature `onnx`: checksums,
//! feature definitions against this build, the graph's inputs against them), or why
//! there is none. A missing or broken outreach model never stops the service: routing goes on,
//! and the outreach endpoints answer 503 `not_ready` with the reason. Reloaded with the routing
//! models on SIGHUP; a model that fails to load leaves the one serving in place.

use super::Registry;
use crate::config::Settings;
use crate::outreach::{OutreachBackend, OutreachError, OutreachModel, artefact};
use std::path::Path;
use std::sync::Arc;

/// What the outreach slot holds: a model, or why there is none (for the 503's message).
#[derive(Clone)]
pub struct OutreachSlot(pub Result<Arc<dyn OutreachModel>, String>);

impl std::fmt::Debug for OutreachSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Ok(m) => write!(f, "OutreachSlot({})", m.manifest().model_version),
            Err(why) => write!(f, "OutreachSlot(none: {why})"),
        }
    }
}

/// Loads the outreach model of `settings`, or says why there is none.
pub fn load_outreach(settings: &Settings) -> OutreachSlot {
    let dir = &settings.outreach.model;
    if !dir.join(artefact::MANIFEST).exists() {
        return OutreachSlot(Err(format!(
            "no outreach model in {}: train one with `instrada train outreach --from-store \
             --out {}` and reload (SIGHUP)",
            dir.display(),
            dir.display()
        )));
    }
    match open_outreach(dir) {
        Ok(m) => OutreachSlot(Ok(m)),
        Err(e) => OutreachSlot(Err(format!("the outreach model could not be loaded: {e}"))),
    }
}

/// Loads the outreach model in `dir` by its manifest's backend: the Rust-trained ones with
/// [`artefact::load`], an ONNX one with `OnnxOutreach` (feature `onnx`).
pub fn open_outreach(dir: &Path) -> Result<Arc<dyn OutreachModel>, OutreachError> {
    match artefact::read_manifest(dir)?.backend {
        OutreachBackend::Onnx => onnx_outreach(dir),
        OutreachBackend::Logistic | OutreachBackend::Trees => Ok(Arc::new(artefact::load(dir)?)),
    }
}

/// The ONNX outreach model of `dir` (feature `onnx`).
#[cfg(feature = "onnx")]
fn onnx_outreach(dir: &Path) -> Result<Arc<dyn OutreachModel>, OutreachError> {
    Ok(Arc::new(crate::outreach::onnx::OnnxOutreach::load(dir)?))
}

/// A build without the `onnx` feature refuses ONNX models, saying how to get one that loads them.
#[cfg(not(feature = "onnx"))]
fn onnx_outreach(dir: &Path) -> Result<Arc<dyn OutreachModel>, OutreachError> {
    Err(OutreachError::Artefact {
        path: dir.join(artefact::MANIFEST),
        message: "backend onnx: this build cannot run ONNX models: rebuild with --features onnx"
            .into(),
    })
}

impl Registry {
    /// The outreach model in use, or why there is none.
    pub fn outreach(&self) -> Result<Arc<dyn OutreachModel>, String> {
        self.outreach.current().0.clone()
    }

    /// Loads `[outreach] model` again; serves it if it loads, else keeps what serves (and, with no
    /// model serving yet, the new reason). Returns the version serving, or why none is.
    pub fn reload_outreach(&self) -> Result<String, String> {
        let loaded = load_outreach(&self.settings);
        let serving = self.outreach.current();
        match (&loaded.0, &serving.0) {
            (Ok(_), _) | (Err(_), Err(_)) => {
                self.outreach.swap(loaded.clone());
            }
            (Err(why), Ok(_)) => return Err(why.clone()),
        }
        loaded.0.map(|m| m.manifest().model_version.clone())
    }
}
