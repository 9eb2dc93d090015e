//! Quality and training-time benchmarks on the public datasets in `../shared/data`.
//!
//! `cargo run --release --example benchmarks [DATA_DIR]` prints the Markdown table in README.md.
//! Every figure is measured on data the model did not train on: CLINC150's own validation file,
//! or a stratified 20 % hold-out (seed 42) of the other datasets.

use instrada::classify::dataset::{DataSpec, Example, load};
use instrada::classify::eval::{EvalReport, evaluate};
use instrada::classify::model::LinearClassifier;
use instrada::classify::train::{
    ClassWeight, TrainParams, Trained, Validation, decide, stratified_folds,
};
use instrada::label::UNKNOWN;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

fn spec(path: PathBuf, text: &[&str], label: &str) -> DataSpec {
    DataSpec {
        text_cols: text.iter().map(|s| s.to_string()).collect(),
        label_col: Some(label.into()),
        skip_bad_rows: true,
        ..DataSpec::new(path)
    }
}

/// Stratified 80/20 split of `examples` by label.
fn split(examples: &[Example]) -> (Vec<Example>, Vec<Example>) {
    let labels: Vec<&String> = examples
        .iter()
        .map(|e| &e.label)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let y: Vec<u32> = examples
        .iter()
        .map(|e| labels.binary_search(&&e.label).unwrap_or(0) as u32)
        .collect();
    let (train, test) = &stratified_folds(&y, labels.len(), Validation::Holdout(0.2), 42)[0];
    (
        train.iter().map(|&i| examples[i].clone()).collect(),
        test.iter().map(|&i| examples[i].clone()).collect(),
    )
}

fn fit(params: TrainParams, train: &[Example]) -> (Trained, f64) {
    let t0 = Instant::now();
    let trained = params
        .check()
        .expect("valid parameters")
        .fit(train, &|_, _, _| {})
        .expect("training succeeds");
    (trained, t0.elapsed().as_secs_f64())
}

fn predict(t: &Trained, test: &[Example]) -> Vec<String> {
    test.par_iter()
        .map(|e| {
            let (p, _) = t.model.probabilities(&e.text);
            decide(&p, t.unknown_threshold, t.oos_class)
                .map_or(UNKNOWN.to_string(), |c| t.model.labels[c].clone())
        })
        .collect()
}

fn report(t: &Trained, test: &[Example], oos: Option<&str>) -> EvalReport {
    let gold: Vec<String> = test.iter().map(|e| e.label.clone()).collect();
    evaluate(&gold, &predict(t, test), oos)
}

