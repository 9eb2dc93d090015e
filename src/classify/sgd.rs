//! The optimiser: multinomial logistic regression with L2, trained by SGD on sparse rows.
//!
//! Written by hand because no Rust crate trains a softmax model on sparse high-dimensional input
//! (linfa-logistic and smartcore want dense ndarray rows; 150 classes × 10^5 features dense is not
//! an option). The algorithm is Bottou's SGD for L2-regularised linear models: the weights are kept
//! as `scale · V` so that the decay of every weight at every step costs one multiplication, and
//! each example touches only its own feature rows. The step size decays linearly to zero, which
//! makes the last iterate converge without averaging.
//!
//! Objective: `Σ_i c(y_i) · CE(softmax(W x_i + b), y_i) / n + λ/2 · ‖W‖²` (c = class weight).
//!
//! Imports only `linear`'s softmax and `text::SparseVec`; must not import `train`, which calls it.

use super::linear::softmax_in_place;
use crate::text::SparseVec;

/// Hyper-parameters of one SGD run.
#[derive(Debug, Clone, Copy)]
pub struct SgdConfig {
    /// L2 strength λ (per example).
    pub l2: f32,
    /// Passes over the data.
    pub epochs: u32,
    /// Initial step size.
    pub learning_rate: f32,
    /// Seed of the shuffles.
    pub seed: u64,
}

/// Fitted weights (`rows × classes`, feature-major) and biases.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Feature-major weights.
    pub weights: Vec<f32>,
    /// Biases.
    pub bias: Vec<f32>,
    /// Mean weighted cross-entropy over the last epoch (as seen during the pass).
    pub last_epoch_loss: f32,
}

/// Fits the model. `y[i] < n_classes`; `class_weight.len() == n_classes`; `on_epoch` is called
/// after each pass (for progress bars).
pub fn fit(
    cfg: &SgdConfig,
    x: &[SparseVec],
    y: &[u32],
    n_rows: usize,
    class_weight: &[f32],
    mut on_epoch: impl FnMut(u32),
) -> Fitted {
    let c = class_weight.len();
    let mut v = vec![0.0f32; n_rows * c];
    let mut bias = vec![0.0f32; c];
    let mut scale = 1.0f64;
    let n = x.len();
    let total = (cfg.epochs as usize * n).max(1) as f64;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let mut z = vec![0.0f32; c];
    let mut t = 0usize;
    let mut last_epoch_loss = 0.0;
    for epoch in 0..cfg.epochs {
        rng.shuffle(&mut order);
        let mut loss = 0.0f64;
        for &i in &order {
            let eta = f64::from(cfg.learning_rate) * (1.0 - t as f64 / total);
            t += 1;
            let xi = &x[i];
            let yi = y[i] as usize;
            z.copy_from_slice(&bias);
            let s = scale as f32;
            for (&row, &val) in xi.idx.iter().zip(&xi.val) {
                let w = &v[row as usize * c..(row as usize + 1) * c];
                let a = val * s;
                for (zi, wi) in z.iter_mut().zip(w) {
                    *zi += a * wi;
                }
            }
            softmax_in_place(&mut z, 1.0);
            let cw = class_weight[yi];
            loss += -f64::from(cw) * f64::from(z[yi].max(1e-12)).ln();
            // z becomes the gradient of the weighted loss with respect to the logits.
            z[yi] -= 1.0;
            for g in z.iter_mut() {
                *g *= cw;
            }
            scale *= 1.0 - eta * f64::from(cfg.l2);
            let step = (eta / scale) as f32;
            for (&row, &val) in xi.idx.iter().zip(&xi.val) {
                let w = &mut v[row as usize * c..(row as usize + 1) * c];
                let a = step * val;
                for (wi, g) in w.iter_mut().zip(&z) {
                    *wi -= a * g;
                }
            }
            let e = eta as f32;
            for (b, g) in bias.iter_mut().zip(&z) {
                *b -= e * g;
            }
            if scale < 1e-6 {
                let s = scale as f32;
                v.iter_mut().for_each(|w| *w *= s);
                scale = 1.0;
            }
        }
        last_epoch_loss = (loss / n.max(1) as f64) as f32;
        on_epoch(epoch + 1);
    }
    let s = scale as f32;
    v.iter_mut().for_each(|w| *w *= s);
    Fitted {
        weights: v,
        bias,
        last_epoch_loss,
    }
}

