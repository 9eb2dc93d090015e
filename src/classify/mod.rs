//! Topic and urgency classification: the [`TextClassifier`] trait, the linear backend trained in
//! Rust, datasets, training, evaluation, artefacts and the urgency lexicon.
//!
//! Inside, arrows point down and no two files import each other:
//! `job` → `artefact` → `card` → `manifest` → `train` → `calibrate` | `sgd` | `eval` | `dataset`
//! → `linear`; `bundle` → `model` → `artefact`; `onnx` (feature `onnx`) → `model` | `artefact` |
//! `linear`; `urgency`, `eval` and `dataset` are leaves.
//! Outside, it uses only `text`, `label` and `digest`: it must not import `api`, `cli`, `route`,
//! `registry` or `store` (they call it).

pub mod artefact;
pub mod bundle;
pub mod calibrate;
pub mod card;
pub mod dataset;
pub mod eval;
pub mod job;
pub mod linear;
pub mod manifest;
pub mod model;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod sgd;
pub mod train;
pub mod urgency;

pub use bundle::{Bundle, UrgencyAssessment, UrgencyModel};
pub use manifest::{Manifest, ModelKind};
pub use model::{LinearClassifier, PredictOptions, Prediction, TextClassifier};
pub use urgency::{Lexicon, Signal, UrgencyLevel};
