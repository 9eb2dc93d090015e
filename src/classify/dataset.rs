//! Labelled examples from CSV/TSV or JSON Lines, with errors that name the file and line.
//!
//! The file is read once into memory (training files are megabytes): its SHA-256 goes into the
//! model manifest, so a model can always be traced back to the exact data it was trained on.
//!
//! A leaf of `classify`: imports no other file of it (only `crate::digest`), so that training,
//! evaluation and the store's export can all read data.

use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What to read from a file.
#[derive(Debug, Clone)]
pub struct DataSpec {
    /// The file (`.csv`, `.tsv`, `.jsonl`/`.ndjson`).
    pub path: PathBuf,
    /// Text columns, joined with a newline (e.g. `title,body`). Default: `text`.
    pub text_cols: Vec<String>,
    /// Label column; when `None`, the first of `label_fallbacks` present in the file.
    pub label_col: Option<String>,
    /// Label columns to try when none is given (e.g. `topic`, then `label`).
    pub label_fallbacks: Vec<String>,
    /// Field delimiter for CSV; default `,` (`\t` for `.tsv`).
    pub delimiter: Option<u8>,
    /// Skip malformed rows (ragged, bad UTF-8, bad JSON) with a warning instead of failing.
    pub skip_bad_rows: bool,
    /// Renames labels on reading, e.g. `0 → critical`.
    pub label_map: HashMap<String, String>,
}

impl DataSpec {
    /// A spec with the defaults: text column `text`, label column `label`, comma-separated.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            text_cols: vec!["text".into()],
            label_col: None,
            label_fallbacks: vec!["label".into()],
            delimiter: None,
            skip_bad_rows: false,
            label_map: HashMap::new(),
        }
    }
}

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The request text.
    pub text: String,
    /// Its label.
    pub label: String,
    /// 1-based line in the file where its record starts (the header is line 1 in CSV).
    pub line: u64,
}

/// A loaded dataset and what was left out of it.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    /// The examples, in file order.
    #[serde(skip)]
    pub examples: Vec<Example>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file name (no directories: manifests should not carry local paths).
    pub file: String,
    /// Text columns used.
    pub text_columns: Vec<String>,
    /// Label column used.
    pub label_column: String,
    /// Lines skipped because their text was empty.
    pub skipped_empty_text: Vec<u64>,
    /// Lines skipped as malformed (only with `skip_bad_rows`), with the reason.
    pub skipped_bad: Vec<(u64, String)>,
}

/// Why a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A requested column is not in the header.
    #[error("{path}: no column `{column}` (columns are: {available})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns the file has.
        available: String,
    },
    /// A row has an empty label.
    #[error("{path}:{line}: empty label in column `{column}`")]
    EmptyLabel {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// The label column.
        column: String,
    },
    /// A row has a different number of fields from the header.
    #[error(
        "{path}:{line}: row has {found} fields, the header has {expected} (use --skip-bad-rows to skip such rows)"
    )]
    Ragged {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// Fields in the header.
        expected: u64,
        /// Fields in the row.
        found: u64,
    },
    /// A row is not valid UTF-8.
    #[error("{path}:{line}: invalid UTF-8 (save the file as UTF-8, or use --skip-bad-rows)")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
    },
    /// Another parse error.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// No usable row.
    #[error("{path}: no labelled rows with text")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads the examples `spec` describes.
pub fn load(spec: &DataSpec) -> Result<Loaded, DatasetError> {
    let path = &spec.path;
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Open {
        path: path.clone(),
        source,
    })?;
    let sha256 = crate::digest::sha256_hex(&bytes);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut loaded = Loaded {
        examples: Vec::new(),
        sha256,
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        text_columns: spec.text_cols.clone(),
        label_column: String::new(),
        skipped_empty_text: Vec::new(),
        skipped_bad: Vec::new(),
    };
    match ext.as_str() {
        "jsonl" | "ndjson" => read_jsonl(spec, &bytes, &mut loaded)?,
        _ => {
            let delim = spec
                .delimiter
                .unwrap_or(if ext == "tsv" { b'\t' } else { b',' });
            read_csv(spec, &bytes, delim, &mut loaded)?
        }
    }
    if loaded.examples.is_empty() {
        return Err(DatasetError::Empty { path: path.clone() });
    }
    Ok(loaded)
}

fn pick_label_col(spec: &DataSpec, header: &[&str]) -> Result<String, DatasetError> {
    if let Some(c) = &spec.label_col {
        return Ok(c.clone());
    }
    spec.label_fallbacks
        .iter()
        .find(|c| header.contains(&c.as_str()))
        .cloned()
        .ok_or_else(|| DatasetError::MissingColumn {
            path: spec.path.clone(),
            column: spec.label_fallbacks.join("` or `"),
            available: header.join(", "),
        })
}

