//! Model artefacts on disk: a directory with `manifest.json`, `weights.safetensors`, a generated
//! `MODEL_CARD.md` and, for urgency models, `lexicon.toml`.
//!
//! Weights use safetensors (a data scientist opens them from Python with one call); the manifest
//! ([`super::manifest`]) records the SHA-256 of every file so that loading can refuse a truncated
//! or edited artefact with an error naming the file.
//!
//! Owns reading and writing the files; imports the manifest and the card (which it writes), and is
//! imported by neither.

use super::card;
use super::linear::LinearModel;
use crate::digest::sha256_hex;
use crate::text::Vectorizer;
use crate::text::features::Vocabulary;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::path::{Path, PathBuf};

pub use super::manifest::{
    Backend, FORMAT_VERSION, Manifest, ModelKind, TrainingData, ValidationSummary,
};

/// Manifest file name.
pub const MANIFEST: &str = "manifest.json";
/// Weights file name.
pub const WEIGHTS: &str = "weights.safetensors";
/// Model card file name.
pub const CARD: &str = "MODEL_CARD.md";
/// Urgency lexicon file name.
pub const LEXICON: &str = "lexicon.toml";

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
    std::fs::write(&card, card::render(manifest, card_notes)).map_err(io(&card))?;
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
    let manifest: Manifest =
        serde_json::from_value(probe).map_err(|e| ArtefactError::Manifest {
            path: mpath.clone(),
            message: e.to_string(),
        })?;
    // Every answer is one of the labels: a model without any would panic on its first prediction.
    if manifest.labels.is_empty() {
        return Err(ArtefactError::Manifest {
            path: mpath,
            message: "no labels (a model answers one of its labels: list them in `labels`)".into(),
        });
    }
    Ok(manifest)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped topic model's manifest, edited by `edit`, in a directory of its own.
    fn manifest_dir(edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::TempDir {
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/models/topic/manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shipped).unwrap()).unwrap();
        edit(&mut m);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        dir
    }

    /// Found by fuzzing (fuzz/seeds/model_load/regression-*-no-labels): a manifest with no labels
    /// loaded, and the model panicked on its first prediction.
    #[test]
    fn a_manifest_without_labels_is_refused_by_name() {
        let dir = manifest_dir(|_| {});
        assert!(!read_manifest(dir.path()).unwrap().labels.is_empty());

        let dir = manifest_dir(|m| m["labels"] = serde_json::json!([]));
        let e = read_manifest(dir.path()).unwrap_err();
        assert!(
            matches!(e, ArtefactError::Manifest { .. })
                && e.to_string().contains("manifest.json")
                && e.to_string().contains("no labels"),
            "{e}"
        );
    }
}
