//! Evidence words for an ONNX text model whose graph is a TF-IDF step and a linear layer (what
//! `training/python/export_text.py` exports): the vocabulary, IDF and coefficients written beside
//! the graph (`explain.json`, `explain.safetensors`) give each word's contribution to the best
//! class's logit relative to the mean class, as the linear backend explains its answers.
//!
//! The words are cut with the exported token pattern on the text as instrada cleans it, and shown
//! as the citizen wrote them; function words, words with digits, names of people and streets are
//! left out (the same filter as [`super::super::linear`]'s). Imports `artefact`, `linear` and
//! `crate::text`; must not import the session code of [`super`].

use super::OnnxError;
use crate::classify::artefact::{self, Manifest};
use crate::classify::linear::{Evidence, top_evidence};
use crate::text::normalize::folded;
use crate::text::{tokenize, words};
use regex::Regex;
use safetensors::tensor::{Dtype, SafeTensors};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// scikit-learn's `TfidfVectorizer` as the exporter describes it in `explain.json`.
#[derive(Debug, Deserialize)]
struct Spec {
    analyzer: String,
    lowercase: bool,
    token_pattern: String,
    ngram_range: (usize, usize),
    sublinear_tf: bool,
    norm: Option<String>,
    terms: Vec<String>,
}

/// The TF-IDF vocabulary and the centred coefficients of a linear text model.
#[derive(Debug)]
pub struct Explainer {
    pattern: Regex,
    lowercase: bool,
    ngrams: (usize, usize),
    sublinear_tf: bool,
    l2: bool,
    index: HashMap<String, u32>,
    idf: Vec<f32>,
    /// `terms × classes`, feature-major: each coefficient minus the mean over the classes.
    centred: Vec<f32>,
    classes: usize,
}

