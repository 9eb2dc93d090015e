//! Light checks on the public datasets in `../shared/data` (full-dataset training and the quality
//! figures live in `examples/benchmarks.rs`). Each test skips, saying so, when the data is absent.

use instrada::classify::dataset::{DataSpec, load};
use instrada::classify::eval::evaluate;
use instrada::classify::train::{TrainParams, Validation, decide, stratified_folds};
use std::path::PathBuf;

fn data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared datasets live in ../shared/data)",
            p.display()
        );
        None
    }
}

fn spec(p: PathBuf, text: &[&str], label: &str) -> DataSpec {
    DataSpec {
        text_cols: text.iter().map(|s| s.to_string()).collect(),
        label_col: Some(label.into()),
        ..DataSpec::new(p)
    }
}

#[test]
fn every_dataset_reads_with_the_documented_shape() {
    let cases = [
        (
            "intents/clinc150/train.csv",
            vec!["text"],
            "label",
            15_100,
            151,
        ),
        (
            "intents/clinc150/val.csv",
            vec!["text"],
            "label",
            3_100,
            151,
        ),
        (
            "intents/banking77/train.csv",
            vec!["text"],
            "category",
            10_003,
            77,
        ),
    ];
    for (rel, text, label, rows, labels) in cases {
        let Some(p) = data(rel) else { continue };
        let l = load(&spec(p, &text, label)).unwrap();
        assert_eq!(l.examples.len(), rows, "{rel}");
        let n = l
            .examples
            .iter()
            .map(|e| &e.label)
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert_eq!(n, labels, "{rel}");
    }
    if let Some(p) = data("tickets/endava/train.csv") {
        let l = load(&spec(p, &["title", "body"], "urgency")).unwrap();
        assert!(l.examples.len() > 4_000);
    }
    // The synthetic multilingual file is cut mid-record: strict reading fails, lenient skips it.
    if let Some(p) = data("tickets/multilang-synthetic/tickets.csv") {
        let mut s = spec(p, &["subject", "body"], "queue");
        s.skip_bad_rows = true;
        let l = load(&s).unwrap();
        assert!(l.examples.len() > 500, "{}", l.examples.len());
    }
}

/// A 25-per-intent subset of BANKING77 (quick in a debug build): a smoke test of learning quality
/// on real customer-service text. The full figure (≈ 90 %) is in README, from the benchmarks example.
#[test]
fn banking77_subset_is_learned() {
    let Some(p) = data("intents/banking77/train.csv") else {
        return;
    };
    let all = load(&spec(p, &["text"], "category")).unwrap().examples;
    let labels: Vec<String> = all
        .iter()
        .map(|e| e.label.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let y: Vec<u32> = all
        .iter()
        .map(|e| labels.binary_search(&e.label).unwrap() as u32)
        .collect();
    let (train, test) = &stratified_folds(&y, labels.len(), Validation::Holdout(0.2), 1)[0];
    let mut per = vec![0; labels.len()];
    let train: Vec<_> = train
        .iter()
        .filter(|&&i| {
            per[y[i] as usize] += 1;
            per[y[i] as usize] <= 25
        })
        .map(|&i| all[i].clone())
        .collect();
    let t = TrainParams::default()
        .epochs(8)
        .check()
        .unwrap()
        .fit(&train, &|_, _, _| {})
        .unwrap();
    let gold: Vec<String> = test.iter().map(|&i| all[i].label.clone()).collect();
    let pred: Vec<String> = test
        .iter()
        .map(|&i| {
            t.model.labels[decide(&t.model.probabilities(&all[i].text).0, 0.0, None).unwrap()]
                .clone()
        })
        .collect();
    let r = evaluate(&gold, &pred, None);
    assert!(
        r.accuracy > 0.75,
        "accuracy {:.3} on {} held-out texts",
        r.accuracy,
        r.n
    );
}
