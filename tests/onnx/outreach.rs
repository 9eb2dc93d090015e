//! The ONNX outreach backend against scikit-learn: `training/python/export_tabular.py` trains a
//! logistic regression and boosted trees on a generated table (numbers, categories, missing
//! values), the registry loads them, and their probabilities must equal scikit-learn's; a graph
//! that does not match its manifest is refused by name.

use super::helpers::{copy_dir, edit_manifest, environment, python, repo, sha256, unusable};
use instrada::outreach::manifest::FeatureSet;
use instrada::outreach::{
    FeatureDef, FeatureRow, Metrics, OutreachModel, Table, TableSpec, Value, read_csv,
};
use instrada::registry::open_outreach;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// Rows of the generated table, before the empty one appended to it.
const ROWS: usize = 400;

/// The exported models and the table they were trained on.
#[derive(Debug)]
struct Tabular {
    _dir: tempfile::TempDir,
    data: PathBuf,
    /// `(model directory, scikit-learn's probability of each labelled row)` per `--model`.
    models: Vec<(String, PathBuf, Vec<f64>)>,
}

/// The generated table of `ROWS` citizens (numbers with missing values, categories), then one
/// labelled row with every feature missing, so that scikit-learn's probabilities include the
/// one of an empty row (the last).
fn table(path: &Path) {
    let mut csv = instrada::outreach::synthetic::feature_table_csv(ROWS);
    csv.push_str(&format!("{ROWS},,,,,no\n"));
    std::fs::write(path, csv).unwrap();
}

fn export(data: &Path, model: &str, out: &Path, probs: &Path) -> Result<Vec<f64>, String> {
    let status = Command::new(python())
        .arg(repo().join("training/python/export_tabular.py"))
        .arg("--data")
        .arg(data)
        .args([
            "--label-col",
            "repeat",
            "--positive",
            "yes",
            "--id-col",
            "id",
        ])
        .args(["--model", model])
        .arg("--out")
        .arg(out)
        .arg("--dump-probabilities")
        .arg(probs)
        .status()
        .map_err(|e| format!("export_tabular.py: {e}"))?;
    if !status.success() {
        return Err(format!(
            "export_tabular.py --model {model} failed ({status})"
        ));
    }
    let text = std::fs::read_to_string(probs).map_err(|e| e.to_string())?;
    Ok(text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect())
}

/// The exported models; panics, saying how to set the environment up, when it does not work.
fn tabular() -> &'static Tabular {
    static T: OnceLock<Result<Tabular, String>> = OnceLock::new();
    let made = T.get_or_init(|| {
        environment()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("table.csv");
        table(&data);
        let mut models = Vec::new();
        for m in ["logistic", "trees"] {
            let out = dir.path().join(m);
            let p = export(&data, m, &out, &dir.path().join(format!("{m}.csv")))?;
            models.push((m.to_string(), out, p));
        }
        Ok(Tabular {
            _dir: dir,
            data,
            models,
        })
    });
    made.as_ref()
        .unwrap_or_else(|why| panic!("{}", unusable(why)))
}

/// The generated table, read with the model's feature definitions.
fn labelled(t: &Tabular, defs: &[FeatureDef]) -> Table {
    let spec = TableSpec {
        path: t.data.clone(),
        label_col: "repeat".into(),
        positive: Some("yes".into()),
        id_col: Some("id".into()),
        delimiter: None,
    };
    read_csv(&spec, Some(defs)).unwrap()
}

fn rows(t: &Tabular, defs: &[FeatureDef]) -> Vec<FeatureRow> {
    labelled(t, defs).rows
}

