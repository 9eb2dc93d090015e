//! Quality reports: accuracy, macro-F1 and recall, per-class precision/recall, the most-confused
//! pairs, and out-of-scope metrics when the data has an out-of-scope label.
//!
//! A leaf of `classify`: compares label strings and imports no model, no dataset, no training code
//! (only `crate::label`).

use crate::label::UNKNOWN;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClassMetrics {
    /// The class.
    pub label: String,
    /// Of the texts predicted as this class, the share that were.
    pub precision: f64,
    /// Of the texts of this class, the share predicted as such.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Texts of this class.
    pub support: usize,
}

/// A gold label often predicted as another.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Confusion {
    /// The true label.
    pub gold: String,
    /// What the model said.
    pub predicted: String,
    /// How often.
    pub count: usize,
}

/// A full quality report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EvalReport {
    /// Number of texts.
    pub n: usize,
    /// Share of texts with the right answer (out-of-scope texts are right when answered `unknown`).
    pub accuracy: f64,
    /// Mean F1 over the gold classes.
    pub macro_f1: f64,
    /// Mean recall over the gold classes (balanced accuracy).
    pub macro_recall: f64,
    /// Share of texts answered `unknown`.
    pub abstention_rate: f64,
    /// Accuracy on in-scope texts only (present when an out-of-scope label is known).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub in_scope_accuracy: Option<f64>,
    /// Share of out-of-scope texts answered `unknown` (present when an out-of-scope label is known).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub oos_recall: Option<f64>,
    /// Share of `unknown` answers that were really out of scope.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub oos_precision: Option<f64>,
    /// Per gold class, in label order.
    pub per_class: Vec<ClassMetrics>,
    /// The most frequent confusions, most frequent first (at most 10).
    pub most_confused: Vec<Confusion>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Compares predictions with gold labels. `predicted` uses [`UNKNOWN`] for abstentions; with
/// `oos_label`, a gold out-of-scope text counts as right when the answer is `unknown` (or the
/// out-of-scope label itself).
pub fn evaluate(gold: &[String], predicted: &[String], oos_label: Option<&str>) -> EvalReport {
    assert_eq!(gold.len(), predicted.len(), "one prediction per gold label");
    let n = gold.len();
    // With an out-of-scope label, `unknown` is that label's prediction.
    let norm = |p: &str| -> String {
        match oos_label {
            Some(o) if p == UNKNOWN => o.to_string(),
            _ => p.to_string(),
        }
    };
    let pred: Vec<String> = predicted.iter().map(|p| norm(p)).collect();
    let mut support: BTreeMap<&str, usize> = BTreeMap::new();
    let mut predicted_count: HashMap<&str, usize> = HashMap::new();
    let mut tp: HashMap<&str, usize> = HashMap::new();
    let mut confusions: HashMap<(&str, &str), usize> = HashMap::new();
    let mut correct = 0;
    for (g, p) in gold.iter().zip(&pred) {
        *support.entry(g).or_default() += 1;
        *predicted_count.entry(p).or_default() += 1;
        if g == p {
            correct += 1;
            *tp.entry(g).or_default() += 1;
        } else {
            *confusions.entry((g, p)).or_default() += 1;
        }
    }
    let per_class: Vec<ClassMetrics> = support
        .iter()
        .map(|(&label, &s)| {
            let t = tp.get(label).copied().unwrap_or(0);
            let precision = ratio(t, predicted_count.get(label).copied().unwrap_or(0));
            let recall = ratio(t, s);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassMetrics {
                label: label.to_string(),
                precision,
                recall,
                f1,
                support: s,
            }
        })
        .collect();
    let k = per_class.len().max(1) as f64;
    let abstained = predicted
        .iter()
        .filter(|p| *p == UNKNOWN || Some(p.as_str()) == oos_label)
        .count();
    let (in_scope_accuracy, oos_recall, oos_precision) = match oos_label {
        Some(o) => {
            let (a, r, p) = out_of_scope(gold, &pred, o, abstained);
            (Some(a), Some(r), Some(p))
        }
        None => (None, None, None),
    };
    let most_confused = most_confused(confusions);
    EvalReport {
        n,
        accuracy: ratio(correct, n),
        macro_f1: per_class.iter().map(|c| c.f1).sum::<f64>() / k,
        macro_recall: per_class.iter().map(|c| c.recall).sum::<f64>() / k,
        abstention_rate: ratio(abstained, n),
        in_scope_accuracy,
        oos_recall,
        oos_precision,
        per_class,
        most_confused,
    }
}