fn main() {
    let data = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data".into()),
    );
    if !data.is_dir() {
        eprintln!(
            "no dataset directory at {}: nothing to measure",
            data.display()
        );
        return;
    }
    println!(
        "| dataset | task | measure | instrada | train time | texts/s (2 threads) |\n|---|---|---|---|---|---|"
    );
    let row = |d: &str, task: &str, m: String, secs: f64, tps: f64| {
        println!("| {d} | {task} | {m} | {secs:.1} s | {tps:.0} |")
    };

    // CLINC150: train.csv → val.csv, out-of-scope label `oos`.
    let clinc = data.join("intents/clinc150");
    if let (Ok(train), Ok(val)) = (
        load(&spec(clinc.join("train.csv"), &["text"], "label")),
        load(&spec(clinc.join("val.csv"), &["text"], "label")),
    ) {
        let params = TrainParams::default().oos_label(Some("oos".into()));
        let (t, secs) = fit(params, &train.examples);
        let t0 = Instant::now();
        let r = report(&t, &val.examples, Some("oos"));
        let tps = val.examples.len() as f64 / t0.elapsed().as_secs_f64();
        row(
            "CLINC150 (val)",
            "intent + out-of-scope",
            format!(
                "in-scope acc {:.2} %, OOS recall {:.3}",
                100.0 * r.in_scope_accuracy.unwrap_or(0.0),
                r.oos_recall.unwrap_or(0.0)
            ),
            secs,
            tps,
        );
        let tmp = tempdir_model(&t);
        let c = LinearClassifier::load(tmp.path()).expect("reload");
        eprintln!(
            "CLINC150 model: {} features × {} labels, ~{:.1} MB in memory",
            t.model.vectorizer.vocab.len(),
            t.model.labels.len(),
            c.memory_bytes() as f64 / 1e6
        );
    }
    // BANKING77: stratified 20 % hold-out.
    if let Ok(all) = load(&spec(
        data.join("intents/banking77/train.csv"),
        &["text"],
        "category",
    )) {
        let (train, test) = split(&all.examples);
        let (t, secs) = fit(TrainParams::default(), &train);
        let t0 = Instant::now();
        let r = report(&t, &test, None);
        let tps = test.len() as f64 / t0.elapsed().as_secs_f64();
        let argmax = evaluate(
            &test.iter().map(|e| e.label.clone()).collect::<Vec<_>>(),
            &predict_argmax(&t, &test),
            None,
        );
        row(
            "BANKING77 (20 % held out)",
            "intent",
            format!(
                "accuracy {:.2} % (top label), {:.2} % with {:.1} % answered unknown",
                100.0 * argmax.accuracy,
                100.0 * r.accuracy,
                100.0 * r.abstention_rate
            ),
            secs,
            tps,
        );
    }
    // Endava: urgency (macro-recall, balanced classes) and category.
    let endava = data.join("tickets/endava/train.csv");
    if let Ok(all) = load(&spec(endava.clone(), &["title", "body"], "urgency")) {
        // Logit adjustment, strong L2: class 0 has 14 examples in all.
        let params = || {
            TrainParams::default()
                .class_weight(ClassWeight::Adjusted)
                .c(1.0)
                .min_precision(0.0)
        };
        let (train, test) = split(&all.examples);
        let (t, secs) = fit(params(), &train);
        let r = report(&t, &test, None);
        let recalls = |r: &EvalReport| {
            r.per_class
                .iter()
                .map(|c| format!("{} {:.2}", c.label, c.recall))
                .collect::<Vec<_>>()
                .join(", ")
        };
        row(
            "Endava tickets (20 % held out)",
            "urgency 0–3",
            format!(
                "macro-recall {:.3} (per class: {})",
                r.macro_recall,
                recalls(&r)
            ),
            secs,
            0.0,
        );
        let (cv, secs) = fit(params().validation(Validation::KFold(5)), &all.examples);
        let r = &cv.validation;
        row(
            "Endava tickets (5-fold, out-of-fold)",
            "urgency 0–3",
            format!(
                "macro-recall {:.3} (per class: {})",
                r.macro_recall,
                recalls(r)
            ),
            secs,
            0.0,
        );
    }
    if let Ok(all) = load(&spec(endava, &["title", "body"], "category")) {
        let (train, test) = split(&all.examples);
        let (t, secs) = fit(TrainParams::default().min_precision(0.0), &train);
        let r = report(&t, &test, None);
        row(
            "Endava tickets (20 % held out)",
            "category",
            format!(
                "accuracy {:.2} %, macro-F1 {:.3}",
                100.0 * r.accuracy,
                r.macro_f1
            ),
            secs,
            0.0,
        );
    }
    // Multilingual synthetic tickets: queue, accuracy per language.
    let ml = data.join("tickets/multilang-synthetic/tickets.csv");
    if let (Ok(all), Ok(langs)) = (
        load(&spec(ml.clone(), &["subject", "body"], "queue")),
        load(&spec(ml, &["subject", "body"], "language")),
    ) {
        let lang_of: BTreeMap<u64, String> = langs
            .examples
            .iter()
            .map(|e| (e.line, e.label.clone()))
            .collect();
        let (train, test) = split(&all.examples);
        let (t, secs) = fit(TrainParams::default().min_precision(0.0), &train);
        let pred = predict_argmax(&t, &test);
        let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (e, p) in test.iter().zip(&pred) {
            let l = lang_of.get(&e.line).cloned().unwrap_or_else(|| "?".into());
            let s = per.entry(l).or_default();
            s.0 += usize::from(*p == e.label);
            s.1 += 1;
        }
        let all_acc = per.values().map(|s| s.0).sum::<usize>() as f64 / test.len().max(1) as f64;
        let by_lang: Vec<String> = per
            .iter()
            .map(|(l, (ok, n))| format!("{l} {:.1} % (n={n})", 100.0 * *ok as f64 / *n as f64))
            .collect();
        row(
            "Multilingual tickets (20 % held out)",
            "queue (10)",
            format!("accuracy {:.1} %; {}", 100.0 * all_acc, by_lang.join(", ")),
            secs,
            0.0,
        );
    }
}

fn predict_argmax(t: &Trained, test: &[Example]) -> Vec<String> {
    test.par_iter()
        .map(|e| {
            decide(&t.model.probabilities(&e.text).0, 0.0, None)
                .map_or(UNKNOWN.into(), |c| t.model.labels[c].clone())
        })
        .collect()
}

/// Saves the model to a temporary directory (removed when dropped), to measure its loaded size.
fn tempdir_model(t: &Trained) -> tempfile::TempDir {
    use instrada::classify::artefact::*;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = TrainingData::from_examples("", "", &[], Vec::new(), "");
    let mut m = Manifest::for_trained("bench", ModelKind::Topic, t, data);
    save(dir.path(), &t.model, &mut m, "", &[]).expect("save");
    dir
}
