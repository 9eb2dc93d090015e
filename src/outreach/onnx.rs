//! The ONNX outreach backend (feature `onnx`): a scikit-learn pipeline exported by
//! `training/python/export_tabular.py`, run by ONNX Runtime through the session pool of the leaf
//! [`crate::onnxrt`], as the text classifiers' ONNX backend is.
//!
//! The graph has one input per feature, named as the feature: `[N,1]` float for a number (a
//! missing one is NaN, which the exported median imputer replaces) and `[N,1]` string for a
//! category (a missing one is `missing`, the exported imputer's constant; an unseen level is
//! ignored by the one-hot encoder). Its output `probabilities` is `[N,2]`; the score is the
//! positive class's, served as it is.
//!
//! Reasons are a perturbation attribution, as for the Rust-trained trees: each feature in turn is
//! replaced by the manifest's reference row (median numbers, most frequent categories), and the
//! drop in logit is its contribution. The row and its perturbations run as one batch.
//!
//! Loading refuses, naming the file: a checksum that differs, a file that is not ONNX, a graph
//! whose inputs are not the manifest's features (a missing one, an extra one, another type), and a
//! graph without the probabilities output or with other than two classes.

use super::OutreachError;
use super::artefact::{self, MANIFEST};
use super::manifest::{OutreachBackend, OutreachManifest};
use super::model::{OutreachModel, Score};
use super::row::{FeatureRow, Kind, Value};
use crate::onnxrt::{Pool, runtime};
use ort::session::SessionInputValue;
use ort::value::Tensor;
use ort::value::TensorElementType;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The category sent for a missing one: the exported imputer's constant.
pub const MISSING_LEVEL: &str = "missing";

/// An outreach model whose probabilities come from an ONNX graph.
#[derive(Debug)]
pub struct OnnxOutreach {
    manifest: OutreachManifest,
    pool: Pool,
    output: String,
    reference: FeatureRow,
    path: PathBuf,
}

