//! The ONNX backend (feature `onnx`): a text classifier whose probabilities come from a graph run
//! by ONNX Runtime, e.g. a scikit-learn pipeline exported by `training/python/export_text.py`.
//!
//! It implements [`TextClassifier`] and builds its answers with [`Answer::prediction`], as the
//! linear backend does, so the registry loads either kind and a policy cannot tell them apart.
//! Evidence words come from [`explain`] when the exporter wrote the TF-IDF vocabulary and the
//! coefficients beside the graph; otherwise this backend gives none (the manifest's
//! `onnx.explain` is empty and the model card says so).
//!
//! Owns the checks at load; the session pool and the shared library come from the leaf
//! [`crate::onnxrt`]. Imports `artefact`, `model`, `linear`, `crate::text` and `crate::onnxrt`;
//! must not import `bundle`, `train` or `job`.

pub mod explain;

use super::artefact::{self, ArtefactError, Manifest};
use super::model::{Answer, PredictOptions, Prediction, TextClassifier};
use crate::label::UNKNOWN;
use crate::onnxrt::{Pool, runtime};
use crate::text::normalize::truncate_chars;
use explain::Explainer;
use ort::value::Tensor;
use std::path::{Path, PathBuf};

/// Why an ONNX model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The artefact's files (manifest, checksums).
    #[error(transparent)]
    Artefact(#[from] ArtefactError),
    /// The ONNX Runtime library is missing or does not load.
    #[error("{path}: cannot run ONNX models: {message}")]
    Runtime {
        /// The model file that needed it.
        path: PathBuf,
        /// What is missing and what to install.
        message: String,
    },
    /// The manifest says `onnx` but has no `onnx` section.
    #[error("{path}: backend onnx without an `onnx` section (model file, input, output)")]
    NoSpec {
        /// The manifest.
        path: PathBuf,
    },
    /// The graph does not load, or does not run on a text.
    #[error("{path}: not a usable ONNX model: {message}")]
    Graph {
        /// The model file.
        path: PathBuf,
        /// What ONNX Runtime said.
        message: String,
    },
    /// The graph loads but does not answer as the manifest says.
    #[error("{path}: does not match its manifest: {message}")]
    Mismatch {
        /// The model file.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// The explanation files are malformed or do not match the manifest.
    #[error("{path}: invalid explanation data: {message}")]
    Explain {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A text classifier run by ONNX Runtime, with its manifest.
#[derive(Debug)]
pub struct OnnxClassifier {
    manifest: Manifest,
    pool: Pool,
    input: String,
    output: String,
    explainer: Option<Explainer>,
    oos_class: Option<usize>,
    /// The graph file, for errors at run time.
    path: PathBuf,
}

impl OnnxClassifier {
    /// Loads the ONNX model in `dir`: manifest, checksums, graph, a check run, and the
    /// explanation files when the manifest names them.
    pub fn load(dir: &Path) -> Result<Self, OnnxError> {
        let manifest = artefact::read_manifest(dir)?;
        let spec = manifest.onnx.clone().ok_or_else(|| OnnxError::NoSpec {
            path: dir.join(artefact::MANIFEST),
        })?;
        let path = dir.join(&spec.model);
        if (manifest.temperature - 1.0).abs() > 1e-6 {
            return Err(OnnxError::Mismatch {
                path,
                message: format!(
                    "temperature {} (the graph's probabilities are served as they are: write 1)",
                    manifest.temperature
                ),
            });
        }
        let bytes = artefact::read_checked(dir, &manifest, &spec.model)?;
        let environment = runtime::ensure().map_err(|message| OnnxError::Runtime {
            path: path.clone(),
            message,
        })?;
        let pool = Pool::new(environment, &bytes).map_err(|message| OnnxError::Graph {
            path: path.clone(),
            message,
        })?;
        let oos_class = manifest
            .oos_label
            .as_ref()
            .and_then(|o| manifest.labels.iter().position(|l| l == o));
        let mut model = Self {
            pool,
            input: spec.input,
            output: spec.probabilities,
            explainer: None,
            oos_class,
            path,
            manifest,
        };
        // The graph first: a graph that does not match the manifest is the error to report.
        model.check()?;
        if let Some(file) = &spec.explain {
            model.explainer = Some(Explainer::load(dir, &model.manifest, file)?);
        }
        Ok(model)
    }

    /// The graph answers a text with one probability per label of the manifest.
    fn check(&self) -> Result<(), OnnxError> {
        let probs = self.probabilities(&["Buongiorno, vorrei informazioni."])?;
        let labels = self.manifest.labels.len();
        if probs.len() != labels {
            return Err(OnnxError::Mismatch {
                path: self.path.clone(),
                message: format!(
                    "output `{}` has {} values per text, the manifest lists {labels} labels",
                    self.output,
                    probs.len()
                ),
            });
        }
        Ok(())
    }

    /// Class probabilities of `texts`, one row per text, flattened.
    pub fn probabilities(&self, texts: &[&str]) -> Result<Vec<f32>, OnnxError> {
        let graph = |message: String| OnnxError::Graph {
            path: self.path.clone(),
            message,
        };
        // Owned strings: ort's string tensors take `'static` element types (the copy is ~100 ns).
        let owned: Vec<String> = texts.iter().map(|t| (*t).to_string()).collect();
        let input = Tensor::from_string_array(([texts.len(), 1], owned.as_slice()))
            .map_err(|e| graph(e.to_string()))?;
        self.pool.with(|session| {
            let outputs = session
                .run(ort::inputs![self.input.as_str() => input])
                .map_err(|e| graph(e.to_string()))?;
            let value = outputs
                .get(&self.output)
                .ok_or_else(|| OnnxError::Mismatch {
                    path: self.path.clone(),
                    message: format!("no output `{}`", self.output),
                })?;
            let (_, probs) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| graph(format!("output `{}`: {e}", self.output)))?;
            Ok(probs.to_vec())
        })
    }

    /// Whether this model explains its answers with evidence words.
    pub fn explains(&self) -> bool {
        self.explainer.is_some()
    }
}

impl TextClassifier for OnnxClassifier {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn predict(&self, text: &str, opts: PredictOptions) -> Prediction {
        let (text, truncated) = truncate_chars(text, self.manifest.features.max_chars);
        let probs = match self.probabilities(&[text]) {
            Ok(p) if p.len() == self.manifest.labels.len() => p,
            Ok(p) => return self.failed(&format!("{} probabilities", p.len()), truncated),
            Err(e) => return self.failed(&e.to_string(), truncated),
        };
        let answer = Answer {
            labels: &self.manifest.labels,
            oos_class: self.oos_class,
            threshold: self.manifest.unknown_threshold,
        };
        let best = super::linear::argmax(&probs).map(|(c, _)| c);
        let evidence = match (&self.explainer, best) {
            (Some(x), Some(c)) if opts.evidence > 0 && Some(c) != self.oos_class => {
                x.evidence(text, c, opts.evidence)
            }
            _ => Vec::new(),
        };
        answer.prediction(&probs, opts.alternatives, evidence, truncated)
    }
}

impl OnnxClassifier {
    /// The answer when the graph fails at run time (it ran at load, so this is a runtime fault):
    /// `unknown` with no confidence, so that a person triages the request; logged once per call.
    fn failed(&self, why: &str, truncated: bool) -> Prediction {
        tracing::error!(model = %self.manifest.model_version, "ONNX inference failed: {why}");
        Prediction {
            label: UNKNOWN.to_string(),
            confidence: 0.0,
            best: UNKNOWN.to_string(),
            alternatives: Vec::new(),
            abstention: Some(super::model::Abstention::BelowThreshold {
                threshold: self.manifest.unknown_threshold,
            }),
            evidence: Vec::new(),
            truncated,
        }
    }
}
