//! Gradient-boosted trees on histograms, for the log loss, written here.
//!
//! Why hand-written: `perpetual` (pure Rust, with Shapley contributions) needs a nightly compiler
//! in every published version (`#![feature(array_ptr_get)]`: 0.9, 1.9 and 2.3 fail on stable
//! here); smartcore's and linfa's forests give no class probabilities (majority votes), and
//! smartcore needs ndarray 0.17 beside linfa's 0.16. This is the standard algorithm
//! (LightGBM/scikit-learn's HistGradientBoosting): each column cut into at most `max_bins` bins at
//! its quantiles, trees grown depth-first on gradient/hessian histograms, Newton leaf values with
//! L2 shrinkage, row subsampling. About 200 lines, deterministic for a seed.

use super::OutreachError;
use super::calibrate::sigmoid;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Hyper-parameters of the boosted trees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    /// Boosting rounds. Default 300.
    pub n_trees: usize,
    /// Shrinkage of each tree. Default 0.05.
    pub learning_rate: f64,
    /// Depth of each tree. Default 3.
    pub max_depth: usize,
    /// Fewest training rows in a leaf. Default 20.
    pub min_leaf: usize,
    /// L2 shrinkage of leaf values. Default 1.0.
    pub lambda: f64,
    /// Most bins per column (≤ 255). Default 64.
    pub max_bins: usize,
    /// Share of rows each tree sees. Default 0.8.
    pub subsample: f64,
    /// Seed of the row sampling. Default 42.
    pub seed: u64,
}

impl Default for TreeParams {
    fn default() -> Self {
        Self {
            n_trees: 300,
            learning_rate: 0.05,
            max_depth: 3,
            min_leaf: 20,
            lambda: 1.0,
            max_bins: 64,
            subsample: 0.8,
            seed: 42,
        }
    }
}

/// One node: a split `x[feature] <= threshold → left`, or a leaf (`feature` [`LEAF`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Column tested, or [`LEAF`].
    pub feature: usize,
    /// Values at or below go left.
    pub threshold: f64,
    /// Index of the left child in the tree.
    pub left: usize,
    /// Index of the right child in the tree.
    pub right: usize,
    /// A leaf's logit increment (learning rate included).
    pub value: f64,
}

/// The `feature` of a leaf.
pub const LEAF: usize = usize::MAX;

/// A fitted ensemble: `logit = base + Σ tree(x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trees {
    /// The prior log-odds.
    pub base: f64,
    /// The trees, each a node list rooted at 0.
    pub trees: Vec<Vec<Node>>,
}

/// Cut points of one column: bin(x) = number of edges below x.
fn edges(values: &mut Vec<f64>, max_bins: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    if values.len() <= max_bins {
        values.pop();
        return std::mem::take(values);
    }
    let mut out: Vec<f64> = (1..max_bins)
        .map(|k| values[k * values.len() / max_bins])
        .collect();
    out.dedup();
    out
}

/// Histogram accumulators of one bin: gradient, hessian, rows.
type Bin = (f64, f64, usize);

struct Grower<'a> {
    bins: &'a [Vec<u8>],
    edges: &'a [Vec<f64>],
    g: &'a [f64],
    h: &'a [f64],
    p: &'a TreeParams,
    nodes: Vec<Node>,
}

impl Grower<'_> {
    fn leaf(&mut self, rows: &[usize]) -> usize {
        let (g, h) = rows
            .iter()
            .fold((0.0, 0.0), |(g, h), &i| (g + self.g[i], h + self.h[i]));
        self.nodes.push(Node {
            feature: LEAF,
            threshold: 0.0,
            left: 0,
            right: 0,
            value: -self.p.learning_rate * g / (h + self.p.lambda),
        });
        self.nodes.len() - 1
    }

    /// The best split of `rows`: (gain, column, bin).
    fn best_split(&self, rows: &[usize]) -> Option<(f64, usize, usize)> {
        let (gt, ht) = rows
            .iter()
            .fold((0.0, 0.0), |(g, h), &i| (g + self.g[i], h + self.h[i]));
        let lambda = self.p.lambda;
        let parent = gt * gt / (ht + lambda);
        let mut best: Option<(f64, usize, usize)> = None;
        for (j, col) in self.bins.iter().enumerate() {
            let mut hist: Vec<Bin> = vec![(0.0, 0.0, 0); self.edges[j].len() + 1];
            for &i in rows {
                let b = &mut hist[usize::from(col[i])];
                b.0 += self.g[i];
                b.1 += self.h[i];
                b.2 += 1;
            }
            let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0);
            for (b, bin) in hist.iter().enumerate().take(hist.len() - 1) {
                gl += bin.0;
                hl += bin.1;
                nl += bin.2;
                let nr = rows.len() - nl;
                if nl < self.p.min_leaf || nr < self.p.min_leaf {
                    continue;
                }
                let (gr, hr) = (gt - gl, ht - hl);
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
                if gain > 1e-9 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, j, b));
                }
            }
        }
        best
    }

    fn grow(&mut self, rows: &mut [usize], depth: usize) -> usize {
        if depth >= self.p.max_depth || rows.len() < 2 * self.p.min_leaf {
            return self.leaf(rows);
        }
        let Some((_, j, b)) = self.best_split(rows) else {
            return self.leaf(rows);
        };
        let col = &self.bins[j];
        let mut cut = 0;
        for k in 0..rows.len() {
            if usize::from(col[rows[k]]) <= b {
                rows.swap(cut, k);
                cut += 1;
            }
        }
        let at = self.nodes.len();
        self.nodes.push(Node {
            feature: j,
            threshold: self.edges[j][b],
            left: 0,
            right: 0,
            value: 0.0,
        });
        let (l, r) = rows.split_at_mut(cut);
        let left = self.grow(l, depth + 1);
        let right = self.grow(r, depth + 1);
        self.nodes[at].left = left;
        self.nodes[at].right = right;
        at
    }
}

