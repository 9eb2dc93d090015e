//! From [`FeatureRow`]s to numbers, the same way for training and serving: the [`Encoding`] is
//! fitted on training rows and saved in the manifest.
//!
//! - A numeric feature becomes its value; a missing one (absent, `null`, not a number) becomes
//!   the training median, plus a 0/1 "missing" column when the training data had missing values.
//! - A categorical feature becomes one-hot columns, one per level seen at least
//!   [`MIN_LEVEL_COUNT`] times in training (at most [`MAX_LEVELS`], most frequent first), and one
//!   `other/missing` column for everything else: a rare level, a new one, or none.
//!
//! Each source feature owns a contiguous range of columns ([`Encoding::groups`]), so that a
//! model's contributions add up per feature for the reasons.

use super::row::{FeatureDef, FeatureRow, Kind, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;

/// Fewest training rows a category level needs to get its own column.
pub const MIN_LEVEL_COUNT: usize = 3;
/// Most levels of one categorical feature (the rest fall in `other/missing`).
pub const MAX_LEVELS: usize = 50;
/// Name of the bucket of rare, unseen and missing categories.
pub const OTHER: &str = "other/missing";

/// How one feature is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ColumnEncoding {
    /// One column, the value or the median; and a missing indicator if `indicator`.
    Numeric {
        /// The feature.
        name: String,
        /// Imputed for missing values.
        median: f64,
        /// Whether a 0/1 missing column follows.
        indicator: bool,
    },
    /// One column per level, then `other/missing`.
    Categorical {
        /// The feature.
        name: String,
        /// Levels with a column, most frequent first.
        levels: Vec<String>,
    },
}

impl ColumnEncoding {
    /// The feature's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Numeric { name, .. } | Self::Categorical { name, .. } => name,
        }
    }

    fn width(&self) -> usize {
        match self {
            Self::Numeric { indicator, .. } => 1 + usize::from(*indicator),
            Self::Categorical { levels, .. } => levels.len() + 1,
        }
    }
}

/// The fitted encoding of every feature, in definition order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// One entry per feature.
    pub columns: Vec<ColumnEncoding>,
}

