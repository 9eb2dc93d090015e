//! Model artefacts on disk: a directory with `manifest.json`, `weights.safetensors`, a generated
//! `MODEL_CARD.md` and, for urgency models, `lexicon.toml`.
//!
//! Weights use safetensors (a data scientist opens them from Python with one call); the manifest
//! records what a model is, what it was trained on (file hash and row count), how, and how good it
//! was on validation data, plus the SHA-256 of every file so that loading can refuse a truncated
//! or edited artefact with an error naming the file.

use super::dataset::Example;
use super::eval::EvalReport;
use super::linear::LinearModel;
use super::train::{TrainParams, Trained};
use crate::digest::sha256_hex;
use crate::text::features::Vocabulary;
use crate::text::{FeatureConfig, Vectorizer};
use chrono::{DateTime, Utc};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The artefact format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Manifest file name.
pub const MANIFEST: &str = "manifest.json";
/// Weights file name.
pub const WEIGHTS: &str = "weights.safetensors";
/// Model card file name.
pub const CARD: &str = "MODEL_CARD.md";
/// Urgency lexicon file name.
pub const LEXICON: &str = "lexicon.toml";

/// What a model predicts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Which service or office a request is about.
    Topic,
    /// How fast it must be handled.
    Urgency,
}

/// What computes a model's predictions. Older manifests, written before the field existed, are
/// linear models trained by instrada.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Hashed n-gram features with a linear softmax layer, trained in Rust ([`super::linear`]).
    #[default]
    Linear,
}

impl Backend {
    /// `linear`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linear => "linear",
        }
    }
}

impl ModelKind {
    /// `topic` or `urgency`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Urgency => "urgency",
        }
    }
}

/// The data a model was trained on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingData {
    /// File name.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Examples used.
    pub rows: usize,
    /// Text columns.
    pub text_columns: Vec<String>,
    /// Label column.
    pub label_column: String,
    /// Labels renamed on reading.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label_map: BTreeMap<String, String>,
    /// Examples per label.
    pub label_counts: BTreeMap<String, usize>,
}

/// How good the model was on data it did not see.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValidationSummary {
    /// How validation predictions were obtained.
    pub method: String,
    /// Validation texts.
    pub size: usize,
    /// Accuracy of the top label without abstaining.
    pub argmax_accuracy: f64,
    /// The full report, with abstentions.
    pub report: EvalReport,
}

/// Everything about a model except its weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Artefact format.
    pub format_version: u32,
    /// Model name, e.g. `topic-comune`.
    pub name: String,
    /// What it predicts.
    pub kind: ModelKind,
    /// What computes its predictions.
    #[serde(default)]
    pub backend: Backend,
    /// Unique version: name, date and the weights' hash.
    pub model_version: String,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// The instrada version that trained it.
    pub instrada_version: String,
    /// Class labels.
    pub labels: Vec<String>,
    /// Out-of-scope label, if trained with one.
    pub oos_label: Option<String>,
    /// Top probability under which the model answers `unknown`.
    pub unknown_threshold: f32,
    /// Softmax temperature from calibration.
    pub temperature: f32,
    /// Feature configuration.
    pub features: FeatureConfig,
    /// Training hyper-parameters.
    pub hyperparameters: TrainParams,
    /// Training data.
    pub training_data: TrainingData,
    /// Validation quality.
    pub validation: ValidationSummary,
    /// Features kept.
    pub n_features: usize,
    /// SHA-256 of each file of the artefact.
    pub files: BTreeMap<String, String>,
}

impl TrainingData {
    /// Describes `examples`, read from `file` (whose SHA-256 is `sha256`): rows and label counts.
    pub fn from_examples(
        file: impl Into<String>,
        sha256: impl Into<String>,
        examples: &[Example],
        text_columns: Vec<String>,
        label_column: impl Into<String>,
    ) -> Self {
        let mut label_counts = BTreeMap::new();
        for e in examples {
            *label_counts.entry(e.label.clone()).or_insert(0) += 1;
        }
        Self {
            file: file.into(),
            sha256: sha256.into(),
            rows: examples.len(),
            text_columns,
            label_column: label_column.into(),
            label_map: BTreeMap::new(),
            label_counts,
        }
    }
}