/// The increment of one tree for row `x`.
fn tree_value(nodes: &[Node], x: &[f64]) -> f64 {
    let mut k = 0;
    loop {
        let n = &nodes[k];
        if n.feature == LEAF {
            return n.value;
        }
        k = if x[n.feature] <= n.threshold {
            n.left
        } else {
            n.right
        };
    }
}

impl Trees {
    /// Fits on rows `x` and outcomes `y`.
    pub fn fit(x: &Array2<f64>, y: &[bool], p: &TreeParams) -> Result<Self, OutreachError> {
        if !(1..=255).contains(&p.max_bins)
            || p.max_depth == 0
            || !(p.subsample > 0.0 && p.subsample <= 1.0)
        {
            return Err(OutreachError::Fit(
                "trees: max_bins must be 1 to 255, max_depth at least 1, subsample in (0, 1]"
                    .into(),
            ));
        }
        let (n, f) = x.dim();
        let edges: Vec<Vec<f64>> = (0..f)
            .map(|j| edges(&mut x.column(j).to_vec(), p.max_bins))
            .collect();
        let bins: Vec<Vec<u8>> = (0..f)
            .map(|j| {
                let e = &edges[j];
                x.column(j)
                    .iter()
                    .map(|v| e.partition_point(|c| c < v) as u8)
                    .collect()
            })
            .collect();
        let pos = y.iter().filter(|v| **v).count() as f64;
        let prior = (pos + 0.5) / (n as f64 + 1.0);
        let base = (prior / (1.0 - prior)).ln();
        let mut logit = vec![base; n];
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n]);
        let mut rng = fastrand::Rng::with_seed(p.seed);
        let mut trees = Vec::with_capacity(p.n_trees);
        for _ in 0..p.n_trees {
            for i in 0..n {
                let q = sigmoid(logit[i]);
                g[i] = q - f64::from(u8::from(y[i]));
                h[i] = (q * (1.0 - q)).max(1e-12);
            }
            let mut rows: Vec<usize> = (0..n)
                .filter(|_| p.subsample >= 1.0 || rng.f64() < p.subsample)
                .collect();
            let mut grower = Grower {
                bins: &bins,
                edges: &edges,
                g: &g,
                h: &h,
                p,
                nodes: Vec::new(),
            };
            grower.grow(&mut rows, 0);
            let nodes = grower.nodes;
            for (i, row) in x.rows().into_iter().enumerate() {
                logit[i] += row.as_slice().map_or_else(
                    || tree_value(&nodes, &row.to_vec()),
                    |r| tree_value(&nodes, r),
                );
            }
            trees.push(nodes);
        }
        Ok(Self { base, trees })
    }

    /// The logit of row `x`.
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.base + self.trees.iter().map(|t| tree_value(t, x)).sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::eval::roc_auc;

    #[test]
    fn trees_learn_an_interaction_a_linear_model_cannot() {
        // y = (a > 0) xor (b > 0): no single column says anything.
        let n = 600;
        let mut rng = fastrand::Rng::with_seed(3);
        let mut x = Array2::zeros((n, 2));
        let mut y = Vec::new();
        for i in 0..n {
            let (a, b) = (rng.f64() - 0.5, rng.f64() - 0.5);
            x[[i, 0]] = a;
            x[[i, 1]] = b;
            y.push((a > 0.0) != (b > 0.0));
        }
        let m = Trees::fit(&x, &y, &TreeParams::default()).unwrap();
        let p: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| m.logit(r.as_slice().unwrap()))
            .collect();
        assert!(roc_auc(&p, &y) > 0.95, "{}", roc_auc(&p, &y));
        assert!(m.logit(&[0.3, 0.3]) < 0.0 && m.logit(&[0.3, -0.3]) > 0.0);
    }

    #[test]
    fn edges_of_few_values_are_the_values_and_of_many_the_quantiles() {
        assert_eq!(edges(&mut vec![3.0, 1.0, 2.0, 1.0], 64), [1.0, 2.0]);
        let e = edges(&mut (0..1000).map(f64::from).collect(), 4);
        assert_eq!(e, [250.0, 500.0, 750.0]);
    }
}
