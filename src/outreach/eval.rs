//! How good a score is at ranking and at probabilities: ROC AUC, PR AUC (average precision),
//! Brier score, precision in the top decile, with the counts they rest on.

use serde::{Deserialize, Serialize};

/// The quality of scores against outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Area under the ROC curve (ties count half); 0.5 when a class is absent.
    pub roc_auc: f64,
    /// Average precision (scikit-learn's `average_precision_score`): the area under the
    /// precision-recall curve as a step function.
    pub pr_auc: f64,
    /// Mean squared error of the probabilities.
    pub brier: f64,
    /// Share of positives among the highest-scored tenth (rounded up).
    pub top_decile_precision: f64,
    /// Examples.
    pub n: usize,
    /// Share of positives.
    pub positive_rate: f64,
}

/// Indices of `p`, highest score first (ties keep input order).
fn ranked(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    idx
}

/// ROC AUC by the rank-sum (Mann-Whitney) statistic, tied scores sharing their average rank.
pub fn roc_auc(p: &[f64], y: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg * idx[i..=j].iter().filter(|&&k| y[k]).count() as f64;
        i = j + 1;
    }
    let pos = y.iter().filter(|v| **v).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Average precision: Σ (recallₖ − recallₖ₋₁) · precisionₖ over the distinct thresholds.
pub fn pr_auc(p: &[f64], y: &[bool]) -> f64 {
    let pos = y.iter().filter(|v| **v).count() as f64;
    if pos == 0.0 {
        return 0.0;
    }
    let idx = ranked(p);
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    for (k, &i) in idx.iter().enumerate() {
        seen += 1.0;
        tp += f64::from(u8::from(y[i]));
        // Only at the end of a run of tied scores is there a threshold.
        if k + 1 < idx.len() && p[idx[k + 1]] == p[i] {
            continue;
        }
        let recall = tp / pos;
        ap += (recall - last_recall) * (tp / seen);
        last_recall = recall;
    }
    ap
}

/// Mean of (p − y)².
pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    if p.is_empty() {
        return 0.0;
    }
    let s: f64 = p
        .iter()
        .zip(y)
        .map(|(p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    s / p.len() as f64
}

/// Share of positives among the ⌈n/10⌉ highest scores.
pub fn top_decile_precision(p: &[f64], y: &[bool]) -> f64 {
    if p.is_empty() {
        return 0.0;
    }
    let k = p.len().div_ceil(10);
    ranked(p).iter().take(k).filter(|&&i| y[i]).count() as f64 / k as f64
}

impl Metrics {
    /// All metrics of probabilities `p` against outcomes `y`.
    pub fn of(p: &[f64], y: &[bool]) -> Self {
        let n = y.len();
        Self {
            roc_auc: roc_auc(p, y),
            pr_auc: pr_auc(p, y),
            brier: brier(p, y),
            top_decile_precision: top_decile_precision(p, y),
            n,
            positive_rate: if n == 0 {
                0.0
            } else {
                y.iter().filter(|v| **v).count() as f64 / n as f64
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    // Scores 0.9 0.8 0.7 0.6 0.55 0.4 0.3 0.2 0.1 0.05 against + + − + − − + − − −.
    const P: [f64; 10] = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1, 0.05];
    const Y: [bool; 10] = [
        true, true, false, true, false, false, true, false, false, false,
    ];

    #[test]
    fn metrics_match_hand_computed_values() {
        // Pairs (pos, neg) ranked right: 6 + 6 + 5 + 3 = 20 of 4 × 6 = 24.
        assert_relative_eq!(roc_auc(&P, &Y), 20.0 / 24.0);
        // Precision at each positive: 1/1, 2/2, 3/4, 4/7; averaged.
        assert_relative_eq!(pr_auc(&P, &Y), (1.0 + 1.0 + 0.75 + 4.0 / 7.0) / 4.0);
        let sq = [
            0.01, 0.04, 0.49, 0.16, 0.3025, 0.16, 0.49, 0.04, 0.01, 0.0025,
        ];
        assert_relative_eq!(
            brier(&P, &Y),
            sq.iter().sum::<f64>() / 10.0,
            epsilon = 1e-12
        );
        assert_relative_eq!(top_decile_precision(&P, &Y), 1.0);
        let m = Metrics::of(&P, &Y);
        assert_eq!(m.n, 10);
        assert_relative_eq!(m.positive_rate, 0.4);
    }

    #[test]
    fn ties_count_half_and_one_class_is_no_information() {
        assert_relative_eq!(roc_auc(&[0.5, 0.5], &[true, false]), 0.5);
        assert_relative_eq!(roc_auc(&[0.2, 0.5, 0.5], &[false, true, false]), 0.75);
        assert_relative_eq!(roc_auc(&[0.2, 0.7], &[true, true]), 0.5);
        // One threshold for the tie: recall 1 at precision 1/2.
        assert_relative_eq!(pr_auc(&[0.5, 0.5], &[true, false]), 0.5);
        let p: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<bool> = (0..20).map(|i| i == 19 || i == 0).collect();
        assert_relative_eq!(top_decile_precision(&p, &y), 0.5, epsilon = 1e-12);
    }
}
