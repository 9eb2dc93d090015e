//! Classification speed: one ~300-character Italian request through the shipped models.
//!
//! `cargo bench --bench classify`. With `../shared/data` present it also times a CLINC150-sized
//! model (151 labels), the worst case for the per-request cost, which grows with the label count.

use criterion::{Criterion, criterion_group, criterion_main};
use instrada::classify::{Bundle, LinearClassifier, PredictOptions, TextClassifier};
use instrada::text::normalize::clean;
use instrada::text::{LanguageDetector, redact};
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
    let lang = LanguageDetector::new("it", &["it", "en", "de", "fr", "es"]);
    g.bench_function("language", |b| b.iter(|| lang.detect(black_box(REQUEST))));
    // What cleaning adds to a request: the check on a clean text (the usual case, which borrows),
    // and the rewrite of one with invisible characters and a spelled-out word.
    g.bench_function("clean_plain", |b| b.iter(|| clean(black_box(REQUEST))));
    let dirty = format!("{REQUEST} fu\u{200b}ga di G A S\u{00ad}");
    g.bench_function("clean_rewrite", |b| b.iter(|| clean(black_box(&dirty))));
    // Redaction runs only when `store.text = "redacted"`, off the response but on the request path.
    g.bench_function("redact", |b| b.iter(|| redact(black_box(REQUEST))));
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
    if let Some(m) = clinc_model() {
        g.bench_function("clinc150_151_labels", |b| {
            b.iter(|| m.predict(black_box(REQUEST), fast))
        });
    }
    g.finish();
}

/// A CLINC150 model (151 labels) trained in memory, if the data is there.
fn clinc_model() -> Option<LinearClassifier> {
    use instrada::classify::artefact::{Manifest, ModelKind, TrainingData};
    use instrada::classify::dataset::{DataSpec, load};
    use instrada::classify::train::TrainParams;
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/intents/clinc150/train.csv");
    if !data.is_file() {
        eprintln!("CLINC150 absent: skipping the 151-label benchmark");
        return None;
    }
    let spec = DataSpec {
        label_col: Some("label".into()),
        ..DataSpec::new(data)
    };
    let rows = load(&spec).expect("CLINC150 reads").examples;
    let params = TrainParams::default()
        .oos_label(Some("oos".into()))
        .check()
        .expect("valid parameters");
    let trained = params.fit(&rows, &|_, _, _| {}).expect("CLINC150 trains");
    let data = TrainingData::from_examples("train.csv", "", &rows, vec!["text".into()], "label");
    let manifest = Manifest::for_trained("topic-clinc150", ModelKind::Topic, &trained, data);
    Some(LinearClassifier::new(manifest, trained.model))
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
