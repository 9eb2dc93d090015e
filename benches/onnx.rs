//! µs per classification: the Rust linear topic model (`models/topic`) beside the scikit-learn
//! pipeline of the same data exported to ONNX (`training/python/export_text.py` on
//! `training/starter/comune.csv`), one ~300-character request, through the same trait.
//!
//! `training/python/setup.sh && cargo bench --bench onnx --features onnx`. The export is made
//! once into `target/onnx-bench/` (delete it to export again). Requests/s with two workers: see
//! the "Models trained in Python" section of README.md (benches/load.sh on an ONNX bundle).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use instrada::classify::onnx::OnnxClassifier;
use instrada::classify::{PredictOptions, TextClassifier};
use instrada::registry::{Model, open_model};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The request of `benches/classify.rs`.
const REQUEST: &str = "Buongiorno, vi scrivo perché mi è arrivato l'avviso di pagamento della TARI 2025 \
    ma l'importo mi sembra sbagliato: in casa siamo rimasti in due da marzo e non in quattro. \
    Vorrei sapere come chiedere la rettifica e se posso pagare a rate. Grazie, Maria Bianchi, via Roma 12.";

/// The ONNX export of the starter corpus, made on first use.
fn exported(root: &Path) -> PathBuf {
    let out = root.join("target/onnx-bench/topic");
    if !out.join("manifest.json").is_file() {
        let status = Command::new(root.join("training/python/.venv/bin/python"))
            .arg(root.join("training/python/export_text.py"))
            .args([
                "topic",
                "--oos-label",
                "fuori_ambito",
                "--min-df",
                "2",
                "--data",
            ])
            .arg(root.join("training/starter/comune.csv"))
            .arg("--out")
            .arg(&out)
            .status()
            .expect("training/python/setup.sh first: no venv Python");
        assert!(status.success(), "export_text.py failed");
    }
    out
}

fn topic(dir: &Path) -> std::sync::Arc<dyn TextClassifier> {
    match open_model(dir).expect("model loads") {
        Model::Topic(t) => t,
        Model::Urgency(_) => panic!("{} is not a topic model", dir.display()),
    }
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let onnx_dir = exported(root);
    let linear = topic(&root.join("models/topic"));
    let onnx = topic(&onnx_dir);
    let fast = PredictOptions {
        alternatives: 3,
        evidence: 0,
    };
    let full = PredictOptions::default();
    let mut g = c.benchmark_group("topic_300_chars");
    g.bench_function("linear", |b| {
        b.iter(|| linear.predict(black_box(REQUEST), fast))
    });
    g.bench_function("onnx", |b| {
        b.iter(|| onnx.predict(black_box(REQUEST), fast))
    });
    g.bench_function("linear_with_evidence", |b| {
        b.iter(|| linear.predict(black_box(REQUEST), full))
    });
    g.bench_function("onnx_with_evidence", |b| {
        b.iter(|| onnx.predict(black_box(REQUEST), full))
    });
    // The graph alone, one text and a batch of 32 (per text: divide by 32).
    let raw = OnnxClassifier::load(&onnx_dir).expect("model loads");
    g.bench_function("onnx_graph_only", |b| {
        b.iter(|| raw.probabilities(black_box(&[REQUEST])))
    });
    let batch = [REQUEST; 32];
    g.bench_function("onnx_graph_batch_32", |b| {
        b.iter(|| raw.probabilities(black_box(&batch)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
