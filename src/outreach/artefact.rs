//! Outreach model artefacts on disk, following the classifiers' conventions: a directory with
//! `manifest.json` (kind `outreach`), `weights.safetensors` and a generated `MODEL_CARD.md`; the
//! manifest records every file's SHA-256.
//!
//! Loading refuses, with an error naming the file: another format version or kind, a checksum
//! that differs, weights that do not fit the encoding, feature definitions whose hash differs from
//! the manifest's (an edited manifest), and a history model whose definitions differ from those
//! this build computes (a model trained on other feature definitions).

use super::OutreachError;
use super::card;
use super::logistic::Logistic;
use super::manifest::{FORMAT_VERSION, FeatureSet, KIND, OutreachBackend, OutreachManifest};
use super::model::{Estimator, NativeModel};
use super::trees::{LEAF, Node, Trees};
use crate::digest::sha256_hex;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::path::Path;

/// Manifest file name.
pub const MANIFEST: &str = "manifest.json";
/// Weights file name.
pub const WEIGHTS: &str = "weights.safetensors";
/// Model card file name.
pub const CARD: &str = "MODEL_CARD.md";

fn bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The tensors of an estimator: name, shape, values.
fn tensors(e: &Estimator) -> Vec<(&'static str, Vec<usize>, Vec<f64>)> {
    match e {
        Estimator::Logistic(m) => vec![
            ("mean", vec![m.mean.len()], m.mean.clone()),
            ("scale", vec![m.scale.len()], m.scale.clone()),
            ("coef", vec![m.coef.len()], m.coef.clone()),
            ("intercept", vec![1], vec![m.intercept]),
        ],
        Estimator::Trees(m) => {
            let mut nodes = Vec::new();
            let mut starts = Vec::new();
            for t in &m.trees {
                starts.push((nodes.len() / 5) as f64);
                for n in t {
                    let feature = if n.feature == LEAF {
                        -1.0
                    } else {
                        n.feature as f64
                    };
                    nodes.extend([feature, n.threshold, n.left as f64, n.right as f64, n.value]);
                }
            }
            vec![
                ("base", vec![1], vec![m.base]),
                ("nodes", vec![nodes.len() / 5, 5], nodes),
                ("tree_starts", vec![starts.len()], starts),
            ]
        }
    }
}

/// Writes `model` into `dir`: weights, then the manifest with its version and checksums filled
/// in, and the card (`card_notes`, Markdown, under "Data").
pub fn save(dir: &Path, model: &mut NativeModel, card_notes: &str) -> Result<(), OutreachError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutreachError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let wpath = dir.join(WEIGHTS);
    let t = tensors(model.estimator());
    let raw: Vec<Vec<u8>> = t.iter().map(|(_, _, v)| bytes(v)).collect();
    let views = t
        .iter()
        .zip(&raw)
        .map(|((name, shape, _), b)| {
            TensorView::new(Dtype::F64, shape.clone(), b).map(|v| (*name, v))
        })
        .collect::<Result<Vec<_>, _>>();
    let weights = views
        .and_then(|v| safetensors::serialize(v, None))
        .map_err(|e| OutreachError::Artefact {
            path: wpath.clone(),
            message: e.to_string(),
        })?;
    let whash = sha256_hex(&weights);
    let m = model.manifest_mut();
    m.model_version = format!(
        "{}@{}-{}",
        m.name,
        m.created_at.format("%Y%m%d"),
        &whash[..8]
    );
    m.files.clear();
    m.files.insert(WEIGHTS.into(), whash);
    std::fs::write(&wpath, &weights).map_err(io(&wpath))?;
    let cpath = dir.join(CARD);
    std::fs::write(&cpath, card::render(m, card_notes)).map_err(io(&cpath))?;
    let mpath = dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(m).map_err(|e| OutreachError::Artefact {
        path: mpath.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&mpath, json).map_err(io(&mpath))
}

/// Whether `dir` holds an outreach model (a manifest whose `kind` is `outreach`).
pub fn is_outreach(dir: &Path) -> bool {
    std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some(KIND))
}