impl Explainer {
    /// Reads `file` (JSON) and the `.safetensors` of the same stem from `dir`, checksum-verified.
    pub fn load(dir: &Path, manifest: &Manifest, file: &str) -> Result<Self, OnnxError> {
        let path = dir.join(file);
        let bad = |message: String| OnnxError::Explain {
            path: path.clone(),
            message,
        };
        let json = artefact::read_checked(dir, manifest, file)?;
        let spec: Spec = serde_json::from_slice(&json).map_err(|e| bad(e.to_string()))?;
        if spec.analyzer != "word"
            || spec.ngram_range.0 < 1
            || spec.ngram_range.1 < spec.ngram_range.0
        {
            return Err(bad(format!(
                "analyzer {} with n-grams {:?}: only word n-grams are explained",
                spec.analyzer, spec.ngram_range
            )));
        }
        let pattern =
            Regex::new(&spec.token_pattern).map_err(|e| bad(format!("token_pattern: {e}")))?;
        let tensors_file = Path::new(file).with_extension("safetensors");
        let tensors_name = tensors_file.to_string_lossy();
        let (idf, coef, shape) = read_tensors(dir, manifest, &tensors_name)?;
        let (classes, n) = (manifest.labels.len(), spec.terms.len());
        if idf.len() != n || shape != [classes, n] {
            return Err(OnnxError::Explain {
                path: dir.join(&*tensors_name),
                message: format!(
                    "idf of {} and coefficients {shape:?}, for {n} terms in {file} × {classes} labels",
                    idf.len()
                ),
            });
        }
        let mut centred = vec![0.0f32; n * classes];
        for t in 0..n {
            let mean = (0..classes).map(|c| coef[c * n + t]).sum::<f32>() / classes as f32;
            for c in 0..classes {
                centred[t * classes + c] = coef[c * n + t] - mean;
            }
        }
        let index = spec
            .terms
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, i as u32))
            .collect();
        Ok(Self {
            pattern,
            lowercase: spec.lowercase,
            ngrams: spec.ngram_range,
            sublinear_tf: spec.sublinear_tf,
            l2: spec.norm.as_deref() == Some("l2"),
            index,
            idf,
            centred,
            classes,
        })
    }

    /// The `top` words of `text` that pushed most towards `class`, strongest first.
    pub fn evidence(&self, text: &str, class: usize, top: usize) -> Vec<Evidence> {
        let tokens = tokenize(text);
        let source = tokens.source(text);
        let matches: Vec<(usize, usize)> = self
            .pattern
            .find_iter(source)
            .map(|m| (m.start(), m.end()))
            .collect();
        let per_word = self.per_word(source, &matches, class);
        let personal = words::personal_chunks(&tokens, text);
        let chunks = tokens.chunk_ranges();
        let items = matches
            .iter()
            .zip(per_word)
            .filter(|&(&(a, b), _)| {
                let word = &source[a..b];
                let f = folded(word);
                // The chunk holding the word: the last one starting at or before it.
                let chunk = chunks.partition_point(|&(s, _)| s <= a).checked_sub(1);
                let is_personal = chunk.is_some_and(|c| personal[c].is_some());
                !(is_personal
                    || word.bytes().any(|b| b.is_ascii_digit())
                    || words::is_stop_word(&f)
                    || words::is_place_word(&f)
                    || words::is_title(&f))
            })
            .map(|(&(a, b), w)| (&source[a..b], w))
            .collect();
        top_evidence(items, top)
    }

    /// Each word's share of the contribution of the terms it is part of (an n-gram's is split
    /// between its words, a repeated term's between its occurrences).
    fn per_word(&self, source: &str, matches: &[(usize, usize)], class: usize) -> Vec<f32> {
        let words: Vec<String> = matches
            .iter()
            .map(|&(a, b)| {
                let w = &source[a..b];
                if self.lowercase {
                    w.to_lowercase()
                } else {
                    w.to_string()
                }
            })
            .collect();
        // (term, first word, n) for every n-gram in the vocabulary.
        let mut occurrences: Vec<(u32, usize, usize)> = Vec::new();
        let mut tf: HashMap<u32, f32> = HashMap::new();
        for n in self.ngrams.0..=self.ngrams.1 {
            for i in 0..words.len().saturating_sub(n - 1) {
                if let Some(&t) = self.index.get(&words[i..i + n].join(" ")) {
                    occurrences.push((t, i, n));
                    *tf.entry(t).or_default() += 1.0;
                }
            }
        }
        let value = |t: u32, count: f32| {
            let tf = if self.sublinear_tf {
                1.0 + count.ln()
            } else {
                count
            };
            tf * self.idf[t as usize]
        };
        let norm = if self.l2 {
            tf.iter()
                .map(|(&t, &c)| value(t, c).powi(2))
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE)
        } else {
            1.0
        };
        let mut per_word = vec![0.0f32; words.len()];
        for &(t, i, n) in &occurrences {
            let count = tf[&t];
            let x = value(t, count) / norm;
            let share = x * self.centred[t as usize * self.classes + class] / count / n as f32;
            for w in &mut per_word[i..i + n] {
                *w += share;
            }
        }
        per_word
    }
}

/// `idf`, the flat `coef` and its shape.
type Tensors = (Vec<f32>, Vec<f32>, Vec<usize>);

/// The [`Tensors`] of the artefact's safetensors file.
fn read_tensors(dir: &Path, manifest: &Manifest, name: &str) -> Result<Tensors, OnnxError> {
    let path = dir.join(name);
    let bad = |message: String| OnnxError::Explain {
        path: path.clone(),
        message,
    };
    let bytes = artefact::read_checked(dir, manifest, name)?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
    let get = |name: &str| -> Result<(Vec<usize>, Vec<f32>), OnnxError> {
        let t = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
        if t.dtype() != Dtype::F32 {
            return Err(bad(format!("{name}: dtype {:?}, expected F32", t.dtype())));
        }
        let values = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok((t.shape().to_vec(), values))
    };
    let (_, idf) = get("idf")?;
    let (shape, coef) = get("coef")?;
    Ok((idf, coef, shape))
}