/// Why the registry refuses the outreach model in `dir`.
fn refusal(dir: &Path) -> String {
    match open_outreach(dir) {
        Ok(m) => panic!("{} loaded", m.manifest().model_version),
        Err(e) => e.to_string(),
    }
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn outreach_probabilities_equal_scikit_learns() {
    let t = tabular();
    for (kind, dir, sklearn) in &t.models {
        let model: Arc<dyn OutreachModel> = open_outreach(dir).unwrap();
        let rows = rows(t, &model.manifest().features.definitions);
        assert_eq!(rows.len(), sklearn.len());
        assert!(rows.len() >= 300, "{} rows", rows.len());
        let worst = rows
            .iter()
            .zip(sklearn)
            .map(|(r, p)| (model.score(r).unwrap().probability - p).abs())
            .fold(0.0, f64::max);
        println!(
            "{kind}: {} rows, max |ONNX − scikit-learn| = {worst:.2e}",
            rows.len()
        );
        assert!(worst < 1e-5, "{kind}: max difference {worst}");
    }
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn instrada_evaluate_measures_an_exported_model_as_scikit_learn_scored_it() {
    let t = tabular();
    for (kind, dir, sklearn) in &t.models {
        let defs = open_outreach(dir)
            .unwrap()
            .manifest()
            .features
            .definitions
            .clone();
        let labels = labelled(t, &defs).labels;
        let want = Metrics::of(sklearn, &labels);
        let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
            .args(["evaluate", "--model"])
            .arg(dir)
            .arg("--data")
            .arg(&t.data)
            .arg("--json")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{kind}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got["n"], want.n, "{kind}: {got}");
        for (key, value) in [
            ("roc_auc", want.roc_auc),
            ("pr_auc", want.pr_auc),
            ("brier", want.brier),
        ] {
            let v = got[key].as_f64().unwrap();
            assert!((v - value).abs() < 1e-5, "{kind} {key}: {v} vs {value}");
        }
    }
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn outreach_reasons_are_the_features_that_raise_the_score() {
    let t = tabular();
    let (_, dir, _) = &t.models[0];
    let model = open_outreach(dir).unwrap();
    let mut row = FeatureRow::default();
    row.set("age", Value::Num(85.0));
    row.set("income", Value::Missing);
    row.set("plan", Value::Cat("pro".into()));
    row.set("channel", Value::Cat("never-seen".into()));
    let s = model.score(&row).unwrap();
    assert!(s.probability > 0.5, "{s:?}");
    let names: Vec<&str> = s.reasons.iter().map(|r| r.feature.as_str()).collect();
    assert!(
        names.contains(&"age") && names.contains(&"plan"),
        "{names:?}"
    );
    assert!(
        s.reasons
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
    let plan = s.reasons.iter().find(|r| r.feature == "plan").unwrap();
    assert_eq!(
        (plan.it.as_str(), plan.en.as_str()),
        ("plan: pro", "plan: pro")
    );
    // An empty row is every imputed value: it scores as scikit-learn scored the table's row
    // with every cell blank (the last).
    let empty = model.score(&FeatureRow::default()).unwrap();
    let sklearn = t.models[0].2.last().unwrap();
    assert!(
        (empty.probability - sklearn).abs() < 1e-5,
        "{} vs scikit-learn's {sklearn}",
        empty.probability
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_manifest_feature_the_graph_lacks_is_refused_by_name() {
    let t = tabular();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("outreach");
    copy_dir(&t.models[0].1, &model);
    edit_manifest(&model, |m| {
        let extra = FeatureDef::column("district", instrada::outreach::Kind::Categorical);
        let mut defs: Vec<FeatureDef> =
            serde_json::from_value(m["features"]["definitions"].clone()).unwrap();
        defs.push(extra);
        // With its hash and encoding updated: what gets refused is the graph.
        m["features"]["sha256"] = FeatureSet::hash(&defs, None).into();
        m["features"]["definitions"] = serde_json::to_value(&defs).unwrap();
        m["encoding"]["columns"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"kind": "categorical", "name": "district", "levels": []}));
    });
    let e = refusal(&model);
    assert!(
        e.contains("model.onnx") && e.contains("no input `district`"),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn an_outreach_graph_that_is_not_onnx_is_refused_by_name() {
    let t = tabular();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("outreach");
    copy_dir(&t.models[1].1, &model);
    let junk = b"not an onnx graph".to_vec();
    std::fs::write(model.join("model.onnx"), &junk).unwrap();
    edit_manifest(&model, |m| m["files"]["model.onnx"] = sha256(&junk).into());
    let e = refusal(&model);
    assert!(
        e.contains("model.onnx") && e.contains("not a usable ONNX model"),
        "{e}"
    );
    // Truncated, with the checksum as exported: refused before the graph is read.
    copy_dir(&t.models[1].1, &model);
    let bytes = std::fs::read(model.join("model.onnx")).unwrap();
    std::fs::write(model.join("model.onnx"), &bytes[..bytes.len() / 2]).unwrap();
    let e = refusal(&model);
    assert!(e.contains("model.onnx") && e.contains("checksum"), "{e}");
}