/// "Balanced" class weights, `n / (k · n_c)` as in scikit-learn; classes absent from `y` get 0.
pub fn balanced_weights(y: &[u32], n_classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c as usize] += 1;
    }
    let present = counts.iter().filter(|&&n| n > 0).count().max(1);
    counts
        .iter()
        .map(|&n| {
            if n == 0 {
                0.0
            } else {
                y.len() as f32 / (present * n) as f32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(pairs: &[(u32, f32)]) -> SparseVec {
        SparseVec {
            idx: pairs.iter().map(|p| p.0).collect(),
            val: pairs.iter().map(|p| p.1).collect(),
        }
    }

    /// Three classes, each marked by its own feature, plus a shared noise feature: the model must
    /// learn the marker weights and predict every training point right, with probabilities that
    /// favour the true class strongly.
    #[test]
    fn learns_a_separable_problem() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..300u32 {
            let c = i % 3;
            x.push(sv(&[(c, 1.0), (3, 0.5)]));
            y.push(c);
        }
        let cfg = SgdConfig {
            l2: 1e-4,
            epochs: 10,
            learning_rate: 0.5,
            seed: 7,
        };
        let f = fit(&cfg, &x, &y, 4, &[1.0; 3], |_| {});
        for c in 0..3usize {
            let w = &f.weights[c * 3..c * 3 + 3];
            let best = (0..3).max_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap();
            assert_eq!(best, c, "feature {c} should point to class {c}: {w:?}");
        }
        assert!(f.last_epoch_loss < 0.1, "loss {}", f.last_epoch_loss);
    }

    /// With a known optimum: one feature, two classes, labels split 75/25 on identical inputs. The
    /// unregularised optimum predicts p = 0.75; with weak L2 the fitted probability must be close.
    #[test]
    fn recovers_the_known_probability() {
        let x: Vec<SparseVec> = (0..400).map(|_| sv(&[(0, 1.0)])).collect();
        let y: Vec<u32> = (0..400).map(|i| u32::from(i % 4 == 0)).collect();
        let cfg = SgdConfig {
            l2: 1e-6,
            epochs: 20,
            learning_rate: 0.2,
            seed: 1,
        };
        let f = fit(&cfg, &x, &y, 1, &[1.0; 2], |_| {});
        let mut z = vec![f.bias[0] + f.weights[0], f.bias[1] + f.weights[1]];
        softmax_in_place(&mut z, 1.0);
        assert!((z[0] - 0.75).abs() < 0.02, "p(class 0) = {}", z[0]);
    }

    #[test]
    fn strong_l2_shrinks_weights() {
        let x: Vec<SparseVec> = (0..200).map(|i| sv(&[(i % 2, 1.0)])).collect();
        let y: Vec<u32> = (0..200).map(|i| i % 2).collect();
        let weak = fit(
            &SgdConfig {
                l2: 1e-6,
                epochs: 5,
                learning_rate: 0.5,
                seed: 3,
            },
            &x,
            &y,
            2,
            &[1.0; 2],
            |_| {},
        );
        let strong = fit(
            &SgdConfig {
                l2: 1e-1,
                epochs: 5,
                learning_rate: 0.5,
                seed: 3,
            },
            &x,
            &y,
            2,
            &[1.0; 2],
            |_| {},
        );
        let norm = |w: &[f32]| w.iter().map(|v| v * v).sum::<f32>();
        assert!(norm(&strong.weights) < norm(&weak.weights) / 4.0);
    }

    #[test]
    fn balanced_weights_match_scikit_learn() {
        let w = balanced_weights(&[0, 0, 0, 1], 3);
        assert!((w[0] - 4.0 / 6.0).abs() < 1e-6);
        assert!((w[1] - 2.0).abs() < 1e-6);
        assert_eq!(w[2], 0.0);
    }

    #[test]
    fn same_seed_same_model() {
        let x: Vec<SparseVec> = (0..50).map(|i| sv(&[(i % 5, 1.0)])).collect();
        let y: Vec<u32> = (0..50).map(|i| i % 2).collect();
        let cfg = SgdConfig {
            l2: 1e-4,
            epochs: 3,
            learning_rate: 0.5,
            seed: 9,
        };
        let a = fit(&cfg, &x, &y, 5, &[1.0; 2], |_| {});
        let b = fit(&cfg, &x, &y, 5, &[1.0; 2], |_| {});
        assert_eq!(a.weights, b.weights);
    }
}
