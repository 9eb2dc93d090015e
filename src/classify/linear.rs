//! The multinomial linear model over hashed TF-IDF features: prediction, calibrated probabilities
//! and word-level explanations.
//!
//! Weights are stored feature-major (`rows × classes`), so a prediction reads one contiguous run of
//! `classes` floats per feature of the text: a few hundred short, vectorisable loops.
//!
//! Imports only `crate::text`; must not import `artefact`, `model` or `train` (they build on it).

use crate::text::features::BIGRAM;
use crate::text::tokenize::TokenKind;
use crate::text::words;
use crate::text::{Scratch, SparseVec, Tokens, Vectorizer};
use std::cell::RefCell;

/// A fitted multinomial logistic regression with its vectoriser and calibration.
#[derive(Debug, Clone)]
pub struct LinearModel {
    /// Class labels; index = class.
    pub labels: Vec<String>,
    /// Text → features.
    pub vectorizer: Vectorizer,
    /// `rows × stride` weights, feature-major, each row zero-padded to a multiple of 8 classes so
    /// that the inner loop of a prediction is fixed-width SIMD.
    weights: Vec<f32>,
    /// Row length in `weights`: the class count rounded up to a multiple of 8.
    stride: usize,
    /// One bias per class.
    pub bias: Vec<f32>,
    /// Softmax temperature fitted on validation data (1.0 = uncalibrated).
    pub temperature: f32,
}

/// A word of the request and how much it pushed towards a class (in logit units).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evidence {
    /// The word as the citizen wrote it (or a placeholder such as `<date>` for numbers and codes).
    pub text: String,
    /// Its contribution to the class's score relative to the average class.
    pub weight: f32,
}

thread_local! {
    /// Reused buffers: a prediction then allocates only its answer.
    static SCRATCH: RefCell<(Scratch, SparseVec)> = RefCell::default();
}

impl LinearModel {
    /// A model from `rows × classes` feature-major `weights`.
    pub fn new(
        labels: Vec<String>,
        vectorizer: Vectorizer,
        weights: &[f32],
        bias: Vec<f32>,
        temperature: f32,
    ) -> Self {
        let c = labels.len();
        let stride = c.div_ceil(8) * 8;
        let mut padded = vec![0.0; vectorizer.vocab.len() * stride];
        if c > 0 {
            for (dst, src) in padded.chunks_exact_mut(stride).zip(weights.chunks_exact(c)) {
                dst[..c].copy_from_slice(src);
            }
        }
        Self {
            labels,
            vectorizer,
            weights: padded,
            stride,
            bias,
            temperature,
        }
    }

    /// The weights of one feature row, one per class.
    #[inline]
    pub fn row(&self, row: usize) -> &[f32] {
        &self.weights[row * self.stride..row * self.stride + self.n_classes()]
    }

    /// `rows × classes` weights, feature-major, without padding (as stored on disk).
    pub fn weights(&self) -> Vec<f32> {
        let c = self.n_classes();
        self.weights
            .chunks_exact(self.stride.max(1))
            .flat_map(|r| r[..c].iter().copied())
            .collect()
    }

