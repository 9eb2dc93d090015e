//! Light checks on the public datasets in `../shared/data` (full-dataset training and the quality
//! figures live in `examples/benchmarks.rs`).
//!
//! Where `../shared/data` is absent the tests are ignored, and `cargo test` lists them as such
//! with the reason; `build.rs` sets `cfg(shared_data)` when it is present, and then every file
//! they read must be there.

use instrada::classify::dataset::{DataSpec, load};
use instrada::classify::eval::evaluate;
use instrada::classify::train::{TrainParams, Validation, decide, stratified_folds};
use std::path::PathBuf;

/// A file of `../shared/data`; panics if it is missing (the folder is there, so it should be).
fn data(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    assert!(
        p.is_file(),
        "{} is missing from ../shared/data",
        p.display()
    );
    p
}

fn spec(p: PathBuf, text: &[&str], label: &str) -> DataSpec {
    DataSpec {
        text_cols: text.iter().map(|s| s.to_string()).collect(),
        label_col: Some(label.into()),
        ..DataSpec::new(p)
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (absent here)")]
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
        let l = load(&spec(data(rel), &text, label)).unwrap();
        assert_eq!(l.examples.len(), rows, "{rel}");
        let n = l
            .examples
            .iter()
            .map(|e| &e.label)
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert_eq!(n, labels, "{rel}");
    }
    let l = load(&spec(
        data("tickets/endava/train.csv"),
        &["title", "body"],
        "urgency",
    ))
    .unwrap();
    assert!(l.examples.len() > 4_000, "{}", l.examples.len());
    // The synthetic multilingual file is cut mid-record: strict reading fails, lenient skips it.
    let mut s = spec(
        data("tickets/multilang-synthetic/tickets.csv"),
        &["subject", "body"],
        "queue",
    );
    assert!(load(&s).is_err(), "strict reading refuses the cut record");
    s.skip_bad_rows = true;
    let l = load(&s).unwrap();
    assert!(l.examples.len() > 500, "{}", l.examples.len());
    assert!(!l.skipped_bad.is_empty(), "the cut record is reported");
}

/// A 25-per-intent subset of BANKING77 (quick in a debug build): a smoke test of learning quality
/// on real customer-service text. The full figure (≈ 90 %) is in README, from the benchmarks example.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (absent here)")]
fn banking77_subset_is_learned() {
    let all = load(&spec(
        data("intents/banking77/train.csv"),
        &["text"],
        "category",
    ))
    .unwrap()
    .examples;
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
    // Measured: 0.817 on 1,998 held-out texts.
    assert!(
        r.accuracy >= 0.77,
        "accuracy {:.3} on {} held-out texts",
        r.accuracy,
        r.n
    );
}