/// Reads and checks the manifest in `dir` (format, kind, feature hash and definitions).
pub fn read_manifest(dir: &Path) -> Result<OutreachManifest, OutreachError> {
    let path = dir.join(MANIFEST);
    let bad = |message: String| OutreachError::Artefact {
        path: path.clone(),
        message,
    };
    let raw = std::fs::read(&path).map_err(|source| OutreachError::Io {
        path: path.clone(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| bad(e.to_string()))?;
    let found = v
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if found != u64::from(FORMAT_VERSION) {
        return Err(bad(format!(
            "format version {found}, this build reads {FORMAT_VERSION}"
        )));
    }
    if v.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err(bad(format!(
            "kind {}, not {KIND}",
            v.get("kind").unwrap_or(&serde_json::Value::Null)
        )));
    }
    let m: OutreachManifest = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
    let f = &m.features;
    if FeatureSet::hash(&f.definitions, f.spec.as_ref()) != f.sha256 {
        return Err(bad(
            "the feature definitions do not match their recorded SHA-256 (manifest edited?)".into(),
        ));
    }
    if let Some(spec) = &f.spec {
        let ours = spec.definitions();
        if ours != f.definitions {
            let which = ours
                .iter()
                .map(|d| d.name.as_str())
                .zip(f.definitions.iter().map(|d| d.name.as_str()))
                .find(|(a, b)| a != b)
                .map_or_else(
                    || "their number or meaning".to_string(),
                    |(a, b)| format!("`{b}` where this build has `{a}`"),
                );
            return Err(OutreachError::FeatureMismatch {
                path,
                detail: which,
            });
        }
    }
    if m.encoding.columns.len() != f.definitions.len()
        || m.encoding
            .columns
            .iter()
            .zip(&f.definitions)
            .any(|(c, d)| c.name() != d.name)
    {
        return Err(bad(
            "the encoding does not follow the feature definitions".into()
        ));
    }
    Ok(m)
}

/// Loads the model in `dir`: manifest, checksums, weights. Refuses an ONNX model (the registry
/// loads those with `OnnxOutreach`, feature `onnx`).
pub fn load(dir: &Path) -> Result<NativeModel, OutreachError> {
    let manifest = read_manifest(dir)?;
    if manifest.backend == OutreachBackend::Onnx {
        return Err(OutreachError::Artefact {
            path: dir.join(MANIFEST),
            message: "backend onnx: an ONNX model, served by ONNX Runtime (feature `onnx`)".into(),
        });
    }
    let path = dir.join(WEIGHTS);
    let raw = std::fs::read(&path).map_err(|source| OutreachError::Io {
        path: path.clone(),
        source,
    })?;
    if manifest.files.get(WEIGHTS) != Some(&sha256_hex(&raw)) {
        return Err(OutreachError::Artefact {
            path,
            message: "checksum mismatch (file truncated or modified after training)".into(),
        });
    }
    let bad = |message: String| OutreachError::Artefact {
        path: path.clone(),
        message,
    };
    let st = SafeTensors::deserialize(&raw).map_err(|e| bad(e.to_string()))?;
    let get = |name: &str| -> Result<Vec<f64>, OutreachError> {
        let t = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
        if t.dtype() != Dtype::F64 {
            return Err(bad(format!("{name}: dtype {:?}, expected F64", t.dtype())));
        }
        Ok(t.data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect())
    };
    let width = manifest.encoding.width();
    let estimator = match manifest.backend {
        OutreachBackend::Logistic => {
            let m = Logistic {
                mean: get("mean")?,
                scale: get("scale")?,
                coef: get("coef")?,
                intercept: get("intercept")?.first().copied().unwrap_or(0.0),
            };
            if m.mean.len() != width || m.scale.len() != width || m.coef.len() != width {
                return Err(bad(format!(
                    "weights do not fit the encoding's {width} columns"
                )));
            }
            Estimator::Logistic(m)
        }
        OutreachBackend::Trees => Estimator::Trees(
            trees(&get("base")?, &get("nodes")?, &get("tree_starts")?, width).map_err(bad)?,
        ),
        OutreachBackend::Onnx => return Err(bad("backend onnx has no weights".into())),
    };
    Ok(NativeModel::new(manifest, estimator))
}

/// The bytes of `file` in `dir`, refused by name when the manifest does not list it or its
/// SHA-256 differs.
pub fn read_checked(
    dir: &Path,
    manifest: &OutreachManifest,
    file: &str,
) -> Result<Vec<u8>, OutreachError> {
    let path = dir.join(file);
    let raw = std::fs::read(&path).map_err(|source| OutreachError::Io {
        path: path.clone(),
        source,
    })?;
    match manifest.files.get(file) {
        Some(h) if *h == sha256_hex(&raw) => Ok(raw),
        Some(_) => Err(OutreachError::Artefact {
            path,
            message: "checksum mismatch (file truncated or modified after export)".into(),
        }),
        None => Err(OutreachError::Artefact {
            path,
            message: "not listed in the manifest's `files`".into(),
        }),
    }
}

/// Rebuilds the trees from their flat tensors, checking every index.
fn trees(base: &[f64], nodes: &[f64], starts: &[f64], width: usize) -> Result<Trees, String> {
    let n = nodes.len() / 5;
    let mut out = Vec::with_capacity(starts.len());
    for (k, s) in starts.iter().enumerate() {
        let (from, to) = (*s as usize, starts.get(k + 1).map_or(n, |e| *e as usize));
        if from >= to || to > n {
            return Err(format!("tree {k}: bad node range"));
        }
        let tree: Vec<Node> = nodes[5 * from..5 * to]
            .chunks_exact(5)
            .map(|c| Node {
                feature: if c[0] < 0.0 { LEAF } else { c[0] as usize },
                threshold: c[1],
                left: c[2] as usize,
                right: c[3] as usize,
                value: c[4],
            })
            .collect();
        let len = tree.len();
        // Children come after their parent: no index can loop back.
        let broken = |(i, n): (usize, &Node)| {
            n.feature != LEAF
                && (n.feature >= width
                    || n.left >= len
                    || n.right >= len
                    || n.left <= i
                    || n.right <= i)
        };
        if tree.iter().enumerate().any(broken) {
            return Err(format!(
                "tree {k}: a node points outside the tree or the encoding"
            ));
        }
        out.push(tree);
    }
    Ok(Trees {
        base: base.first().copied().unwrap_or(0.0),
        trees: out,
    })
}
