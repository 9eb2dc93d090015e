//! The multinomial linear model over hashed TF-IDF features: prediction, calibrated probabilities
//! and word-level explanations.
//!
//! Weights are stored feature-major (`rows × classes`), so a prediction reads one contiguous run of
//! `classes` floats per feature of the text: a few hundred short, vectorisable loops.

use crate::text::features::BIGRAM;
use crate::text::tokenize::TokenKind;
use crate::text::{Scratch, SparseVec, Vectorizer};
use std::cell::RefCell;
use std::collections::HashMap;

/// A fitted multinomial logistic regression with its vectoriser and calibration.
#[derive(Debug, Clone)]
pub struct LinearModel {
    /// Class labels; index = class.
    pub labels: Vec<String>,
    /// Text → features.
    pub vectorizer: Vectorizer,
    /// `rows × classes` weights, feature-major.
    pub weights: Vec<f32>,
    /// One bias per class.
    pub bias: Vec<f32>,
    /// Softmax temperature fitted on validation data (1.0 = uncalibrated).
    pub temperature: f32,
}

/// A word of the request and how much it pushed towards a class (in logit units).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// The word as the citizen wrote it (or a placeholder such as `<date>` for numbers and codes).
    pub text: String,
    /// Its contribution to the class's score relative to the average class.
    pub weight: f32,
}

thread_local! {
    /// Reused buffers: a prediction then allocates only its answer.
    static SCRATCH: RefCell<(Scratch, SparseVec, Vec<f32>)> = RefCell::default();
}

impl LinearModel {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Adds `x · W` to `logits` (which should hold the bias).
    #[inline]
    pub fn accumulate(&self, x: &SparseVec, logits: &mut [f32]) {
        let c = self.n_classes();
        for (&row, &v) in x.idx.iter().zip(&x.val) {
            let w = &self.weights[row as usize * c..(row as usize + 1) * c];
            for (l, wi) in logits.iter_mut().zip(w) {
                *l += v * wi;
            }
        }
    }

    /// Calibrated class probabilities for a featurised text.
    pub fn probabilities_of(&self, x: &SparseVec, out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        self.accumulate(x, out);
        softmax_in_place(out, self.temperature);
    }

    /// Calibrated class probabilities for `text`, and whether it was truncated.
    pub fn probabilities(&self, text: &str) -> (Vec<f32>, bool) {
        SCRATCH.with_borrow_mut(|(scratch, x, _)| {
            let truncated = self.vectorizer.transform_into(text, scratch, x);
            let mut p = Vec::with_capacity(self.n_classes());
            self.probabilities_of(x, &mut p);
            (p, truncated)
        })
    }

    /// Probabilities plus the words that weighed most for `class`, strongest first.
    pub fn explain(&self, text: &str, class: usize, top: usize) -> (Vec<f32>, bool, Vec<Evidence>) {
        SCRATCH.with_borrow_mut(|(scratch, x, probs)| {
            let truncated = self.vectorizer.transform_into(text, scratch, x);
            self.probabilities_of(x, probs);
            let evidence = self.evidence(text, scratch, x, class, top);
            (probs.clone(), truncated, evidence)
        })
    }

    fn evidence(
        &self,
        text: &str,
        scratch: &Scratch,
        x: &SparseVec,
        class: usize,
        top: usize,
    ) -> Vec<Evidence> {
        let c = self.n_classes();
        // Contribution of a row to this class's logit relative to the mean logit: words every
        // class likes ("buongiorno") explain nothing.
        let mut per_row: HashMap<u32, (f32, u32)> = HashMap::with_capacity(x.nnz());
        for (&row, &v) in x.idx.iter().zip(&x.val) {
            let w = &self.weights[row as usize * c..(row as usize + 1) * c];
            let mean = w.iter().sum::<f32>() / c as f32;
            per_row.insert(row, (v * (w[class] - mean), 0));
        }
        for (row, _) in &scratch.occurrences {
            if let Some(e) = per_row.get_mut(row) {
                e.1 += 1;
            }
        }
        let tokens = &scratch.tokens;
        let mut per_token = vec![0.0f32; tokens.len()];
        for &(row, origin) in &scratch.occurrences {
            let (contrib, n) = per_row[&row];
            let share = contrib / n as f32;
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
        // Group tokens by the original word (chunk) they came from; shapes keep their placeholder
        // so that a number or an e-mail address is never echoed back.
        let mut grouped: Vec<(String, f32)> = Vec::new();
        let mut last_chunk = u32::MAX;
        for (i, w) in per_token.into_iter().enumerate() {
            let span = tokens.span(i);
            let shown = match span.kind {
                TokenKind::Shape => tokens.text(i).to_string(),
                TokenKind::Word => tokens.chunk(text, i).to_string(),
            };
            if span.chunk == last_chunk && span.kind == TokenKind::Word {
                if let Some(g) = grouped.last_mut() {
                    if g.0 == shown {
                        g.1 += w;
                        continue;
                    }
                }
            }
            last_chunk = span.chunk;
            match grouped
                .iter_mut()
                .find(|g| g.0.to_lowercase() == shown.to_lowercase())
            {
                Some(g) => g.1 += w,
                None => grouped.push((shown, w)),
            }
        }
        grouped.retain(|g| g.1 > 0.0);
        grouped.sort_by(|a, b| b.1.total_cmp(&a.1));
        grouped
            .into_iter()
            .take(top)
            .map(|(text, weight)| Evidence { text, weight })
            .collect()
    }
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
