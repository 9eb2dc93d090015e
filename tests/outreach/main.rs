//! Black-box tests of the outreach commands: `instrada train outreach` on a small CSV written
//! here, `instrada evaluate` of the model, the store path (`import events` of a synthetic history,
//! `train outreach --from-store`, `backtest outreach`), and bad input refused by name.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs instrada in `dir` (no ./instrada.toml there: the built-in settings), its store in `dir`.
fn instrada(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("INSTRADA__STORE__PATH", dir.join("instrada.db"))
        .env("INSTRADA__STORE__PSEUDONYM_KEY", dir.join("pseudonym.key"))
        .output()
        .expect("instrada runs")
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A table where `calls` and an `open` case raise the risk; ages are sometimes missing.
fn table(dir: &Path, n: usize, seed: u64) -> std::path::PathBuf {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut csv = String::from("id,calls,age,case,churn\n");
    for i in 0..n {
        let calls = rng.u8(0..8);
        let open = rng.bool();
        let logit = 0.9 * f64::from(calls) - 3.5 + if open { 1.2 } else { 0.0 };
        let y = rng.f64() < 1.0 / (1.0 + (-logit).exp());
        let age = if i % 9 == 0 {
            String::new()
        } else {
            rng.u8(18..90).to_string()
        };
        let case = if open { "open" } else { "closed" };
        csv.push_str(&format!(
            "c{i},{calls},{age},{case},{}\n",
            if y { "Yes" } else { "No" }
        ));
    }
    let path = dir.join(format!("table{seed}.csv"));
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn a_table_model_is_trained_evaluated_and_refused_when_broken() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train = table(d, 600, 1);
    let test = table(d, 300, 2);
    let out = d.join("model");
    let args = [
        "train",
        "outreach",
        "--data",
        train.to_str().unwrap(),
        "--label-col",
        "churn",
        "--positive",
        "yes",
        "--id-col",
        "id",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    let v: Value = serde_json::from_str(&ok(&instrada(d, &args))).unwrap();
    let candidates = v["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2, "auto compares both kinds: {v}");
    let best = candidates
        .iter()
        .max_by(|a, b| {
            a["metrics"]["roc_auc"]
                .as_f64()
                .partial_cmp(&b["metrics"]["roc_auc"].as_f64())
                .unwrap()
        })
        .unwrap();
    assert_eq!(v["chosen"], best["backend"]);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "outreach");
    let names: Vec<&str> = manifest["features"]["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["calls", "age", "case"],
        "the id and the label are not features"
    );
    assert!(
        std::fs::read_to_string(out.join("MODEL_CARD.md"))
            .unwrap()
            .contains("never decides")
    );

    let eval = [
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
        "--json",
    ];
    let m: Value = serde_json::from_str(&ok(&instrada(d, &eval))).unwrap();
    for key in [
        "roc_auc",
        "pr_auc",
        "brier",
        "top_decile_precision",
        "positive_rate",
    ] {
        assert!(m[key].is_f64(), "{key} in {m}");
    }
    assert_eq!(m["n"], 300);
    assert!(m["roc_auc"].as_f64().unwrap() > 0.75, "{m}");

    // A table without one of the model's columns is still scored (missing values), and says so.
    let nocalls = d.join("nocalls.csv");
    std::fs::write(&nocalls, "age,case,churn\n40,open,Yes\n30,closed,No\n").unwrap();
    let eval = [
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        nocalls.to_str().unwrap(),
        "--json",
    ];
    let res = instrada(d, &eval);
    ok(&res);
    assert!(String::from_utf8_lossy(&res.stderr).contains("`calls` absent"));

    let weights = out.join("weights.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&weights, bytes).unwrap();
    let eval = [
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
    ];
    let res = instrada(d, &eval);
    assert!(!res.status.success());
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("weights.safetensors") && err.contains("checksum"),
        "{err}"
    );
}

#[test]
fn bad_tables_are_refused_with_a_reason_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("one.csv"),
        "x,y\n1,no\n2,no\n3,no\n4,no\n5,no\n6,no\n",
    )
    .unwrap();
    let out = d.join("m").to_str().unwrap().to_string();
    let run = |file: &str, label: &str| {
        let res = instrada(
            d,
            &[
                "train",
                "outreach",
                "--data",
                file,
                "--label-col",
                label,
                "--out",
                &out,
            ],
        );
        assert!(!res.status.success());
        let err = String::from_utf8_lossy(&res.stderr).into_owned();
        assert!(!err.contains("panicked"), "{err}");
        err
    };
    let one = d.join("one.csv");
    assert!(run(one.to_str().unwrap(), "y").contains("0 positive and 6 negative"));
    assert!(run(one.to_str().unwrap(), "label").contains("no label column `label`"));
    assert!(run(d.join("absent.csv").to_str().unwrap(), "y").contains("absent.csv"));
}

