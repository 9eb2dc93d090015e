//! A labelled table of features: from a CSV file (any columns, `instrada train outreach --data`)
//! or from the store's histories ([`super::dataset`]).
//!
//! Reading a CSV: a column is numeric when every value that is not missing parses as a number
//! (`,` as the decimal separator too), categorical otherwise; [`MISSING`] markers and blanks are
//! missing. A column with no value at all is left out (and said so in [`Table::notes`]); the id
//! column, if named, is kept apart; rows with a missing label are skipped. When the definitions are
//! given (evaluating a model), each column is read as the model's kind, and a column the file
//! lacks is missing in every row (said so in the notes).

use super::OutreachError;
use super::row::{FeatureDef, FeatureRow, Kind, Value};
use crate::digest::sha256_hex;
use std::path::{Path, PathBuf};

/// Values read as missing (case-insensitive, trimmed), besides the empty string.
pub const MISSING: [&str; 7] = ["na", "n/a", "nan", "null", "none", "?", "-"];
/// Labels read as positive when no `--positive` is given (case-insensitive).
pub const DEFAULT_POSITIVE: [&str; 3] = ["yes", "true", "1"];

/// Where a table comes from and how to read its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The CSV file.
    pub path: PathBuf,
    /// The label column.
    pub label_col: String,
    /// The positive label (case-insensitive). Default: yes, true or 1.
    pub positive: Option<String>,
    /// An id column, kept apart from the features.
    pub id_col: Option<String>,
    /// Field delimiter. Default `,` (tab for `.tsv`).
    pub delimiter: Option<u8>,
}

/// Labelled rows and the definitions of their features.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The features, in column order.
    pub defs: Vec<FeatureDef>,
    /// One row per example.
    pub rows: Vec<FeatureRow>,
    /// Whether each row is positive.
    pub labels: Vec<bool>,
    /// Each row's id (its line number when there is no id column).
    pub ids: Vec<String>,
    /// File name, or a description of the store query.
    pub source: String,
    /// SHA-256 of the file (or of the store rows' ids and labels).
    pub sha256: String,
    /// What reading left out or assumed, one line each.
    pub notes: Vec<String>,
}

impl Table {
    /// Rows that are positive.
    pub fn positives(&self) -> usize {
        self.labels.iter().filter(|l| **l).count()
    }
}

fn is_missing(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || MISSING.iter().any(|m| v.eq_ignore_ascii_case(m))
}

fn parse_number(v: &str) -> Option<f64> {
    let v = v.trim();
    v.parse::<f64>()
        .or_else(|_| v.replace(',', ".").parse::<f64>())
        .ok()
        .filter(|x| x.is_finite())
}

fn is_positive(v: &str, positive: Option<&str>) -> bool {
    let v = v.trim();
    match positive {
        Some(p) => v.eq_ignore_ascii_case(p.trim()),
        None => DEFAULT_POSITIVE.iter().any(|p| v.eq_ignore_ascii_case(p)),
    }
}