fn column_index(spec: &DataSpec, header: &[&str], col: &str) -> Result<usize, DatasetError> {
    header
        .iter()
        .position(|h| *h == col)
        .ok_or_else(|| DatasetError::MissingColumn {
            path: spec.path.clone(),
            column: col.to_string(),
            available: header.join(", "),
        })
}

/// Adds one example or records why it was left out.
fn push_example(
    spec: &DataSpec,
    out: &mut Loaded,
    texts: Vec<&str>,
    label: &str,
    line: u64,
) -> Result<(), DatasetError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(DatasetError::EmptyLabel {
            path: spec.path.clone(),
            line,
            column: out.label_column.clone(),
        });
    }
    let text = texts
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if text.is_empty() {
        out.skipped_empty_text.push(line);
        return Ok(());
    }
    let label = spec
        .label_map
        .get(label)
        .map_or(label, String::as_str)
        .to_string();
    out.examples.push(Example { text, label, line });
    Ok(())
}

fn read_csv(
    spec: &DataSpec,
    bytes: &[u8],
    delim: u8,
    out: &mut Loaded,
) -> Result<(), DatasetError> {
    let path = &spec.path;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(false)
        .from_reader(bytes);
    let header = rdr.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let header: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    out.label_column = pick_label_col(spec, &header_refs)?;
    let label_idx = column_index(spec, &header_refs, &out.label_column)?;
    let text_idx = spec
        .text_cols
        .iter()
        .map(|c| column_index(spec, &header_refs, c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let err = csv_error(path, e);
                if spec.skip_bad_rows {
                    out.skipped_bad.push((line, err.to_string()));
                    continue;
                }
                return Err(err);
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| std::str::from_utf8(record.get(i).unwrap_or_default());
        let parsed: Result<(Vec<&str>, &str), _> = text_idx
            .iter()
            .map(|&i| field(i))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|t| Ok((t, field(label_idx)?)));
        match parsed {
            Ok((texts, label)) => push_example(spec, out, texts, label, line)?,
            Err(_) if spec.skip_bad_rows => out.skipped_bad.push((line, "invalid UTF-8".into())),
            Err(_) => {
                return Err(DatasetError::InvalidUtf8 {
                    path: path.clone(),
                    line,
                });
            }
        }
    }
    Ok(())
}

fn csv_error(path: &Path, e: csv::Error) -> DatasetError {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len,
            len,
            pos,
        } => DatasetError::Ragged {
            path: path.to_path_buf(),
            line: pos.as_ref().map_or(line, |p| p.line()),
            expected: *expected_len,
            found: *len,
        },
        csv::ErrorKind::Utf8 { pos, .. } => DatasetError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: pos.as_ref().map_or(line, |p| p.line()),
        },
        csv::ErrorKind::Io(err) => DatasetError::Parse {
            path: path.to_path_buf(),
            line,
            message: err.to_string(),
        },
        _ => DatasetError::Parse {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        },
    }
}

