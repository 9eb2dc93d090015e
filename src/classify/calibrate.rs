//! Calibration and abstention from validation predictions: the softmax temperature, the top
//! probability under which a model answers `unknown`, and the decision rule that applies it.
//!
//! Pure functions of probabilities and gold classes: imports only [`super::linear`]'s `argmax`,
//! nothing that trains, reads or writes models.

use super::linear::argmax;

/// The class to answer, or `None` for `unknown` (out-of-scope class on top, or too unsure).
pub fn decide(p: &[f32], threshold: f32, oos_class: Option<usize>) -> Option<usize> {
    let (c, prob) = argmax(p)?;
    if Some(c) == oos_class || prob < threshold {
        None
    } else {
        Some(c)
    }
}

/// Temperature minimising the validation negative log-likelihood (golden-section search on
/// `ln T` in `[ln 0.05, ln 20]`).
pub fn fit_temperature(logits: &[Vec<f32>], y: &[u32]) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let nll = |t: f64| -> f64 {
        let t = t.exp() as f32;
        logits
            .iter()
            .zip(y)
            .map(|(z, &c)| {
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let lse: f32 = z.iter().map(|v| ((v - max) / t).exp()).sum::<f32>().ln();
                f64::from(lse - (z[c as usize] - max) / t)
            })
            .sum()
    };
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (nll(c), nll(d));
    for _ in 0..40 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = nll(d);
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// Picks the top-probability threshold under which the model answers `unknown`.
///
/// Each validation text is scored as a routing outcome: an accepted right answer gains
/// `1 − min_precision`, an accepted wrong answer (including an out-of-scope text given an in-scope
/// label) loses `min_precision`, an abstention (a person triages it) scores 0. The threshold
/// maximises the total, so answers are withheld where fewer than `min_precision` of them would be
/// right: `min_precision` is the cost of a human triage relative to a misroute, turned around
/// (0.3: a misroute costs about 2.3 triages). Out-of-scope texts are weighted so that together they
/// count as much as a class of average size.
pub fn pick_threshold(
    probs: &[Vec<f32>],
    y: &[u32],
    oos_class: Option<usize>,
    min_precision: f64,
) -> f32 {
    let n_classes = probs.first().map_or(1, Vec::len).max(1);
    let n_oos = y.iter().filter(|&&c| Some(c as usize) == oos_class).count();
    let oos_weight = if n_oos > 0 {
        (y.len() - n_oos) as f64 / (n_classes - 1).max(1) as f64 / n_oos as f64
    } else {
        1.0
    };
    // (top probability, gain if accepted − gain if rejected)
    let mut items: Vec<(f32, f64)> = probs
        .iter()
        .zip(y)
        .filter_map(|(p, &c)| {
            let (k, prob) = argmax(p)?;
            if Some(k) == oos_class {
                return None; // answered unknown whatever the threshold
            }
            let is_oos = Some(c as usize) == oos_class;
            let w = if is_oos { oos_weight } else { 1.0 };
            Some((
                prob,
                if k == c as usize {
                    w * (1.0 - min_precision)
                } else {
                    -w * min_precision
                },
            ))
        })
        .collect();
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Raising the threshold past item i rejects it: the running sum of -delta is the gain.
    let (mut best, mut best_t, mut gain) = (0.0f64, 0.0f32, 0.0f64);
    for (i, (prob, delta)) in items.iter().enumerate() {
        gain -= delta;
        let next = items.get(i + 1).map_or(1.0, |x| x.0);
        if gain > best + 1e-9 && next > *prob {
            best = gain;
            best_t = (prob + next) / 2.0;
        }
    }
    best_t
}
