//! Text cleaning and features: `clean`, the tokeniser, the shipped topic model's vectoriser and
//! the shipped bundle's `classify`, on any UTF-8 text.
//!
//! Asserts: `clean` is idempotent and leaves no format or control character but line breaks and
//! tabs; tokenising a text and its cleaned copy gives the same tokens, none empty, each from a
//! chunk inside the text; a feature vector has each row once, inside the vocabulary, finite
//! values, and each block (words, characters) of unit length (characters: `char_weight`) or
//! empty; the bundle's shared featurisation answers as the two models do on their own; every
//! prediction keeps the invariants of `instrada_fuzz::check_prediction`.

#![no_main]

use instrada::classify::LinearClassifier;
use instrada::classify::PredictOptions;
use instrada::text::normalize::clean;
use instrada::text::tokenize;
use instrada_fuzz::{check_prediction, repo, router};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The shipped topic model as the linear model it is, for its vectoriser.
fn topic_model() -> &'static LinearClassifier {
    static MODEL: OnceLock<LinearClassifier> = OnceLock::new();
    MODEL.get_or_init(|| LinearClassifier::load(&repo().join("models/topic")).expect("shipped"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    let cleaned = clean(text);
    assert_eq!(
        clean(&cleaned),
        cleaned,
        "clean is not idempotent on {text:?}"
    );
    if let Some(c) = cleaned.chars().find(|&c| {
        !matches!(c, '\n' | '\r' | '\t')
            && matches!(
                c.general_category(),
                GeneralCategory::Format | GeneralCategory::Control
            )
    }) {
        panic!("clean left {c:?} in {cleaned:?} (from {text:?})");
    }

    let tokens = tokenize(text);
    let again = tokenize(&cleaned);
    assert!(
        tokens.iter().eq(again.iter()),
        "the tokens of {text:?} and of its cleaned copy differ"
    );
    let source = tokens.source(text);
    for (i, (token, _)) in tokens.iter().enumerate() {
        assert!(!token.is_empty(), "empty token {i} in {text:?}");
        assert!(!tokens.chunk(text, i).is_empty());
    }
    for &(a, b) in tokens.chunk_ranges() {
        assert!(
            a < b && source.get(a..b).is_some(),
            "chunk {a}..{b} of {source:?}"
        );
    }

    let vectorizer = &topic_model().model().vectorizer;
    let x = vectorizer.transform(text);
    let vocab = &vectorizer.vocab;
    let mut seen = vec![false; vocab.len()];
    let mut squares = [0.0f64; 2];
    for (&row, &v) in x.idx.iter().zip(&x.val) {
        let row = row as usize;
        assert!(
            row < vocab.len() && !seen[row],
            "row {row} twice or outside the vocabulary"
        );
        seen[row] = true;
        assert!(v.is_finite() && v > 0.0, "feature {row} = {v} for {text:?}");
        squares[usize::from(vocab.blocks[row] & 1)] += f64::from(v) * f64::from(v);
    }
    let char_weight = f64::from(vectorizer.config.char_weight);
    for (block, (sq, norm)) in squares.into_iter().zip([1.0, char_weight]).enumerate() {
        assert!(
            sq == 0.0 || (sq.sqrt() - norm).abs() < 1e-3 * norm.max(1.0),
            "block {block} has length {} for {text:?}",
            sq.sqrt()
        );
    }

    let bundle = router().bundle();
    let labels = &bundle.topic.manifest().labels;
    let opts = PredictOptions::default();
    let (shared_topic, shared_urgency) = bundle.classify(text, opts, opts);
    assert_eq!(shared_topic, bundle.topic.predict(text, opts), "{text:?}");
    assert_eq!(
        shared_urgency,
        bundle.urgency.assess(text, opts),
        "{text:?}"
    );
    check_prediction(&shared_topic, labels, opts.alternatives, false);
    check_prediction(
        &shared_urgency.prediction,
        &bundle.urgency.classifier().manifest().labels,
        opts.alternatives,
        false,
    );
    assert!(shared_urgency.level >= shared_urgency.model_level);
    let _ = instrada::text::redact(text);
});
