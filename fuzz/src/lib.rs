//! What the fuzz targets share: the repository's own models and configuration, a scratch
//! directory per fuzzing process, a store to import into, and the invariants of a prediction.
//!
//! Everything here is built once per process (a `OnceLock`), never per input: an input costs
//! only the code it exercises.

use instrada::classify::Prediction;
use instrada::config::{EMBEDDED, Settings, Source};
use instrada::label::UNKNOWN;
use instrada::ops::Service;
use instrada::route::Router;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The repository the fuzz crate lives in.
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A directory of this process's own, `fuzz/target/scratch/NAME-PID`, emptied on creation.
/// libFuzzer ends a run with `exit()`, so nothing removes it at the end: the directories of
/// processes that are gone are removed here instead, the next time a target of that name starts.
pub fn scratch(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/scratch");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let file = entry.file_name();
            let pid = file
                .to_str()
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('-'));
            if pid.is_some_and(|p| !Path::new("/proc").join(p).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The example configuration embedded in the binary, over the shipped models, with its store in
/// `dir`.
pub fn settings(dir: &Path) -> Settings {
    let mut s = Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[])
        .expect("the embedded configuration parses");
    s.models.dir = repo().join("models");
    s.store.path = dir.join("instrada.db");
    s.store.pseudonym_key = dir.join("pseudonym.key");
    s
}

/// The shipped models (`models/`) with the embedded policy, as `instrada serve` runs them.
pub fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let s = settings(Path::new("/nonexistent"));
        instrada::registry::load_router(&s, &Source::Embedded).expect("the shipped models load")
    })
}

/// A service over a SQLite store in a scratch directory (`name` names the directory): the events
/// the targets import are committed there, as `instrada import events` would commit them.
pub fn service(name: &str) -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        Service::open(settings(&scratch(name))).expect("a store in the scratch directory")
    })
}

/// The invariants of a classifier's answer: the label is one of the model's or `unknown` (with
/// the reason it abstained), `best` is one of the model's, the alternatives are as many as asked
/// (or as there are other labels), other labels, no more probable than the best and in
/// decreasing order; every probability is in [0, 1].
///
/// `nan_allowed`: the probabilities may all be NaN instead. The loader accepts a manifest whose
/// `temperature` is 0 or weights that overflow (README, "Fuzzing": findings), and such a model
/// answers NaN for every text; `model_load` keeps fuzzing past it, the shipped models may not.
pub fn check_prediction(p: &Prediction, labels: &[String], alternatives: usize, nan_allowed: bool) {
    assert!(labels.contains(&p.best), "best {:?} not a label", p.best);
    assert!(
        p.label == p.best || p.label == UNKNOWN,
        "label {:?} is neither the best {:?} nor unknown",
        p.label,
        p.best
    );
    assert_eq!(p.label == UNKNOWN, p.abstention.is_some(), "{p:?}");
    assert_eq!(
        p.alternatives.len(),
        alternatives.min(labels.len().saturating_sub(1)),
        "{p:?}"
    );
    for a in &p.alternatives {
        assert!(labels.contains(&a.label) && a.label != p.best, "{p:?}");
    }
    if nan_allowed && p.confidence.is_nan() {
        return;
    }
    let probability = |x: f32| (0.0..=1.0).contains(&x);
    assert!(probability(p.confidence), "confidence {}", p.confidence);
    let mut previous = p.confidence;
    for a in &p.alternatives {
        assert!(
            probability(a.probability) && a.probability <= previous,
            "{p:?}"
        );
        previous = a.probability;
    }
}
