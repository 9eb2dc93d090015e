//! Topic and urgency classification: the [`TextClassifier`] trait, the linear backend trained in
//! Rust, datasets, training, evaluation, artefacts and the urgency lexicon.

pub mod artefact;
pub mod bundle;
pub mod card;
pub mod dataset;
pub mod eval;
pub mod linear;
pub mod model;
pub mod sgd;
pub mod train;
pub mod urgency;

pub use artefact::{Manifest, ModelKind};
pub use bundle::{Bundle, UrgencyAssessment, UrgencyModel};
pub use model::{LinearClassifier, PredictOptions, Prediction, TextClassifier};
pub use urgency::{Lexicon, Signal, UrgencyLevel};
