//! `instrada train`: read a labelled file, train with validation, write the artefact, report.

use super::{CliError, TrainArgs, data_spec, read_text, report_skips};
use crate::classify::artefact::{self, LEXICON, Manifest, ModelKind, TrainingData};
use crate::classify::dataset;
use crate::classify::train::{ClassWeight, TrainParams, Validation};
use crate::classify::urgency::Lexicon;
use std::path::Path;
use std::time::Instant;

/// `instrada train`: reads, trains, validates, writes the artefact and prints the report.
///
/// The output folder is created and checked for writing first, so that a wrong `--out` fails
/// before minutes of fitting; a folder created here is removed again if training fails.
pub fn train(a: &TrainArgs) -> Result<Manifest, CliError> {
    let created = !a.out.exists();
    check_writable(&a.out)?;
    let trained = fit_and_save(a);
    if trained.is_err() && created {
        // Only if still empty: never anything a previous run left there.
        let _ = std::fs::remove_dir(&a.out);
    }
    trained
}

/// Creates `dir` if needed and writes (and removes) a probe file in it.
fn check_writable(dir: &Path) -> Result<(), CliError> {
    let err = |source| CliError::Output {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(format!(".instrada-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(err)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

fn fit_and_save(a: &TrainArgs) -> Result<Manifest, CliError> {
    let started = Instant::now();
    let spec = data_spec(&a.data, vec![a.kind.as_str().into(), "label".into()])?;
    let loaded = dataset::load(&spec)?;
    report_skips(&loaded);
    let lexicon_src = match (a.kind, &a.lexicon) {
        (ModelKind::Urgency, Some(p)) => Some(read_text(p)?),
        (ModelKind::Urgency, None) => std::fs::read_to_string("training/lexicon/urgency.toml").ok(),
        (ModelKind::Topic, Some(_)) => {
            return Err(CliError::Usage("--lexicon is for urgency models".into()));
        }
        (ModelKind::Topic, None) => None,
    };
    if a.kind == ModelKind::Urgency {
        if let Some(bad) = loaded
            .examples
            .iter()
            .find(|e| e.label.parse::<crate::classify::UrgencyLevel>().is_err())
        {
            return Err(CliError::Usage(format!(
                "{}:{}: urgency label `{}` is not one of low, normal, high, critical (map codes with --label-map, e.g. 0=critical,1=high,2=normal,3=low)",
                spec.path.display(),
                bad.line,
                bad.label
            )));
        }
        if a.oos_label.is_some() {
            return Err(CliError::Usage(
                "--oos-label is for topic models: urgency always answers a level".into(),
            ));
        }
    }
    if let Some(src) = &lexicon_src {
        Lexicon::from_toml(src, "lexicon")?;
    }
    let validation = match a.folds {
        Some(k) => Validation::KFold(k),
        None => Validation::Holdout(a.val_fraction),
    };
    let class_weight = a.class_weight.unwrap_or(match a.kind {
        ModelKind::Urgency => ClassWeight::Balanced,
        ModelKind::Topic => ClassWeight::None,
    });
    let features = crate::text::FeatureConfig {
        max_chars: a.max_chars,
        ..Default::default()
    };
    let params = TrainParams::default()
        .features(features)
        .c(a.c)
        .epochs(a.epochs)
        .learning_rate(a.learning_rate)
        .min_df(a.min_df)
        .class_weight(class_weight)
        .validation(validation)
        .oos_label(a.oos_label.clone())
        .min_precision(if a.kind == ModelKind::Urgency {
            0.0
        } else {
            a.min_precision
        })
        .seed(a.seed)
        .check()?;
    let n_fits = match validation {
        Validation::KFold(k) => u64::from(k) + 1,
        Validation::Holdout(_) => 2,
    };
    eprintln!(
        "{}: {} examples, {} labels; fitting {n_fits} models ({} validation)",
        loaded.file,
        loaded.examples.len(),
        loaded
            .examples
            .iter()
            .map(|e| &e.label)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        validation.describe()
    );
    let bar = indicatif::ProgressBar::new(n_fits);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} fitting [{bar:30}] {pos}/{len} models {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let tick = |_: &str, _: u64, _: u64| bar.inc(1);
    let trained = params.fit(&loaded.examples, &tick)?;
    bar.finish_and_clear();
    for s in &trained.singleton_classes {
        eprintln!("warning: label `{s}` has a single example: trained on, but not validated");
    }
    let name = a.name.clone().unwrap_or_else(|| {
        let stem = a
            .data
            .data
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        format!("{}-{}", a.kind.as_str(), stem.unwrap_or_default())
    });
    let data = TrainingData::from_examples(
        loaded.file.clone(),
        loaded.sha256.clone(),
        &loaded.examples,
        loaded.text_columns.clone(),
        loaded.label_column.clone(),
    );
    let data = TrainingData {
        label_map: spec.label_map.clone().into_iter().collect(),
        ..data
    };
    let mut manifest = Manifest::for_trained(name, a.kind, &trained, data);
    let notes = match &a.card_notes {
        Some(p) => read_text(p)?,
        None => String::new(),
    };
    let extra: Vec<(&str, Vec<u8>)> = lexicon_src
        .map(|s| (LEXICON, s.into_bytes()))
        .into_iter()
        .collect();
    artefact::save(&a.out, &trained.model, &mut manifest, &notes, &extra)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&manifest.validation).unwrap_or_default()
        );
    } else {
        println!(
            "validation ({}, {} texts):",
            manifest.validation.method, manifest.validation.size
        );
        println!(
            "accuracy without abstaining: {:.2} %",
            100.0 * trained.validation_argmax_accuracy
        );
        print!("{}", trained.validation.render());
        println!(
            "\n`unknown` below top probability {:.3}; temperature {:.3}; {} features",
            manifest.unknown_threshold, manifest.temperature, manifest.n_features
        );
    }
    eprintln!(
        "wrote {} ({}) in {:.1} s",
        a.out.display(),
        manifest.model_version,
        started.elapsed().as_secs_f64()
    );
    Ok(manifest)
}
