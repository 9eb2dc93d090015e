//! A model bundle: the topic model and the urgency model (classifier + lexicon) that serve together.
//!
//! On disk: `DIR/topic/` and `DIR/urgency/`, each a model artefact (see [`super::artefact`]).

use super::artefact::{self, ArtefactError, LEXICON, ModelKind};
use super::model::{LinearClassifier, PredictOptions, Prediction, TextClassifier};
use super::urgency::{Lexicon, Signal, UrgencyLevel};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a bundle or one of its models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// An artefact failed to load.
    #[error(transparent)]
    Artefact(#[from] ArtefactError),
    /// A model of the wrong kind in a slot.
    #[error("{path}: a {found} model where a {expected} model is expected")]
    WrongKind {
        /// The model directory.
        path: PathBuf,
        /// What the manifest says.
        found: &'static str,
        /// What the slot needs.
        expected: &'static str,
    },
    /// An urgency label that is not a level.
    #[error(
        "{path}: urgency label `{label}` is not one of low, normal, high, critical (train with --label-map)"
    )]
    BadLevel {
        /// The model directory.
        path: PathBuf,
        /// The label.
        label: String,
    },
    /// The lexicon does not parse.
    #[error(transparent)]
    Lexicon(#[from] super::urgency::LexiconError),
}

/// The urgency of a text: the model's level raised by any lexicon signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UrgencyAssessment {
    /// The final level.
    pub level: UrgencyLevel,
    /// The model's probability for its own level.
    pub confidence: f32,
    /// What the model alone said.
    pub model_level: UrgencyLevel,
    /// The signals that fired (each may have raised the level).
    pub signals: Vec<Signal>,
    /// The model's full prediction.
    pub prediction: Prediction,
}

/// The urgency model: a classifier over the four levels plus the lexicon of signals.
#[derive(Debug)]
pub struct UrgencyModel {
    classifier: Arc<dyn TextClassifier>,
    levels: Vec<UrgencyLevel>,
    lexicon: Lexicon,
}

impl UrgencyModel {
    /// Loads the urgency artefact in `dir` (with its `lexicon.toml`, checksum-verified).
    pub fn load(dir: &Path) -> Result<Self, BundleError> {
        let c = LinearClassifier::load(dir)?;
        let m = c.manifest();
        expect_kind(dir, m.kind, ModelKind::Urgency)?;
        let lexicon = if m.files.contains_key(LEXICON) {
            let bytes = artefact::read_checked(dir, m, LEXICON)?;
            let text = String::from_utf8_lossy(&bytes);
            Lexicon::from_toml(&text, &dir.join(LEXICON).display().to_string())?
        } else {
            Lexicon::default()
        };
        Self::new(Arc::new(c), lexicon, dir)
    }

    /// Assembles an urgency model; `dir` names it in errors.
    pub fn new(
        classifier: Arc<dyn TextClassifier>,
        lexicon: Lexicon,
        dir: &Path,
    ) -> Result<Self, BundleError> {
        let levels = classifier
            .manifest()
            .labels
            .iter()
            .map(|l| {
                l.parse().map_err(|_| BundleError::BadLevel {
                    path: dir.to_path_buf(),
                    label: l.clone(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            classifier,
            levels,
            lexicon,
        })
    }

    /// The classifier.
    pub fn classifier(&self) -> &Arc<dyn TextClassifier> {
        &self.classifier
    }

    /// The lexicon.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Assesses `text`: the model's level, raised (never lowered) by lexicon signals.
    pub fn assess(&self, text: &str, opts: PredictOptions) -> UrgencyAssessment {
        let prediction = self.classifier.predict(text, opts);
        let labels = &self.classifier.manifest().labels;
        // Urgency never abstains: the best level stands, and low confidence is the policy's to flag.
        let model_level = labels
            .iter()
            .position(|l| *l == prediction.best)
            .map_or(UrgencyLevel::Normal, |i| self.levels[i]);
        let signals = self.lexicon.scan(text);
        let level = signals
            .iter()
            .map(|s| s.level)
            .fold(model_level, UrgencyLevel::max);
        UrgencyAssessment {
            level,
            confidence: prediction.confidence,
            model_level,
            signals,
            prediction,
        }
    }
}

fn expect_kind(dir: &Path, found: ModelKind, expected: ModelKind) -> Result<(), BundleError> {
    if found == expected {
        Ok(())
    } else {
        Err(BundleError::WrongKind {
            path: dir.to_path_buf(),
            found: found.as_str(),
            expected: expected.as_str(),
        })
    }
}

/// The topic and urgency models that serve together.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Topic classifier.
    pub topic: Arc<dyn TextClassifier>,
    /// Urgency model.
    pub urgency: Arc<UrgencyModel>,
}

impl Bundle {
    /// Loads `dir/topic` and `dir/urgency`.
    pub fn load(dir: &Path) -> Result<Self, BundleError> {
        let tdir = dir.join("topic");
        let topic = LinearClassifier::load(&tdir)?;
        expect_kind(&tdir, topic.manifest().kind, ModelKind::Topic)?;
        let urgency = UrgencyModel::load(&dir.join("urgency"))?;
        Ok(Self {
            topic: Arc::new(topic),
            urgency: Arc::new(urgency),
        })
    }
}