/// A category as text: numbers given for a categorical feature read as their shortest form.
fn category(v: &Value) -> Option<String> {
    match v {
        Value::Cat(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Num(x) if x.is_finite() => Some(x.to_string()),
        _ => None,
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        (xs[m - 1] + xs[m]) / 2.0
    }
}

impl Encoding {
    /// Fits the encoding of `defs` on `rows`.
    pub fn fit(defs: &[FeatureDef], rows: &[FeatureRow]) -> Self {
        let columns = defs
            .iter()
            .map(|d| match d.kind {
                Kind::Numeric => {
                    let xs: Vec<f64> = rows
                        .iter()
                        .filter_map(|r| r.get(&d.name).as_num())
                        .collect();
                    ColumnEncoding::Numeric {
                        name: d.name.clone(),
                        indicator: xs.len() < rows.len(),
                        median: median(xs),
                    }
                }
                Kind::Categorical => {
                    let mut counts: HashMap<String, usize> = HashMap::new();
                    for r in rows {
                        if let Some(c) = category(r.get(&d.name)) {
                            *counts.entry(c).or_default() += 1;
                        }
                    }
                    let mut levels: Vec<(String, usize)> = counts
                        .into_iter()
                        .filter(|(_, n)| *n >= MIN_LEVEL_COUNT)
                        .collect();
                    levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    levels.truncate(MAX_LEVELS);
                    ColumnEncoding::Categorical {
                        name: d.name.clone(),
                        levels: levels.into_iter().map(|(l, _)| l).collect(),
                    }
                }
            })
            .collect();
        Self { columns }
    }

    /// Number of encoded columns.
    pub fn width(&self) -> usize {
        self.columns.iter().map(ColumnEncoding::width).sum()
    }

    /// The encoded columns of each feature, in order.
    pub fn groups(&self) -> Vec<Range<usize>> {
        let mut start = 0;
        self.columns
            .iter()
            .map(|c| {
                let r = start..start + c.width();
                start = r.end;
                r
            })
            .collect()
    }

    /// The name of every encoded column: `tenure`, `tenure=missing`, `contract=One year`,
    /// `contract=other/missing`.
    pub fn column_names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.width());
        for c in &self.columns {
            match c {
                ColumnEncoding::Numeric {
                    name, indicator, ..
                } => {
                    out.push(name.clone());
                    if *indicator {
                        out.push(format!("{name}=missing"));
                    }
                }
                ColumnEncoding::Categorical { name, levels } => {
                    out.extend(levels.iter().map(|l| format!("{name}={l}")));
                    out.push(format!("{name}={OTHER}"));
                }
            }
        }
        out
    }

    /// Writes the encoding of `row` into `out` (`width()` long).
    pub fn encode_into(&self, row: &FeatureRow, out: &mut [f64]) {
        let mut i = 0;
        for c in &self.columns {
            match c {
                ColumnEncoding::Numeric {
                    name,
                    median,
                    indicator,
                } => {
                    let v = row.get(name).as_num();
                    out[i] = v.unwrap_or(*median);
                    i += 1;
                    if *indicator {
                        out[i] = f64::from(u8::from(v.is_none()));
                        i += 1;
                    }
                }
                ColumnEncoding::Categorical { name, levels } => {
                    let v = category(row.get(name));
                    let hit = v.and_then(|v| levels.iter().position(|l| *l == v));
                    for (k, slot) in out[i..=i + levels.len()].iter_mut().enumerate() {
                        *slot = f64::from(u8::from(hit.unwrap_or(levels.len()) == k));
                    }
                    i += levels.len() + 1;
                }
            }
        }
    }

    /// The encoding of `row`.
    pub fn encode(&self, row: &FeatureRow) -> Vec<f64> {
        let mut out = vec![0.0; self.width()];
        self.encode_into(row, &mut out);
        out
    }

    /// The encoding of every row, row-major.
    pub fn matrix(&self, rows: &[FeatureRow]) -> ndarray::Array2<f64> {
        let w = self.width();
        let mut m = ndarray::Array2::zeros((rows.len(), w));
        for (mut out, row) in m.rows_mut().into_iter().zip(rows) {
            if let Some(slice) = out.as_slice_mut() {
                self.encode_into(row, slice);
            }
        }
        m
    }

    /// The reference a feature's contribution is measured against: each numeric feature at its
    /// median (not missing), each categorical at its most frequent level.
    pub fn reference(&self) -> Vec<f64> {
        let mut row = FeatureRow::default();
        for c in &self.columns {
            match c {
                ColumnEncoding::Numeric { name, median, .. } => row.set(name, Value::Num(*median)),
                ColumnEncoding::Categorical { name, levels } => {
                    if let Some(l) = levels.first() {
                        row.set(name, Value::Cat(l.clone()));
                    }
                }
            }
        }
        self.encode(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: Option<f64>, c: Option<&str>) -> FeatureRow {
        let mut r = FeatureRow::default();
        r.set("n", Value::num(n));
        if let Some(c) = c {
            r.set("c", Value::Cat(c.into()));
        }
        r
    }

    fn defs() -> Vec<FeatureDef> {
        vec![
            FeatureDef::column("n", Kind::Numeric),
            FeatureDef::column("c", Kind::Categorical),
        ]
    }

    #[test]
    fn missing_numbers_get_the_median_and_an_indicator_and_rare_or_new_levels_go_to_other() {
        let mut rows: Vec<FeatureRow> =
            (0..4).map(|i| row(Some(f64::from(i)), Some("a"))).collect();
        rows.extend((0..3).map(|_| row(None, Some("b"))));
        rows.push(row(Some(10.0), Some("rare")));
        let enc = Encoding::fit(&defs(), &rows);
        // Values 0, 1, 2, 3, 10: median 2.
        assert_eq!(
            enc.column_names(),
            ["n", "n=missing", "c=a", "c=b", "c=other/missing"]
        );
        assert_eq!(enc.encode(&row(None, Some("b"))), [2.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            enc.encode(&row(Some(7.5), Some("a"))),
            [7.5, 0.0, 1.0, 0.0, 0.0]
        );
        assert_eq!(
            enc.encode(&row(Some(1.0), Some("rare"))),
            [1.0, 0.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(
            enc.encode(&row(Some(1.0), Some("never seen"))),
            [1.0, 0.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(
            enc.encode(&FeatureRow::default()),
            [2.0, 1.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(enc.groups(), [0..2, 2..5]);
        assert_eq!(enc.reference(), [2.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn the_encoding_survives_json_and_encodes_identically() {
        let rows: Vec<FeatureRow> = (0..9)
            .map(|i| row(Some(f64::from(i)), Some(["x", "y", "z"][i as usize % 3])))
            .collect();
        let enc = Encoding::fit(&defs(), &rows);
        let back: Encoding = serde_json::from_str(&serde_json::to_string(&enc).unwrap()).unwrap();
        assert_eq!(back, enc);
        for r in &rows {
            assert_eq!(back.encode(r), enc.encode(r));
        }
        assert!(
            !enc.column_names().contains(&"n=missing".to_string()),
            "no missing in training"
        );
    }
}