impl Manifest {
    /// The manifest of a freshly trained model; [`save`] fills in its version, feature count and
    /// file checksums.
    pub fn for_trained(
        name: impl Into<String>,
        kind: ModelKind,
        trained: &Trained,
        training_data: TrainingData,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            name: name.into(),
            kind,
            backend: Backend::Linear,
            model_version: String::new(),
            created_at: Utc::now(),
            instrada_version: env!("CARGO_PKG_VERSION").into(),
            labels: trained.model.labels.clone(),
            oos_label: trained.params.oos_label.clone(),
            unknown_threshold: trained.unknown_threshold,
            temperature: trained.model.temperature,
            features: trained.params.features.clone(),
            hyperparameters: trained.params.clone(),
            training_data,
            validation: ValidationSummary {
                method: trained.params.validation.describe(),
                size: trained.validation_size,
                argmax_accuracy: trained.validation_argmax_accuracy,
                report: trained.validation.clone(),
            },
            n_features: 0,
            files: BTreeMap::new(),
        }
    }
}

/// Why an artefact could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ArtefactError {
    /// File-system error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The directory is not a model.
    #[error("{path}: not a model directory (no {MANIFEST})")]
    NotAModel {
        /// The directory.
        path: PathBuf,
    },
    /// The manifest cannot be parsed.
    #[error("{path}: invalid manifest: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The parse error.
        message: String,
    },
    /// Written by an incompatible version.
    #[error(
        "{path}: artefact format version {found}, this build reads version {FORMAT_VERSION}: retrain the model with this version"
    )]
    FormatVersion {
        /// The manifest file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A file's checksum differs from the manifest's.
    #[error("{path}: checksum mismatch (file truncated or modified after training)")]
    Checksum {
        /// The file.
        path: PathBuf,
    },
    /// The weights file is malformed or inconsistent with the manifest.
    #[error("{path}: invalid weights: {message}")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtefactError + '_ {
    move |source| ArtefactError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises the model's tensors.
fn weights_bytes(model: &LinearModel) -> Result<Vec<u8>, safetensors::SafeTensorError> {
    let (rows, classes) = (model.vectorizer.vocab.len(), model.n_classes());
    let weights = f32_bytes(&model.weights());
    let bias = f32_bytes(&model.bias);
    let idf = f32_bytes(&model.vectorizer.vocab.idf);
    let keys: Vec<u8> = model
        .vectorizer
        .vocab
        .keys
        .iter()
        .flat_map(|k| k.to_le_bytes())
        .collect();
    let blocks = model.vectorizer.vocab.blocks.clone();
    let tensors = vec![
        (
            "weights",
            TensorView::new(Dtype::F32, vec![rows, classes], &weights)?,
        ),
        ("bias", TensorView::new(Dtype::F32, vec![classes], &bias)?),
        ("idf", TensorView::new(Dtype::F32, vec![rows], &idf)?),
        ("keys", TensorView::new(Dtype::U32, vec![rows], &keys)?),
        ("blocks", TensorView::new(Dtype::U8, vec![rows], &blocks)?),
    ];
    safetensors::serialize(tensors, None)
}

/// Writes `model` with `manifest` (whose `files`, `model_version` and `n_features` are filled in
/// here) and the model card into `dir`; `extra` files (e.g. the lexicon) are written and hashed too.
pub fn save(
    dir: &Path,
    model: &LinearModel,
    manifest: &mut Manifest,
    card_notes: &str,
    extra: &[(&str, Vec<u8>)],
) -> Result<(), ArtefactError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let wpath = dir.join(WEIGHTS);
    let bytes = weights_bytes(model).map_err(|e| ArtefactError::Weights {
        path: wpath.clone(),
        message: e.to_string(),
    })?;
    let whash = sha256_hex(&bytes);
    manifest.model_version = format!(
        "{}@{}-{}",
        manifest.name,
        manifest.created_at.format("%Y%m%d"),
        &whash[..8]
    );
    manifest.n_features = model.vectorizer.vocab.len();
    manifest.files.clear();
    manifest.files.insert(WEIGHTS.into(), whash);
    std::fs::write(&wpath, &bytes).map_err(io(&wpath))?;
    for (name, content) in extra {
        let p = dir.join(name);
        std::fs::write(&p, content).map_err(io(&p))?;
        manifest
            .files
            .insert((*name).to_string(), sha256_hex(content));
    }
    let card = dir.join(CARD);
    std::fs::write(&card, super::card::render(manifest, card_notes)).map_err(io(&card))?;
    let mpath = dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| ArtefactError::Manifest {
        path: mpath.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&mpath, json).map_err(io(&mpath))
}

