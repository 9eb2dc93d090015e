//! Classification speed: one ~300-character Italian request through the shipped models.
//!
//! `cargo bench --bench classify`. With `../shared/data` present it also times a CLINC150-sized
//! model (151 labels), the worst case for the per-request cost, which grows with the label count.

use criterion::{Criterion, criterion_group, criterion_main};
use instrada::classify::{Bundle, LinearClassifier, PredictOptions, TextClassifier};
use instrada::text::LanguageDetector;
use std::hint::black_box;
use std::path::Path;

/// 300 characters, in the voice of a citizen's e-mail.
const REQUEST: &str = "Buongiorno, vi scrivo perché mi è arrivato l'avviso di pagamento della TARI 2025 \
    ma l'importo mi sembra sbagliato: in casa siamo rimasti in due da marzo e non in quattro. \
    Vorrei sapere come chiedere la rettifica e se posso pagare a rate. Grazie, Maria Bianchi, via Roma 12.";

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bundle = Bundle::load(&root.join("models")).expect("models/ loads");
    for kind in ["topic", "urgency"] {
        let c = LinearClassifier::load(&root.join("models").join(kind)).expect("model loads");
        let m = c.manifest();
        eprintln!(
            "{kind}: {} features × {} labels, ~{:.1} MB in memory",
            m.n_features,
            m.labels.len(),
            c.memory_bytes() as f64 / 1e6
        );
    }
    let fast = PredictOptions {
        alternatives: 3,
        evidence: 0,
    };
    let mut g = c.benchmark_group("classify_300_chars");
    g.bench_function("topic", |b| {
        b.iter(|| bundle.topic.predict(black_box(REQUEST), fast))
    });
    g.bench_function("topic_with_evidence", |b| {
        b.iter(|| {
            bundle
                .topic
                .predict(black_box(REQUEST), PredictOptions::default())
        })
    });
    g.bench_function("urgency_with_lexicon", |b| {
        b.iter(|| bundle.urgency.assess(black_box(REQUEST), fast))
    });
    let lang = LanguageDetector::default();
    g.bench_function("language", |b| b.iter(|| lang.detect(black_box(REQUEST))));
    g.bench_function("topic_and_urgency_shared_features", |b| {
        b.iter(|| bundle.classify(black_box(REQUEST), PredictOptions::default(), fast))
    });
    g.bench_function("full_request", |b| {
        b.iter(|| {
            (
                bundle.classify(black_box(REQUEST), PredictOptions::default(), fast),
                lang.detect(black_box(REQUEST)),
            )
        })
    });
    if let Some(dir) = clinc_model() {
        let m = LinearClassifier::load(&dir).expect("CLINC model loads");
        g.bench_function("clinc150_151_labels", |b| {
            b.iter(|| m.predict(black_box(REQUEST), fast))
        });
    }
    g.finish();
}

/// Trains a CLINC150 model once into target/ (if the data is there) for the 151-label timing.
fn clinc_model() -> Option<std::path::PathBuf> {
    use instrada::cli::{DataArgs, TrainArgs, train};
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/intents/clinc150/train.csv");
    if !data.is_file() {
        eprintln!("CLINC150 absent: skipping the 151-label benchmark");
        return None;
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-clinc150");
    if !out.join("manifest.json").is_file() {
        let args = TrainArgs {
            kind: instrada::classify::ModelKind::Topic,
            data: DataArgs {
                data,
                text_col: vec!["text".into()],
                label_col: Some("label".into()),
                label_map: None,
                delimiter: None,
                skip_bad_rows: false,
            },
            out: out.clone(),
            name: Some("topic-clinc150".into()),
            oos_label: Some("oos".into()),
            folds: None,
            val_fraction: 0.1,
            c: 20.0,
            epochs: 12,
            learning_rate: 0.8,
            min_df: 1,
            class_weight: None,
            min_precision: 0.3,
            seed: 42,
            max_chars: 10_000,
            lexicon: None,
            card_notes: None,
            json: true,
        };
        train(&args).ok()?;
    }
    Some(out)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
