//! A model bundle: the topic model and the urgency model (classifier + lexicon) that serve together.
//!
//! On disk: `DIR/topic/` and `DIR/urgency/`, each a model artefact (see [`super::artefact`]).
//!
//! Imports `artefact`, `linear`, `model`, `urgency` and (for its error type) `onnx`; must not import
//! `train`, `job` or `eval` (serving needs no training code), nor anything outside `text` and the
//! leaves.

use super::artefact::{self, ArtefactError, LEXICON, ModelKind};
use super::linear::with_features;
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
    /// The manifest names a backend this build was compiled without.
    #[error(
        "{path}: backend `{backend}`: this build has no ONNX backend: rebuild with --features onnx"
    )]
    NoBackend {
        /// The manifest.
        path: PathBuf,
        /// The backend it names.
        backend: &'static str,
    },
    /// An ONNX model failed to load.
    #[cfg(feature = "onnx")]
    #[error(transparent)]
    Onnx(#[from] super::onnx::OnnxError),
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
        Ok(Self::load_linear(dir)?.0)
    }

    /// Like [`Self::load`], also handing back the linear classifier inside.
    fn load_linear(dir: &Path) -> Result<(Self, Arc<LinearClassifier>), BundleError> {
        let c = Arc::new(LinearClassifier::load(dir)?);
        Ok((Self::with_classifier(dir, c.clone())?, c))
    }

    /// The urgency model of `dir` around a classifier of any backend already loaded from it: the
    /// artefact's `lexicon.toml` (checksum-verified) goes with it whatever computes the levels.
    pub fn with_classifier(
        dir: &Path,
        classifier: Arc<dyn TextClassifier>,
    ) -> Result<Self, BundleError> {
        let m = classifier.manifest();
        expect_kind(dir, m.kind, ModelKind::Urgency)?;
        let lexicon = if m.files.contains_key(LEXICON) {
            let bytes = artefact::read_checked(dir, m, LEXICON)?;
            let text = String::from_utf8_lossy(&bytes);
            Lexicon::from_toml(&text, &dir.join(LEXICON).display().to_string())?
        } else {
            Lexicon::default()
        };
        Self::new(classifier, lexicon, dir)
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
        self.assess_prediction(text, self.classifier.predict(text, opts))
    }

    /// Completes the classifier's `prediction` for `text` with the lexicon's signals.
    pub fn assess_prediction(&self, text: &str, prediction: Prediction) -> UrgencyAssessment {
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

impl BundleError {
    /// A model of kind `found` in `dir`, where a model of kind `expected` is needed.
    pub fn wrong_kind(dir: &Path, found: ModelKind, expected: ModelKind) -> Self {
        Self::WrongKind {
            path: dir.to_path_buf(),
            found: found.as_str(),
            expected: expected.as_str(),
        }
    }
}

fn expect_kind(dir: &Path, found: ModelKind, expected: ModelKind) -> Result<(), BundleError> {
    if found == expected {
        Ok(())
    } else {
        Err(BundleError::wrong_kind(dir, found, expected))
    }
}

/// The topic and urgency models that serve together.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Topic classifier.
    pub topic: Arc<dyn TextClassifier>,
    /// Urgency model.
    pub urgency: Arc<UrgencyModel>,
    /// Both linear models with one vocabulary (trained on the same texts with the same feature
    /// configuration, as the default bundle is): one featurisation then serves both.
    shared: Option<(Arc<LinearClassifier>, Arc<LinearClassifier>)>,
}

impl Bundle {
    /// Loads `dir/topic` and `dir/urgency`.
    pub fn load(dir: &Path) -> Result<Self, BundleError> {
        let tdir = dir.join("topic");
        let topic = Arc::new(LinearClassifier::load(&tdir)?);
        expect_kind(&tdir, topic.manifest().kind, ModelKind::Topic)?;
        let udir = dir.join("urgency");
        let (urgency, ulinear) = UrgencyModel::load_linear(&udir)?;
        let shared = topic
            .model()
            .vectorizer
            .same_as(&ulinear.model().vectorizer)
            .then(|| (topic.clone(), ulinear));
        Ok(Self {
            topic,
            urgency: Arc::new(urgency),
            shared,
        })
    }

    /// A bundle of any two models (no shared featurisation).
    pub fn new(topic: Arc<dyn TextClassifier>, urgency: Arc<UrgencyModel>) -> Self {
        Self {
            topic,
            urgency,
            shared: None,
        }
    }

    /// True when one featurisation serves both models.
    pub fn shares_features(&self) -> bool {
        self.shared.is_some()
    }

    /// Topic and urgency of `text`: the same answers as `topic.predict` and `urgency.assess`, with
    /// one featurisation when the two models share a vocabulary.
    pub fn classify(
        &self,
        text: &str,
        topic_opts: PredictOptions,
        urgency_opts: PredictOptions,
    ) -> (Prediction, UrgencyAssessment) {
        match &self.shared {
            Some((t, u)) => with_features(&t.model().vectorizer, text, |f| {
                let topic = t.predict_features(f, topic_opts);
                let urgency = self
                    .urgency
                    .assess_prediction(text, u.predict_features(f, urgency_opts));
                (topic, urgency)
            }),
            None => (
                self.topic.predict(text, topic_opts),
                self.urgency.assess(text, urgency_opts),
            ),
        }
    }
}