#[test]
fn a_synthetic_history_is_imported_trained_on_and_backtested() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let events = instrada::outreach::synthetic::generate(1500, 5, end);
    let csv = d.join("history.csv");
    instrada::outreach::synthetic::write_csv(&events, std::fs::File::create(&csv).unwrap())
        .unwrap();
    ok(&instrada(
        d,
        &[
            "import",
            "events",
            csv.to_str().unwrap(),
            "--map",
            "deadline=attributes.deadline",
        ],
    ));

    let out = d.join("store-model");
    let args = [
        "train",
        "outreach",
        "--from-store",
        "--label",
        "repeat_contact_30d",
        "--as-of",
        "2026-09-01",
        "--out",
        out.to_str().unwrap(),
    ];
    let text = ok(&instrada(d, &args));
    assert!(text.contains("(kept)"), "{text}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["label"]["name"], "repeat_contact_30d");
    assert_eq!(manifest["features"]["spec"]["repeat_days"], 14);

    let res = instrada(d, &["backtest", "outreach", "--json"]);
    let r: Value = serde_json::from_str(&ok(&res)).unwrap();
    assert_eq!(
        r["cutoff"].as_str().unwrap().get(..10),
        Some("2026-10-01"),
        "30 days before the last event: {}",
        r["cutoff"]
    );
    let auc = r["metrics"]["roc_auc"].as_f64().unwrap();
    assert!(auc > 0.75, "the following 30 days are predicted: {auc}");
    assert!(r["train_rows"].as_u64().unwrap() > 1000);

    let bad = instrada(d, &["backtest", "outreach", "--label", "churn"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("`churn` is not one of repeat_contact_30d")
    );
    outreach_commands(d, &out);
}

/// `instrada outreach optout|score --all|list|review|report` on the imported store.
fn outreach_commands(d: &Path, model: &Path) {
    let json = |args: &[&str]| -> Value { serde_json::from_str(&ok(&instrada(d, args))).unwrap() };
    assert_eq!(json(&["outreach", "optout", "CIT000001"])["new"], true);
    let m = model.to_str().unwrap();
    let at = "2026-10-31T12:00:00Z";
    let run = json(&["outreach", "score", "--all", "--model", m, "--as-of", at]);
    assert_eq!(run["advisory"], true);
    assert_eq!(run["opted_out"], 1, "{run}");
    assert!(run["scored"].as_u64().unwrap() > 1000, "{run}");
    let list = json(&["outreach", "list", "--limit", "5"]);
    let flags = list["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 5, "{list}");
    let scores: Vec<f64> = flags.iter().map(|f| f["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let id = flags[0]["flag_id"].as_str().unwrap().to_string();
    let args = [
        "outreach",
        "review",
        &id,
        "--status",
        "not_needed",
        "--reviewer",
        "x",
    ];
    assert_eq!(json(&args)["status"], "not_needed");
    let after = json(&["outreach", "list", "--limit", "5"]);
    assert_ne!(
        after["flags"][0]["flag_id"],
        id.as_str(),
        "reviewed: out of the list"
    );
    let report = json(&["outreach", "report"]);
    let phone = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["dimension"] == "channel" && g["value"] == "phone")
        .cloned()
        .unwrap_or_default();
    assert!(phone["scored"].as_u64().unwrap_or(0) > 100, "{report}");
    let bad = instrada(
        d,
        &[
            "outreach",
            "review",
            &id,
            "--status",
            "ok",
            "--reviewer",
            "x",
        ],
    );
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("`status` must be one of contacted, dismissed, not_needed, not `ok`")
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data")]
fn the_churn_proxy_reaches_the_bar_with_the_logistic_regression() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/outreach/telco-churn/ibm_telco.csv");
    let spec = instrada::outreach::TableSpec {
        path: data,
        label_col: "churn".into(),
        positive: Some("Yes".into()),
        id_col: Some("rownames".into()),
        delimiter: None,
    };
    let table = instrada::outreach::read_csv(&spec, None).unwrap();
    let label = instrada::outreach::manifest::LabelInfo {
        name: "churn".into(),
        positive: None,
        as_of: None,
    };
    let params = instrada::outreach::OutreachParams::new("churn")
        .model(instrada::outreach::ModelChoice::Logistic);
    let model = params.check().unwrap().fit(&table, None, label).unwrap();
    use instrada::outreach::OutreachModel;
    let q = model.manifest().validation.candidates[0].metrics;
    assert!(q.roc_auc >= 0.845, "5-fold ROC AUC {}", q.roc_auc);
    assert!(q.top_decile_precision >= 0.74, "{q:?}");
}