fn category(v: &Value) -> String {
    match v {
        Value::Cat(s) if !s.trim().is_empty() => s.trim().to_string(),
        Value::Num(x) if x.is_finite() => x.to_string(),
        _ => MISSING_LEVEL.to_string(),
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

impl OnnxOutreach {
    /// Loads and checks the ONNX outreach model in `dir`.
    pub fn load(dir: &Path) -> Result<Self, OutreachError> {
        let manifest = artefact::read_manifest(dir)?;
        let mpath = dir.join(MANIFEST);
        let in_manifest = |message: String| OutreachError::Artefact {
            path: mpath.clone(),
            message,
        };
        if manifest.backend != OutreachBackend::Onnx {
            return Err(in_manifest(format!(
                "backend {}, not onnx",
                manifest.backend.as_str()
            )));
        }
        let spec = manifest.onnx.clone().ok_or_else(|| {
            in_manifest(
                "backend onnx without an `onnx` section (model, probabilities, reference)".into(),
            )
        })?;
        let c = manifest.calibration;
        if (c.a - 1.0).abs() > 1e-9 || c.b.abs() > 1e-9 {
            return Err(in_manifest(format!(
                "calibration a={} b={} (the graph's probabilities are served as they are: write a=1, b=0)",
                c.a, c.b
            )));
        }
        let path = dir.join(&spec.model);
        let bytes = artefact::read_checked(dir, &manifest, &spec.model)?;
        let at_graph = |message: String| OutreachError::Artefact {
            path: path.clone(),
            message,
        };
        let environment =
            runtime::ensure().map_err(|m| at_graph(format!("cannot run ONNX models: {m}")))?;
        let pool = Pool::new(environment, &bytes)
            .map_err(|message| at_graph(format!("not a usable ONNX model: {message}")))?;
        let model = Self {
            output: spec.probabilities,
            reference: spec.reference,
            pool,
            path,
            manifest,
        };
        model.check()?;
        Ok(model)
    }

    fn mismatch(&self, message: String) -> OutreachError {
        OutreachError::Artefact {
            path: self.path.clone(),
            message: format!("does not match its manifest: {message}"),
        }
    }

    /// The graph's inputs are the features, with their types; the output gives two classes.
    fn check(&self) -> Result<(), OutreachError> {
        let (inputs, outputs) = self.pool.with(|s| {
            let inputs: Vec<(String, Option<TensorElementType>)> = s
                .inputs()
                .iter()
                .map(|i| (i.name().to_string(), i.dtype().tensor_type()))
                .collect();
            let outputs: Vec<String> = s.outputs().iter().map(|o| o.name().to_string()).collect();
            (inputs, outputs)
        });
        let defs = &self.manifest.features.definitions;
        for d in defs {
            let want = match d.kind {
                Kind::Numeric => TensorElementType::Float32,
                Kind::Categorical => TensorElementType::String,
            };
            match inputs.iter().find(|(n, _)| *n == d.name) {
                None => {
                    return Err(self.mismatch(format!(
                        "the graph has no input `{}` (a feature of the manifest; inputs: {})",
                        d.name,
                        inputs
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some((_, ty)) if *ty != Some(want) => {
                    return Err(self.mismatch(format!(
                        "input `{}` is {ty:?}, the manifest's {:?} feature needs {want:?}",
                        d.name, d.kind
                    )));
                }
                Some(_) => {}
            }
        }
        if let Some((extra, _)) = inputs
            .iter()
            .find(|(n, _)| !defs.iter().any(|d| d.name == *n))
        {
            return Err(self.mismatch(format!(
                "the graph's input `{extra}` is not a feature of the manifest"
            )));
        }
        if !outputs.contains(&self.output) {
            return Err(self.mismatch(format!(
                "no output `{}` (outputs: {})",
                self.output,
                outputs.join(", ")
            )));
        }
        self.run(std::slice::from_ref(&self.reference)).map(|_| ())
    }

    /// The positive-class probability of each row, in one run of the graph.
    fn run(&self, rows: &[FeatureRow]) -> Result<Vec<f64>, OutreachError> {
        let graph = |message: String| OutreachError::Artefact {
            path: self.path.clone(),
            message: format!("not a usable ONNX model: {message}"),
        };
        let n = rows.len();
        let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = Vec::new();
        for d in &self.manifest.features.definitions {
            let value: SessionInputValue<'_> = match d.kind {
                Kind::Numeric => {
                    let x: Vec<f32> = rows
                        .iter()
                        .map(|r| r.get(&d.name).as_num().map_or(f32::NAN, |x| x as f32))
                        .collect();
                    Tensor::from_array(([n, 1], x))
                        .map_err(|e| graph(e.to_string()))?
                        .into()
                }
                Kind::Categorical => {
                    let x: Vec<String> = rows.iter().map(|r| category(r.get(&d.name))).collect();
                    Tensor::from_string_array(([n, 1], x.as_slice()))
                        .map_err(|e| graph(e.to_string()))?
                        .into()
                }
            };
            inputs.push((Cow::Borrowed(d.name.as_str()), value));
        }
        self.pool.with(|session| {
            let outputs = session.run(inputs).map_err(|e| graph(e.to_string()))?;
            let value = outputs
                .get(&self.output)
                .ok_or_else(|| self.mismatch(format!("no output `{}`", self.output)))?;
            let (_, probs) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| graph(format!("output `{}`: {e}", self.output)))?;
            if probs.len() != 2 * n {
                return Err(self.mismatch(format!(
                    "output `{}` has {} values for {n} rows, not two classes per row",
                    self.output,
                    probs.len()
                )));
            }
            Ok(probs.chunks_exact(2).map(|c| f64::from(c[1])).collect())
        })
    }
}

/// Rows per run of the graph when evaluating a table: large enough to amortise a run, small
/// enough that the input tensors stay a few megabytes.
const EVAL_BATCH: usize = 1024;

impl OutreachModel for OnnxOutreach {
    fn score(&self, row: &FeatureRow) -> Result<Score, OutreachError> {
        let defs = &self.manifest.features.definitions;
        // The row, then the row with each feature replaced by the reference's.
        let mut batch = Vec::with_capacity(defs.len() + 1);
        batch.push(row.clone());
        for d in defs {
            let mut probe = row.clone();
            probe.set(&d.name, self.reference.get(&d.name).clone());
            batch.push(probe);
        }
        // A graph that loaded and ran on the reference row can still fail on a row; the
        // error reaches the caller (a 500, a failed run), never a score of 0.
        let probs = self.run(&batch).map_err(|e| OutreachError::Scoring {
            path: self.path.clone(),
            message: match e {
                OutreachError::Artefact { message, .. } => message,
                other => other.to_string(),
            },
        })?;
        let probability = probs[0];
        let full = logit(probability);
        let contributions = defs
            .iter()
            .zip(&probs[1..])
            .map(|(d, p)| (d.name.clone(), row.get(&d.name).clone(), full - logit(*p)))
            .collect();
        Ok(Score::of(&self.manifest, probability, contributions))
    }

    fn probabilities(&self, rows: &[FeatureRow]) -> Result<Vec<f64>, OutreachError> {
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(EVAL_BATCH) {
            out.extend(self.run(chunk)?);
        }
        Ok(out)
    }

    fn manifest(&self) -> &OutreachManifest {
        &self.manifest
    }
}