/// Reads and checks the manifest of the model in `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ArtefactError> {
    let mpath = dir.join(MANIFEST);
    if !mpath.is_file() {
        return Err(ArtefactError::NotAModel {
            path: dir.to_path_buf(),
        });
    }
    let bytes = std::fs::read(&mpath).map_err(io(&mpath))?;
    // Check the version before the full schema, so an old or new artefact gets the right message.
    let probe: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| ArtefactError::Manifest {
            path: mpath.clone(),
            message: e.to_string(),
        })?;
    let found = probe
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0) as u32;
    if found != FORMAT_VERSION {
        return Err(ArtefactError::FormatVersion { path: mpath, found });
    }
    serde_json::from_value(probe).map_err(|e| ArtefactError::Manifest {
        path: mpath,
        message: e.to_string(),
    })
}

/// Reads a file of the artefact and checks it against the manifest's checksum.
pub fn read_checked(dir: &Path, manifest: &Manifest, name: &str) -> Result<Vec<u8>, ArtefactError> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    match manifest.files.get(name) {
        Some(expected) if *expected == sha256_hex(&bytes) => Ok(bytes),
        _ => Err(ArtefactError::Checksum { path }),
    }
}

/// Loads the model in `dir`: manifest, checksums, weights.
pub fn load(dir: &Path) -> Result<(Manifest, LinearModel), ArtefactError> {
    let manifest = read_manifest(dir)?;
    let bytes = read_checked(dir, &manifest, WEIGHTS)?;
    let path = dir.join(WEIGHTS);
    let bad = |message: String| ArtefactError::Weights {
        path: path.clone(),
        message,
    };
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
    let get = |name: &str, dtype: Dtype| -> Result<(Vec<usize>, &[u8]), ArtefactError> {
        let t = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
        if t.dtype() != dtype {
            return Err(bad(format!(
                "{name}: dtype {:?}, expected {dtype:?}",
                t.dtype()
            )));
        }
        Ok((t.shape().to_vec(), t.data()))
    };
    let f32s = |b: &[u8]| {
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>()
    };
    let (wshape, w) = get("weights", Dtype::F32)?;
    let (_, b) = get("bias", Dtype::F32)?;
    let (_, idf) = get("idf", Dtype::F32)?;
    let (_, keys) = get("keys", Dtype::U32)?;
    let (_, blocks) = get("blocks", Dtype::U8)?;
    let classes = manifest.labels.len();
    let rows = wshape.first().copied().unwrap_or(0);
    if wshape != [rows, classes]
        || b.len() != 4 * classes
        || idf.len() != 4 * rows
        || keys.len() != 4 * rows
        || blocks.len() != rows
    {
        return Err(bad(format!(
            "shapes do not match {rows} features × {classes} labels"
        )));
    }
    let keys = keys
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let vocab = Vocabulary::from_parts(keys, f32s(idf), blocks.to_vec());
    let vectorizer = Vectorizer {
        config: manifest.features.clone(),
        vocab,
    };
    let model = LinearModel::new(
        manifest.labels.clone(),
        vectorizer,
        &f32s(w),
        f32s(b),
        manifest.temperature,
    );
    Ok((manifest, model))
}