fn read_jsonl(spec: &DataSpec, bytes: &[u8], out: &mut Loaded) -> Result<(), DatasetError> {
    let path = &spec.path;
    let mut label_col: Option<String> = None;
    for (n, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = n as u64 + 1;
        let bad = |message: String| DatasetError::Parse {
            path: path.clone(),
            line,
            message,
        };
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t.trim(),
            Err(_) if spec.skip_bad_rows => {
                out.skipped_bad.push((line, "invalid UTF-8".into()));
                continue;
            }
            Err(_) => {
                return Err(DatasetError::InvalidUtf8 {
                    path: path.clone(),
                    line,
                });
            }
        };
        if text.is_empty() {
            continue;
        }
        let obj = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
            Ok(o) => o,
            Err(e) if spec.skip_bad_rows => {
                out.skipped_bad.push((line, e.to_string()));
                continue;
            }
            Err(e) => return Err(bad(format!("not a JSON object: {e}"))),
        };
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let lc = match &label_col {
            Some(c) => c.clone(),
            None => {
                let c = pick_label_col(spec, &keys)?;
                out.label_column = c.clone();
                label_col = Some(c.clone());
                c
            }
        };
        let as_text = |key: &str| -> Result<String, DatasetError> {
            match obj.get(key) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(serde_json::Value::Null) => Ok(String::new()),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    Ok(v.to_string())
                }
                Some(_) => Err(bad(format!("field `{key}` is not a string"))),
                None => Err(DatasetError::MissingColumn {
                    path: path.clone(),
                    column: format!("{key}` (line {line})`"),
                    available: keys.join(", "),
                }),
            }
        };
        let texts = spec
            .text_cols
            .iter()
            .map(|c| as_text(c))
            .collect::<Result<Vec<_>, _>>()?;
        let label = as_text(&lc)?;
        push_example(
            spec,
            out,
            texts.iter().map(String::as_str).collect(),
            &label,
            line,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(content)
            .unwrap();
        (dir, p)
    }

    fn spec(p: &Path) -> DataSpec {
        DataSpec {
            label_fallbacks: vec!["topic".into(), "label".into()],
            ..DataSpec::new(p)
        }
    }

    #[test]
    fn reads_csv_with_quotes_and_fallback_label() {
        let (_d, p) = file(
            "a.csv",
            b"text,label\n\"ciao, mondo\",saluti\n\"riga\nsu due\",altro\n",
        );
        let l = load(&spec(&p)).unwrap();
        assert_eq!(l.label_column, "label");
        assert_eq!(l.examples.len(), 2);
        assert_eq!(l.examples[0].text, "ciao, mondo");
        assert_eq!(
            l.examples[1],
            Example {
                text: "riga\nsu due".into(),
                label: "altro".into(),
                line: 3
            }
        );
        assert_eq!(l.sha256.len(), 64);
    }

    #[test]
    fn joins_text_columns_and_maps_labels() {
        let (_d, p) = file(
            "t.csv",
            b"title,body,urgency\nOggetto,Corpo,0\n,solo corpo,3\n",
        );
        let mut s = spec(&p);
        s.text_cols = vec!["title".into(), "body".into()];
        s.label_col = Some("urgency".into());
        s.label_map = [("0".to_string(), "critical".to_string())].into();
        let l = load(&s).unwrap();
        assert_eq!(l.examples[0].text, "Oggetto\nCorpo");
        assert_eq!(l.examples[0].label, "critical");
        assert_eq!(l.examples[1].label, "3");
    }

    #[test]
    fn missing_column_names_file_and_columns() {
        let (_d, p) = file("m.csv", b"testo,etichetta\na,b\n");
        let e = load(&spec(&p)).unwrap_err().to_string();
        assert!(
            e.contains("m.csv")
                && e.contains("no column `topic` or `label`")
                && e.contains("testo, etichetta"),
            "{e}"
        );
    }

    #[test]
    fn empty_label_names_the_line() {
        let (_d, p) = file("e.csv", b"text,label\nuno,a\ndue,\n");
        let e = load(&spec(&p)).unwrap_err().to_string();
        assert!(e.contains("e.csv:3: empty label"), "{e}");
    }

    #[test]
    fn ragged_row_names_the_line_or_is_skipped() {
        let (_d, p) = file("r.csv", b"text,label\nuno,a\ndue,b,extra\ntre,c\n");
        let e = load(&spec(&p)).unwrap_err().to_string();
        assert!(
            e.contains("r.csv:3: row has 3 fields, the header has 2"),
            "{e}"
        );
        let mut s = spec(&p);
        s.skip_bad_rows = true;
        let l = load(&s).unwrap();
        assert_eq!(l.examples.len(), 2);
        assert_eq!(l.skipped_bad.len(), 1);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let (_d, p) = file("u.csv", b"text,label\nuno,a\nd\xffe,b\n");
        let e = load(&spec(&p)).unwrap_err().to_string();
        assert!(e.contains("u.csv:3: invalid UTF-8"), "{e}");
    }

    #[test]
    fn empty_text_rows_are_skipped_and_counted() {
        let (_d, p) = file("s.csv", b"text,label\n   ,a\nok,b\n");
        let l = load(&spec(&p)).unwrap();
        assert_eq!(l.examples.len(), 1);
        assert_eq!(l.skipped_empty_text, vec![2]);
    }

    #[test]
    fn reads_jsonl_and_reports_bad_lines() {
        let (_d, p) = file(
            "j.jsonl",
            b"{\"text\": \"uno\", \"topic\": \"a\"}\n\n{\"text\": \"due\", \"topic\": 3}\n",
        );
        let l = load(&spec(&p)).unwrap();
        assert_eq!(l.examples.len(), 2);
        assert_eq!(l.examples[1].label, "3");
        let (_d2, p2) = file("k.jsonl", b"{\"text\": \"uno\", \"topic\": \"a\"}\n{oops\n");
        let e = load(&spec(&p2)).unwrap_err().to_string();
        assert!(e.contains("k.jsonl:2: not a JSON object"), "{e}");
    }

    #[test]
    fn missing_file_and_empty_file() {
        let e = load(&spec(Path::new("/nonexistent/x.csv")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read /nonexistent/x.csv"), "{e}");
        let (_d, p) = file("h.csv", b"text,label\n");
        assert!(matches!(load(&spec(&p)), Err(DatasetError::Empty { .. })));
    }
}