/// Reads the CSV of `spec`; with `defs`, reads the columns a model was trained on.
pub fn read_csv(spec: &TableSpec, defs: Option<&[FeatureDef]>) -> Result<Table, OutreachError> {
    let path = &spec.path;
    let bytes = std::fs::read(path).map_err(|source| OutreachError::Io {
        path: path.clone(),
        source,
    })?;
    let bad = |message: String| OutreachError::Data {
        path: path.clone(),
        message,
    };
    let tsv = path.extension().is_some_and(|e| e == "tsv");
    let delimiter = spec.delimiter.unwrap_or(if tsv { b'\t' } else { b',' });
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| headers.iter().position(|h| h == name);
    let label_at = find(&spec.label_col).ok_or_else(|| {
        bad(format!(
            "no label column `{}` (columns: {})",
            spec.label_col,
            headers.join(", ")
        ))
    })?;
    let id_at = match &spec.id_col {
        Some(c) => Some(find(c).ok_or_else(|| bad(format!("no id column `{c}`")))?),
        None => None,
    };
    let mut cells: Vec<Vec<String>> = Vec::new();
    let (mut labels, mut ids, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let mut unlabelled = 0usize;
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
        let label = rec.get(label_at).unwrap_or("");
        if is_missing(label) {
            unlabelled += 1;
            continue;
        }
        labels.push(is_positive(label, spec.positive.as_deref()));
        ids.push(
            id_at
                .and_then(|k| rec.get(k))
                .map_or_else(|| (i + 2).to_string(), str::to_string),
        );
        cells.push(rec.iter().map(str::to_string).collect());
    }
    if unlabelled > 0 {
        notes.push(format!("{unlabelled} rows without a label skipped"));
    }
    let features: Vec<usize> = (0..headers.len())
        .filter(|k| *k != label_at && Some(*k) != id_at)
        .collect();
    let defs = match defs {
        Some(d) => d.to_vec(),
        None => detect(&headers, &features, &cells, &mut notes),
    };
    let rows = cells
        .iter()
        .map(|cells| {
            let mut row = FeatureRow::default();
            for d in &defs {
                let Some(raw) = find(&d.name).and_then(|k| cells.get(k)) else {
                    continue;
                };
                let v = match (is_missing(raw), d.kind) {
                    (true, _) => Value::Missing,
                    (false, Kind::Numeric) => Value::num(parse_number(raw)),
                    (false, Kind::Categorical) => Value::Cat(raw.trim().to_string()),
                };
                row.set(&d.name, v);
            }
            row
        })
        .collect();
    for d in &defs {
        if find(&d.name).is_none() {
            notes.push(format!("column `{}` absent: missing in every row", d.name));
        }
    }
    Ok(Table {
        defs,
        rows,
        labels,
        ids,
        source: file_name(path),
        sha256: sha256_hex(&bytes),
        notes,
    })
}

/// The kind of each feature column; columns with no value are left out.
fn detect(
    headers: &[String],
    features: &[usize],
    cells: &[Vec<String>],
    notes: &mut Vec<String>,
) -> Vec<FeatureDef> {
    let mut defs = Vec::new();
    for &k in features {
        let present: Vec<&str> = cells
            .iter()
            .filter_map(|c| c.get(k).map(String::as_str))
            .filter(|v| !is_missing(v))
            .collect();
        if present.is_empty() {
            notes.push(format!("column `{}` has no values: left out", headers[k]));
            continue;
        }
        let numeric = present.iter().all(|v| parse_number(v).is_some());
        let kind = if numeric {
            Kind::Numeric
        } else {
            Kind::Categorical
        };
        defs.push(FeatureDef::column(&headers[k], kind));
    }
    defs
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn columns_are_detected_and_labels_ids_and_missing_values_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "id,age,plan,empty,churn\na1,30,basic,,Yes\na2,NA,premium,,no\na3,\"4,5\",basic,,\na4,41,,,TRUE\n",
        );
        let spec = TableSpec {
            path,
            label_col: "churn".into(),
            positive: None,
            id_col: Some("id".into()),
            delimiter: None,
        };
        let t = read_csv(&spec, None).unwrap();
        assert_eq!(
            t.defs,
            [
                FeatureDef::column("age", Kind::Numeric),
                FeatureDef::column("plan", Kind::Categorical)
            ]
        );
        assert_eq!(t.labels, [true, false, true]);
        assert_eq!(t.ids, ["a1", "a2", "a4"]);
        assert_eq!(t.rows[1].get("age"), &Value::Missing);
        assert_eq!(t.rows[2].get("plan"), &Value::Missing);
        assert_eq!(t.notes.len(), 2, "{:?}", t.notes);
        let only_yes = TableSpec {
            positive: Some("yes".into()),
            ..spec.clone()
        };
        assert_eq!(
            read_csv(&only_yes, None).unwrap().labels,
            [true, false, false]
        );
        let model_defs = [
            FeatureDef::column("age", Kind::Numeric),
            FeatureDef::column("income", Kind::Numeric),
        ];
        let t = read_csv(&spec, Some(&model_defs)).unwrap();
        assert_eq!(t.rows[0].get("income"), &Value::Missing);
        assert!(t.notes.iter().any(|n| n.contains("`income` absent")));
        let no_label = TableSpec {
            label_col: "nope".into(),
            ..spec
        };
        assert!(
            read_csv(&no_label, None)
                .unwrap_err()
                .to_string()
                .contains("no label column `nope`")
        );
    }
}
