//! Calibrated probabilities and the flag threshold, both fitted on out-of-fold scores (never on
//! scores of the rows a model was trained on, which are over-confident).
//!
//! Platt scaling: `p = σ(a · s + b)` on a model's logit `s`, fitted by Newton's method on the log
//! loss, with Platt's smoothed targets so that separable folds do not push `a` to infinity.
//! Class imbalance is handled here, not by reweighting the fit: probabilities stay honest (a 0.3
//! means 3 in 10), and the flag threshold is the calibrated probability that maximises F1 on
//! the out-of-fold scores, far below 0.5 when positives are rare.

use serde::{Deserialize, Serialize};

/// `p = σ(a · logit + b)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Slope.
    pub a: f64,
    /// Intercept.
    pub b: f64,
}

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Platt {
    /// The identity on the logit scale.
    pub const IDENTITY: Self = Self { a: 1.0, b: 0.0 };

    /// Fits `a`, `b` on logits `s` and outcomes `y`.
    pub fn fit(s: &[f64], y: &[bool]) -> Self {
        let pos = y.iter().filter(|v| **v).count() as f64;
        let neg = y.len() as f64 - pos;
        if pos == 0.0 || neg == 0.0 {
            return Self::IDENTITY;
        }
        let (hi, lo) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let t: Vec<f64> = y.iter().map(|&v| if v { hi } else { lo }).collect();
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..50 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for (&s, &t) in s.iter().zip(&t) {
                let p = sigmoid(a * s + b);
                let (d, w) = (p - t, p * (1.0 - p));
                ga += d * s;
                gb += d;
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-12 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() < 1e-9 && db.abs() < 1e-9 {
                break;
            }
        }
        if a.is_finite() && b.is_finite() {
            Self { a, b }
        } else {
            Self::IDENTITY
        }
    }

    /// The calibrated probability of logit `s`.
    pub fn apply(&self, s: f64) -> f64 {
        sigmoid(self.a * s + self.b)
    }
}

/// The probability threshold that maximises F1 of `p ≥ threshold` against `y`.
pub fn best_f1_threshold(p: &[f64], y: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let pos = y.iter().filter(|v| **v).count() as f64;
    let (mut tp, mut best, mut best_t) = (0.0, -1.0, 0.5);
    for (k, &i) in idx.iter().enumerate() {
        tp += f64::from(u8::from(y[i]));
        if k + 1 < idx.len() && p[idx[k + 1]] == p[i] {
            continue;
        }
        let f1 = 2.0 * tp / (k as f64 + 1.0 + pos);
        if f1 > best {
            (best, best_t) = (f1, p[i]);
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn platt_recovers_a_known_scaling() {
        // Outcomes drawn so that P(y | s) = σ(2s − 1) exactly in expectation: rows in proportion.
        let (mut s, mut y) = (Vec::new(), Vec::new());
        for k in -20..=20 {
            let x = f64::from(k) / 10.0;
            let p = sigmoid(2.0 * x - 1.0);
            let pos = (p * 1000.0).round() as usize;
            for i in 0..1000 {
                s.push(x);
                y.push(i < pos);
            }
        }
        let c = Platt::fit(&s, &y);
        assert_relative_eq!(c.a, 2.0, epsilon = 0.02);
        assert_relative_eq!(c.b, -1.0, epsilon = 0.02);
    }

    #[test]
    fn the_f1_threshold_sits_where_positives_end() {
        let p = [0.9, 0.8, 0.3, 0.2, 0.1];
        let y = [true, true, true, false, false];
        assert_relative_eq!(best_f1_threshold(&p, &y), 0.3);
    }
}