    /// Number of floats held for the weights (with padding), for memory estimates.
    pub fn weight_floats(&self) -> usize {
        self.weights.len()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Logits `b + x · W` into `out` (resized to the class count).
    #[inline]
    pub fn logits_into(&self, x: &SparseVec, out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        out.resize(self.stride, 0.0);
        for (&row, &v) in x.idx.iter().zip(&x.val) {
            let w = &self.weights[row as usize * self.stride..(row as usize + 1) * self.stride];
            for (l8, w8) in out.chunks_exact_mut(8).zip(w.chunks_exact(8)) {
                let (l8, w8): (&mut [f32; 8], &[f32; 8]) = match (l8.try_into(), w8.try_into()) {
                    (Ok(l), Ok(w)) => (l, w),
                    _ => unreachable!("chunks_exact yields 8 floats"),
                };
                for k in 0..8 {
                    l8[k] += v * w8[k];
                }
            }
        }
        out.truncate(self.n_classes());
    }

    /// Calibrated class probabilities for a featurised text.
    pub fn probabilities_of(&self, x: &SparseVec, out: &mut Vec<f32>) {
        self.logits_into(x, out);
        softmax_in_place(out, self.temperature);
    }

    /// Calibrated class probabilities for `text`, and whether it was truncated.
    pub fn probabilities(&self, text: &str) -> (Vec<f32>, bool) {
        with_features(&self.vectorizer, text, |f| {
            let mut p = Vec::with_capacity(self.n_classes());
            self.probabilities_of(f.x, &mut p);
            (p, f.truncated)
        })
    }

    /// Probabilities and (when `explain_top > 0` and the best class is not `no_explain`) the
    /// words that weighed most for the best class, strongest first, from features computed by a
    /// vectoriser equal to this model's.
    pub fn score(
        &self,
        f: &Features<'_>,
        explain_top: usize,
        no_explain: Option<usize>,
    ) -> (Vec<f32>, Vec<Evidence>) {
        let mut probs = Vec::with_capacity(self.n_classes());
        self.probabilities_of(f.x, &mut probs);
        let evidence = match argmax(&probs) {
            Some((best, _)) if explain_top > 0 && Some(best) != no_explain => {
                self.evidence(f.text, f.scratch, f.x, best, explain_top)
            }
            _ => Vec::new(),
        };
        (probs, evidence)
    }

    fn evidence(
        &self,
        text: &str,
        scratch: &Scratch,
        x: &SparseVec,
        class: usize,
        top: usize,
    ) -> Vec<Evidence> {
        let per_token = self.per_token(scratch, x, class);
        top_evidence(meaningful_words(text, &scratch.tokens, per_token), top)
    }

    /// Each token's share of the contribution to `class`'s logit relative to the mean logit
    /// (words every class likes, "buongiorno", explain nothing); a bigram's is split between its
    /// two words.
    fn per_token(&self, scratch: &Scratch, x: &SparseVec, class: usize) -> Vec<f32> {
        let c = self.n_classes();
        let contrib: Vec<f32> = x
            .idx
            .iter()
            .zip(&x.val)
            .map(|(&row, &v)| {
                let w = self.row(row as usize);
                v * (w[class] - w.iter().sum::<f32>() / c as f32)
            })
            .collect();
        let mut count = vec![0u32; contrib.len()];
        for &(p, _) in &scratch.occurrences {
            count[p as usize] += 1;
        }
        let mut per_token = vec![0.0f32; scratch.tokens.len()];
        for &(p, origin) in &scratch.occurrences {
            let share = contrib[p as usize] / count[p as usize] as f32;
            let i = (origin & !BIGRAM) as usize;
            if origin & BIGRAM != 0 {
                per_token[i] += share / 2.0;
                if let Some(next) = per_token.get_mut(i + 1) {
                    *next += share / 2.0;
                }
            } else {
                per_token[i] += share;
            }
        }
        per_token
    }
}

/// One item per original word (chunk), and only words that carry meaning: no function word, no
/// shape (`<date>`) or word with digits, no name of a person or a street, so that what a
/// supervisor reads explains the topic and never echoes a personal datum.
fn meaningful_words<'t>(
    text: &'t str,
    tokens: &'t Tokens,
    per_token: Vec<f32>,
) -> Vec<(&'t str, f32)> {
    let personal = words::personal_chunks(tokens, text);
    let mut items: Vec<(&str, f32)> = Vec::new();
    let mut last: Option<(u32, TokenKind)> = None;
    for (i, w) in per_token.into_iter().enumerate() {
        let span = tokens.span(i);
        let chunk = tokens.chunk(text, i);
        if span.kind == TokenKind::Shape
            || chunk.bytes().any(|b| b.is_ascii_digit())
            || personal[span.chunk as usize].is_some()
            || words::is_stop_word(tokens.text(i))
            || words::is_place_word(tokens.text(i))
            || words::is_title(tokens.text(i))
        {
            last = None;
            continue;
        }
        let shown = chunk;
        match (last, items.last_mut()) {
            (Some((ch, TokenKind::Word)), Some(item))
                if ch == span.chunk && span.kind == TokenKind::Word && item.0 == shown =>
            {
                item.1 += w
            }
            _ => items.push((shown, w)),
        }
        last = Some((span.chunk, span.kind));
    }
    items
}

/// The `top` words that pushed most towards the class, the same word (ignoring case) counted once.
pub(super) fn top_evidence(mut items: Vec<(&str, f32)>, top: usize) -> Vec<Evidence> {
    items.retain(|it| it.1 > 0.0);
    items.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<Evidence> = Vec::with_capacity(top);
    for (shown, w) in items {
        let same = |e: &Evidence| {
            e.text.len() == shown.len() && e.text.to_lowercase() == shown.to_lowercase()
        };
        if let Some(e) = out.iter_mut().find(|e| same(e)) {
            e.weight += w;
        } else if out.len() < top {
            out.push(Evidence {
                text: shown.to_string(),
                weight: w,
            });
        }
    }
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

/// A featurised text, borrowed from the thread's buffers.
#[derive(Debug)]
pub struct Features<'a> {
    /// The text (after nothing: truncation is recorded in `truncated`).
    pub text: &'a str,
    /// Tokens and occurrences, for explanations.
    pub scratch: &'a Scratch,
    /// The TF-IDF vector.
    pub x: &'a SparseVec,
    /// The text was cut at the vectoriser's limit.
    pub truncated: bool,
}

/// Featurises `text` with `vectorizer` into this thread's buffers and hands the result to `f`.
pub fn with_features<R>(
    vectorizer: &Vectorizer,
    text: &str,
    f: impl FnOnce(&Features<'_>) -> R,
) -> R {
    SCRATCH.with_borrow_mut(|(scratch, x)| {
        let truncated = vectorizer.transform_into(text, scratch, x);
        f(&Features {
            text,
            scratch,
            x,
            truncated,
        })
    })
}

/// `softmax(z / t)` in place, numerically stable.
pub fn softmax_in_place(z: &mut [f32], temperature: f32) {
    let inv_t = 1.0 / temperature;
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = ((*v - max) * inv_t).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// Index and value of the largest element (first on ties); `None` for an empty slice.
pub fn argmax(v: &[f32]) -> Option<(usize, f32)> {
    v.iter()
        .copied()
        .enumerate()
        .fold(None, |best, (i, x)| match best {
            Some((_, b)) if b >= x => best,
            _ => Some((i, x)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn softmax_sums_to_one_and_temperature_flattens() {
        let mut a = vec![1.0, 2.0, 3.0];
        softmax_in_place(&mut a, 1.0);
        assert_relative_eq!(a.iter().sum::<f32>(), 1.0, epsilon = 1e-6);
        assert_relative_eq!(a[2], 0.665_240_9, epsilon = 1e-6);
        let mut b = vec![1.0, 2.0, 3.0];
        softmax_in_place(&mut b, 2.0);
        assert!(b[2] < a[2]);
        let mut big = vec![1000.0, 0.0];
        softmax_in_place(&mut big, 1.0);
        assert_relative_eq!(big[0], 1.0);
    }

    #[test]
    fn argmax_picks_first_of_ties() {
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), Some((1, 0.5)));
        assert_eq!(argmax(&[]), None);
    }
}
