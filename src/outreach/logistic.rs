//! Logistic regression on standardised encoded features, fitted by linfa-logistic (L-BFGS, L2).
//!
//! Standardising (mean 0, unit variance on the training rows) makes one L2 strength fit every
//! column and makes the reasons comparable: a feature's contribution is its coefficient times
//! its standardised value, i.e. how far this row's value pushes the logit from the average row's.

use super::OutreachError;
use linfa::Dataset;
use linfa::prelude::Fit as _;
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

/// Hyper-parameters of the logistic regression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// L2 strength on the standardised coefficients (linfa's `alpha`: the penalty is
    /// `alpha/2 · ‖w‖²` added to the summed log loss). Default 1.0.
    pub alpha: f64,
    /// Most L-BFGS iterations. Default 300.
    pub max_iterations: u64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            max_iterations: 300,
        }
    }
}

/// A fitted logistic regression: `logit = intercept + Σ coef · (x − mean) / scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    /// Training mean of each column.
    pub mean: Vec<f64>,
    /// Training standard deviation of each column (1 for constant columns).
    pub scale: Vec<f64>,
    /// Coefficient of each standardised column, for the positive class.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

impl Logistic {
    /// Fits on rows `x` and outcomes `y`.
    pub fn fit(x: &Array2<f64>, y: &[bool], p: &LogisticParams) -> Result<Self, OutreachError> {
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let scale = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 { s } else { 1.0 });
        let z = (x - &mean) / &scale;
        let ds = Dataset::new(z, Array1::from(y.to_vec()));
        let fitted = linfa_logistic::LogisticRegression::default()
            .alpha(p.alpha)
            .max_iterations(p.max_iterations)
            .fit(&ds)
            .map_err(|e| OutreachError::Fit(format!("logistic regression: {e}")))?;
        // linfa's "positive" class is the more frequent one: turn it into `true`'s logit.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(Self {
            mean: mean.to_vec(),
            scale: scale.to_vec(),
            coef: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
        })
    }

    /// Each column's term `coef · (x − mean) / scale`.
    pub fn terms(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .zip(&self.coef)
            .map(|(((x, m), s), w)| w * (x - m) / s)
            .collect()
    }

    /// The logit of row `x`.
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.intercept + self.terms(x).iter().sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coefficient_of_a_predictive_column_has_its_sign_whichever_class_is_larger() {
        for positives_rare in [true, false] {
            let n = 400;
            let mut rng = fastrand::Rng::with_seed(7);
            let mut x = Array2::zeros((n, 2));
            let mut y = Vec::new();
            for i in 0..n {
                let a = rng.f64() * 4.0 - 2.0;
                x[[i, 0]] = a;
                x[[i, 1]] = rng.f64();
                let shift = if positives_rare { -1.5 } else { 1.5 };
                y.push(rng.f64() < super::super::calibrate::sigmoid(2.0 * a + shift));
            }
            let m = Logistic::fit(&x, &y, &LogisticParams::default()).unwrap();
            assert!(m.coef[0] > 1.0, "{:?}", m.coef);
            assert!(m.coef[1].abs() < 0.5, "{:?}", m.coef);
            let hi = m.logit(&[2.0, 0.5]);
            let lo = m.logit(&[-2.0, 0.5]);
            assert!(hi > 0.0 && lo < 0.0, "{hi} {lo}");
        }
    }
}