/// The 10 most frequent confusions, most frequent first, ties in label order.
fn most_confused(confusions: HashMap<(&str, &str), usize>) -> Vec<Confusion> {
    let mut most: Vec<Confusion> = confusions
        .into_iter()
        .map(|((g, p), count)| Confusion {
            gold: g.into(),
            predicted: p.into(),
            count,
        })
        .collect();
    most.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (&a.gold, &a.predicted).cmp(&(&b.gold, &b.predicted)))
    });
    most.truncate(10);
    most
}

/// In-scope accuracy, out-of-scope recall and precision (of the `abstained` answers), with `pred`
/// normalised so that `unknown` reads as `oos`.
fn out_of_scope(gold: &[String], pred: &[String], oos: &str, abstained: usize) -> (f64, f64, f64) {
    let (mut ins, mut ins_ok, mut n_oos, mut oos_ok) = (0, 0, 0, 0);
    for (g, p) in gold.iter().zip(pred) {
        if g == oos {
            n_oos += 1;
            oos_ok += usize::from(p == oos);
        } else {
            ins += 1;
            ins_ok += usize::from(g == p);
        }
    }
    (
        ratio(ins_ok, ins),
        ratio(oos_ok, n_oos),
        ratio(oos_ok, abstained),
    )
}

impl EvalReport {
    /// A plain-text report for a terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "texts: {}   accuracy: {:.2} %   macro-F1: {:.3}   macro-recall: {:.3}   answered unknown: {:.1} %",
            self.n,
            100.0 * self.accuracy,
            self.macro_f1,
            self.macro_recall,
            100.0 * self.abstention_rate
        );
        if let (Some(a), Some(r)) = (self.in_scope_accuracy, self.oos_recall) {
            let _ = writeln!(
                s,
                "in-scope accuracy: {:.2} %   out-of-scope recall: {:.3}   out-of-scope precision: {:.3}",
                100.0 * a,
                r,
                self.oos_precision.unwrap_or(0.0)
            );
        }
        let width = self
            .per_class
            .iter()
            .map(|c| c.label.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(s, "\n{:width$}  precision  recall     f1  support", "class");
        for c in &self.per_class {
            let _ = writeln!(
                s,
                "{:width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
                c.label, c.precision, c.recall, c.f1, c.support
            );
        }
        if !self.most_confused.is_empty() {
            let _ = writeln!(s, "\nmost confused (gold → predicted):");
            for c in &self.most_confused {
                let _ = writeln!(s, "  {:>4} × {} → {}", c.count, c.gold, c.predicted);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn metrics_by_hand() {
        let gold = s(&["a", "a", "a", "b", "b", "c"]);
        let pred = s(&["a", "a", "b", "b", "b", "unknown"]);
        let r = evaluate(&gold, &pred, None);
        assert_relative_eq!(r.accuracy, 4.0 / 6.0);
        // a: p 1, r 2/3; b: p 2/3, r 1; c: p 0, r 0
        assert_relative_eq!(r.macro_recall, (2.0 / 3.0 + 1.0 + 0.0) / 3.0);
        assert_relative_eq!(r.macro_f1, (0.8 + 0.8 + 0.0) / 3.0, epsilon = 1e-12);
        assert_relative_eq!(r.abstention_rate, 1.0 / 6.0);
        assert_eq!(
            r.most_confused[0],
            Confusion {
                gold: "a".into(),
                predicted: "b".into(),
                count: 1
            }
        );
        assert!(r.in_scope_accuracy.is_none());
    }

    #[test]
    fn out_of_scope_metrics() {
        let gold = s(&["a", "b", "oos", "oos", "oos", "oos"]);
        let pred = s(&["a", "unknown", "unknown", "oos", "a", "b"]);
        let r = evaluate(&gold, &pred, Some("oos"));
        assert_eq!(r.in_scope_accuracy, Some(0.5));
        assert_eq!(r.oos_recall, Some(0.5));
        assert_eq!(r.oos_precision, Some(2.0 / 3.0));
        assert_relative_eq!(r.accuracy, 3.0 / 6.0);
    }

    #[test]
    fn render_mentions_the_figures() {
        let r = evaluate(&s(&["a", "b"]), &s(&["a", "a"]), None);
        let text = r.render();
        assert!(
            text.contains("accuracy: 50.00 %") && text.contains("1 × b → a"),
            "{text}"
        );
    }
}
