//! instrada's answers from an exported scikit-learn pipeline equal scikit-learn's own, through
//! the registry and the `TextClassifier` trait a policy sees.

use super::helpers::{exported, repo};
use instrada::classify::onnx::OnnxClassifier;
use instrada::classify::{PredictOptions, TextClassifier};
use instrada::registry::{Model, open_bundle, open_model};
use std::collections::HashMap;

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn probabilities_equal_scikit_learns_within_1e_5() {
    let e = exported();
    let Model::Topic(topic) = open_model(&e.topic).unwrap() else {
        panic!("a topic model")
    };
    let labels: Vec<String> = serde_json::from_value(e.sklearn["labels"].clone()).unwrap();
    let texts: Vec<String> = serde_json::from_value(e.sklearn["texts"].clone()).unwrap();
    let expected: Vec<Vec<f64>> =
        serde_json::from_value(e.sklearn["probabilities"].clone()).unwrap();
    assert!(texts.len() >= 300, "{} texts", texts.len());
    assert_eq!(topic.manifest().labels, labels);
    let opts = PredictOptions {
        alternatives: labels.len(),
        evidence: 0,
    };
    let mut max_diff = 0.0f64;
    for (text, want) in texts.iter().zip(&expected) {
        // Every probability, as a policy sees them: the best label and all the alternatives.
        let p = topic.predict(text, opts);
        let mut got: HashMap<&str, f32> = p
            .alternatives
            .iter()
            .map(|a| (a.label.as_str(), a.probability))
            .collect();
        got.insert(&p.best, p.confidence);
        assert_eq!(got.len(), labels.len(), "{text}");
        for (label, w) in labels.iter().zip(want) {
            max_diff = max_diff.max((f64::from(got[label.as_str()]) - w).abs());
        }
    }
    println!(
        "parity: {} texts × {} labels, max |Δp| = {max_diff:.2e}",
        texts.len(),
        labels.len()
    );
    assert!(max_diff < 1e-5, "max |Δp| = {max_diff}");
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn batch_probabilities_equal_single_ones() {
    let e = exported();
    let c = OnnxClassifier::load(&e.topic).unwrap();
    let texts = [
        "Quando passa il camion dei rifiuti?",
        "Vorrei il certificato di residenza",
    ];
    let both = c.probabilities(&texts).unwrap();
    let n = c.manifest().labels.len();
    assert_eq!(both.len(), 2 * n);
    let one = c.probabilities(&texts[1..]).unwrap();
    for (a, b) in both[n..].iter().zip(&one) {
        approx::assert_abs_diff_eq!(a, b, epsilon = 1e-6);
    }
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn answers_have_the_linear_backends_shape_with_evidence_words() {
    let e = exported();
    let Model::Topic(onnx) = open_model(&e.topic).unwrap() else {
        panic!("a topic model")
    };
    let Model::Topic(linear) = open_model(&repo().join("models/topic")).unwrap() else {
        panic!("a topic model")
    };
    let text = "Buongiorno, il cassonetto della raccolta differenziata in via Roma non viene \
                svuotato da due settimane e i rifiuti sono per strada.";
    let opts = PredictOptions::default();
    let (a, b) = (onnx.predict(text, opts), linear.predict(text, opts));
    let keys = |p: &instrada::classify::Prediction| {
        let v = serde_json::to_value(p).unwrap();
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(a.best, "rifiuti_igiene_urbana", "{a:?}");
    assert_eq!(a.alternatives.len(), 3);
    assert!(!a.evidence.is_empty(), "{a:?}");
    let words: Vec<&str> = a.evidence.iter().map(|w| w.text.as_str()).collect();
    assert!(words.iter().all(|w| text.contains(w)), "{words:?}");
    assert!(
        !words.contains(&"Roma"),
        "a street name shown as evidence: {words:?}"
    );
    assert!(
        words.iter().any(|w| [
            "cassonetto",
            "rifiuti",
            "raccolta",
            "differenziata",
            "svuotato"
        ]
        .contains(w)),
        "{words:?}"
    );
    println!("evidence: {words:?}");
    assert!(a.evidence.windows(2).all(|w| w[0].weight >= w[1].weight));
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_bundle_mixes_a_linear_topic_model_with_an_onnx_urgency_model_and_its_lexicon() {
    let e = exported();
    let dir = tempfile::tempdir().unwrap();
    super::helpers::copy_dir(&repo().join("models/topic"), &dir.path().join("topic"));
    super::helpers::copy_dir(&e.urgency, &dir.path().join("urgency"));
    let bundle = open_bundle(dir.path()).unwrap();
    assert!(!bundle.shares_features());
    assert!(!bundle.urgency.lexicon().signals().is_empty());
    let opts = PredictOptions::default();
    let (topic, urgency) = bundle.classify("C'è una forte puzza di gas in cantina", opts, opts);
    assert!(!topic.best.is_empty());
    assert_eq!(
        urgency.level,
        instrada::classify::UrgencyLevel::Critical,
        "{urgency:?}"
    );
    assert!(
        urgency.signals.iter().any(|s| s.name == "gas_leak"),
        "{urgency:?}"
    );
    let urgency_labels = &bundle.urgency.classifier().manifest().labels;
    assert_eq!(urgency_labels, &["critical", "high", "low", "normal"]);
}
