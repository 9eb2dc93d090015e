//! Model loading: a model directory whose files are the input, through
//! `registry::open_model`, then, when it loads, through `registry::open_bundle` beside a small
//! model of the other kind, and used to classify.
//!
//! The input is `MANIFEST`, optionally `\n%%lexicon\n` and `LEXICON`, then `\n%%weights\n` and
//! `WEIGHTS`: the bytes of `manifest.json`, `lexicon.toml` and `weights.safetensors`. The loader
//! refuses a file whose SHA-256 is not the manifest's, so the target writes the checksums of the
//! fuzzed files into the manifest (when it is a JSON object with a `files` object naming them):
//! the parsers behind the check are what is fuzzed. A manifest's `files` without those names, or
//! a manifest that is not JSON, still reaches the checks that refuse it.
//!
//! Asserts: a model that loads classifies any text with the invariants of
//! `instrada_fuzz::check_prediction`, an urgency model raises its level only; a bundle with it
//! answers as its two models do on their own.

#![no_main]

use instrada::classify::PredictOptions;
use instrada::classify::artefact::{LEXICON, MANIFEST, WEIGHTS};
use instrada::digest::sha256_hex;
use instrada::registry::{Model, open_bundle, open_model};
use instrada_fuzz::{check_prediction, scratch};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Texts every loaded model classifies: ordinary, urgent, empty, and one no vocabulary knows.
const TEXTS: [&str; 4] = [
    "Buongiorno, vorrei sapere come pagare la TARI di quest'anno.",
    "c'è una fuga di gas in via Roma, venite subito",
    "",
    "zzzz qqqq 12345",
];

/// The directories: `model/` gets the input; `topic-bundle/` pairs it (as `topic/`) with a small
/// urgency model, `urgency-bundle/` (as `urgency/`) with a small topic model.
struct Dirs {
    model: PathBuf,
    topic_bundle: PathBuf,
    urgency_bundle: PathBuf,
}

/// The seed of each kind, unpacked: the partner of a fuzzed model in a bundle.
fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let root = scratch("model_load");
        let model = root.join("model");
        std::fs::create_dir_all(&model).expect("model dir");
        let topic_bundle = root.join("topic-bundle");
        let urgency_bundle = root.join("urgency-bundle");
        for (bundle, fuzzed, partner, seed) in [
            (
                &topic_bundle,
                "topic",
                "urgency",
                &include_bytes!("../seeds/model_load/urgency-64")[..],
            ),
            (
                &urgency_bundle,
                "urgency",
                "topic",
                &include_bytes!("../seeds/model_load/topic-64")[..],
            ),
        ] {
            std::fs::create_dir_all(bundle).expect("bundle dir");
            std::os::unix::fs::symlink(&model, bundle.join(fuzzed)).expect("symlink");
            write_model(&bundle.join(partner), seed);
        }
        Dirs {
            model,
            topic_bundle,
            urgency_bundle,
        }
    })
}

/// Writes the files an input stands for into `dir`, with the manifest's checksums recomputed.
fn write_model(dir: &Path, data: &[u8]) {
    let (head, weights) = split(data, b"\n%%weights\n");
    let (manifest, lexicon) = split(head, b"\n%%lexicon\n");
    let manifest = match serde_json::from_slice::<serde_json::Value>(manifest) {
        Ok(mut m) => {
            if let Some(files) = m.get_mut("files").and_then(|f| f.as_object_mut()) {
                for (name, bytes) in [(WEIGHTS, weights), (LEXICON, lexicon)] {
                    if let Some(sum) = files.get_mut(name) {
                        *sum = sha256_hex(bytes.unwrap_or_default()).into();
                    }
                }
            }
            serde_json::to_vec(&m).expect("a JSON value serialises")
        }
        Err(_) => manifest.to_vec(),
    };
    std::fs::create_dir_all(dir).expect("model dir");
    for (name, bytes) in [
        (MANIFEST, Some(&manifest[..])),
        (WEIGHTS, weights),
        (LEXICON, lexicon),
    ] {
        let path = dir.join(name);
        match bytes {
            Some(b) => std::fs::write(&path, b).expect("write"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// `data` before the first `sep`, and after it if it is there.
fn split<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], Some(&data[i + sep.len()..])),
        None => (data, None),
    }
}

fuzz_target!(|data: &[u8]| {
    let dirs = dirs();
    write_model(&dirs.model, data);
    let opts = PredictOptions::default();
    let bundle_dir = match open_model(&dirs.model) {
        Err(_) => return,
        Ok(Model::Topic(topic)) => {
            for text in TEXTS {
                let p = topic.predict(text, opts);
                check_prediction(&p, &topic.manifest().labels, opts.alternatives, true);
            }
            &dirs.topic_bundle
        }
        Ok(Model::Urgency(urgency)) => {
            let labels = &urgency.classifier().manifest().labels;
            for text in TEXTS {
                let a = urgency.assess(text, opts);
                check_prediction(&a.prediction, labels, opts.alternatives, true);
                assert!(a.level >= a.model_level);
            }
            &dirs.urgency_bundle
        }
    };
    let bundle = open_bundle(bundle_dir).expect("a model that loads alone loads in a bundle");
    for text in TEXTS {
        let (topic, urgency) = bundle.classify(text, opts, opts);
        // As JSON, where NaN (see `check_prediction`) is `null` and equal to itself.
        let alone = (
            bundle.topic.predict(text, opts),
            bundle.urgency.assess(text, opts),
        );
        assert_eq!(
            serde_json::to_string(&(topic, urgency)).ok(),
            serde_json::to_string(&alone).ok()
        );
    }
});
