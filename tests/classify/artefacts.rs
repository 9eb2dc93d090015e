//! Train → save → load → predict gives the same answers; damaged artefacts are refused by name.

use crate::helpers::{held_out_rows, train_ok, write_fixture_csv};
use approx::assert_relative_eq;
use instrada::classify::artefact::{self, ArtefactError};
use instrada::classify::dataset::DataSpec;
use instrada::classify::job::{Quiet, TrainJob};
use instrada::classify::{LinearClassifier, ModelKind, PredictOptions, TextClassifier};
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

/// The model as trained, in memory, against the same model saved and loaded back: the same
/// answers, probabilities and evidence on requests it never saw (a save or load that drops the
/// temperature, the idf, the bias or a row of weights changes them).
#[test]
fn round_trip_gives_the_same_answers_and_a_complete_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_fixture_csv(dir.path());
    let out = dir.path().join("topic");
    let mut job = TrainJob::new(ModelKind::Topic, DataSpec::new(&data), &out);
    job.name = Some("topic-fixture".into());
    job.params = job
        .params
        .validation(instrada::classify::train::Validation::KFold(3));
    let trained = job.run(&Quiet).unwrap();
    let in_memory = LinearClassifier::new(trained.manifest.clone(), trained.trained.model.clone());
    let loaded = LinearClassifier::load(&out).unwrap();
    let opts = PredictOptions {
        alternatives: 2,
        evidence: 5,
    };
    let texts: Vec<&str> = held_out_rows()
        .into_iter()
        .map(|(t, _)| t)
        .chain(["boh", "qwzx vbnm"])
        .collect();
    for q in texts {
        let (a, b) = (in_memory.predict(q, opts), loaded.predict(q, opts));
        assert_eq!(
            (&a.label, &a.best, &a.abstention),
            (&b.label, &b.best, &b.abstention),
            "{q}"
        );
        assert_relative_eq!(a.confidence, b.confidence, max_relative = 1e-5);
        for (x, y) in a.alternatives.iter().zip(&b.alternatives) {
            assert_eq!(x.label, y.label, "{q}");
            assert_relative_eq!(x.probability, y.probability, max_relative = 1e-5);
        }
        let (pa, pb) = (
            in_memory.model().probabilities(q).0,
            loaded.model().probabilities(q).0,
        );
        assert_eq!(pa.len(), pb.len());
        for (x, y) in pa.iter().zip(&pb) {
            assert_relative_eq!(x, y, max_relative = 1e-5);
        }
        let words = |p: &instrada::classify::Prediction| {
            p.evidence
                .iter()
                .map(|e| e.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&a), words(&b), "{q}");
    }
    assert_eq!(
        loaded
            .predict("rata della tassa rifiuti", PredictOptions::default())
            .label,
        "tributi"
    );
    let m = loaded.manifest();
    assert_eq!(m, &trained.manifest);
    assert_eq!(m.format_version, artefact::FORMAT_VERSION);
    assert_eq!(m.labels, ["anagrafe", "strade", "tributi"]);
    assert_eq!(m.training_data.rows, 60);
    assert_eq!(m.training_data.sha256.len(), 64);
    assert_eq!(m.training_data.label_column, "topic");
    assert!(m.validation.method.contains("3-fold"));
    assert_eq!(m.validation.size, 60);
    // Measured: 1.00 (3-fold out-of-fold on the fixture).
    assert!(
        m.validation.report.accuracy >= 0.95,
        "{}",
        m.validation.report.accuracy
    );
    assert!(m.model_version.starts_with("topic-fixture@"));
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).unwrap();
    assert!(
        card.contains("## Intended use")
            && card.contains("## Known limits")
            && card.contains("macro-F1")
            && card.contains(&m.model_version),
        "{card}"
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
