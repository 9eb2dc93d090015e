//! Train → save → load → predict gives the same answers; damaged artefacts are refused by name.

use crate::helpers::{train_ok, write_fixture_csv};
use instrada::classify::artefact::{self, ArtefactError};
use instrada::classify::{LinearClassifier, PredictOptions, TextClassifier};
use std::path::Path;

fn train_fixture(dir: &Path) -> std::path::PathBuf {
    let data = write_fixture_csv(dir);
    let out = dir.join("topic");
    train_ok(
        "topic",
        &data,
        &out,
        &["--folds", "3", "--name", "topic-fixture"],
    );
    out
}

#[test]
fn round_trip_gives_the_same_answers_and_a_complete_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = train_fixture(dir.path());
    let a = LinearClassifier::load(&out).unwrap();
    let b = LinearClassifier::load(&out).unwrap();
    for q in [
        "devo pagare la TARI",
        "carta d'identità scaduta",
        "buca enorme in via Roma",
        "boh",
    ] {
        assert_eq!(
            a.predict(q, PredictOptions::default()),
            b.predict(q, PredictOptions::default())
        );
    }
    assert_eq!(
        a.predict("rata della tassa rifiuti", PredictOptions::default())
            .label,
        "tributi"
    );
    let m = a.manifest();
    assert_eq!(m.format_version, artefact::FORMAT_VERSION);
    assert_eq!(m.labels, ["anagrafe", "strade", "tributi"]);
    assert_eq!(m.training_data.rows, 60);
    assert_eq!(m.training_data.sha256.len(), 64);
    assert_eq!(m.training_data.label_column, "topic");
    assert!(m.validation.method.contains("3-fold"));
    assert_eq!(m.validation.size, 60);
    assert!(
        m.validation.report.accuracy > 0.8,
        "{}",
        m.validation.report.accuracy
    );
    assert!(m.model_version.starts_with("topic-fixture@"));
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).unwrap();
    assert!(
        card.contains("## Intended use")
            && card.contains("## Known limits")
            && card.contains("macro-F1")
    );
}

#[test]
fn damaged_artefacts_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = train_fixture(dir.path());

    let missing = dir.path().join("nope");
    let e = LinearClassifier::load(&missing).unwrap_err();
    assert!(
        matches!(e, ArtefactError::NotAModel { .. }) && e.to_string().contains("nope"),
        "{e}"
    );

    let weights = out.join("weights.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let e = LinearClassifier::load(&out).unwrap_err();
    assert!(
        matches!(e, ArtefactError::Checksum { .. })
            && e.to_string().contains("weights.safetensors"),
        "{e}"
    );
    std::fs::write(&weights, &bytes).unwrap();
    assert!(LinearClassifier::load(&out).is_ok());

    let manifest = out.join("manifest.json");
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        good.replace("\"format_version\": 1", "\"format_version\": 99"),
    )
    .unwrap();
    let e = LinearClassifier::load(&out).unwrap_err();
    assert!(
        matches!(e, ArtefactError::FormatVersion { found: 99, .. })
            && e.to_string().contains("manifest.json"),
        "{e}"
    );

    std::fs::write(&manifest, &good[..good.len() / 3]).unwrap();
    let e = LinearClassifier::load(&out).unwrap_err();
    assert!(
        matches!(e, ArtefactError::Manifest { .. }) && e.to_string().contains("manifest.json"),
        "{e}"
    );
}
