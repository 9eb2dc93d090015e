//! `instrada train`: the arguments become one [`TrainJob`]; this file shows its progress and
//! prints its report. The rules of training (labels, class weight per kind, the default lexicon)
//! are the job's, in `classify::job`; the clap shapes of the domain's enums are here.

use super::{CliError, TrainArgs, data_spec, report_skips};
use crate::classify::artefact::{Manifest, ModelKind};
use crate::classify::dataset::Loaded;
use crate::classify::job::{Observer, Outcome, Plan, TrainJob};
use crate::classify::train::{ClassWeight, Validation};
use std::sync::OnceLock;
use std::time::Instant;

/// What the model predicts (the command line's face of [`ModelKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKindArg {
    /// Which service or office a request is about.
    Topic,
    /// How fast it must be handled.
    Urgency,
}

impl From<ModelKindArg> for ModelKind {
    fn from(k: ModelKindArg) -> Self {
        match k {
            ModelKindArg::Topic => Self::Topic,
            ModelKindArg::Urgency => Self::Urgency,
        }
    }
}

/// How classes are weighted in the loss (the command line's face of [`ClassWeight`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassWeightArg {
    /// Every example counts the same.
    None,
    /// Classes count inversely to their frequency in the loss (scikit-learn's "balanced").
    Balanced,
    /// Unweighted fit, then each class's log prior is subtracted from its logit ("logit
    /// adjustment", Menon et al. 2021): the decision rule that maximises balanced recall when the
    /// probabilities are calibrated, without the unstable steps of 50× example weights.
    Adjusted,
}

impl From<ClassWeightArg> for ClassWeight {
    fn from(w: ClassWeightArg) -> Self {
        match w {
            ClassWeightArg::None => Self::None,
            ClassWeightArg::Balanced => Self::Balanced,
            ClassWeightArg::Adjusted => Self::Adjusted,
        }
    }
}

/// `instrada train`: reads, trains, validates, writes the artefact and prints the report.
///
/// The output folder is created and checked for writing first, so that a wrong `--out` fails
/// before minutes of fitting; a folder created here is removed again if training fails.
pub fn train(a: &TrainArgs) -> Result<Manifest, CliError> {
    let started = Instant::now();
    let terminal = Terminal::default();
    let outcome = job(a)?.run(&terminal);
    terminal.finish();
    let Outcome { manifest, trained } = outcome?;
    for s in &trained.singleton_classes {
        eprintln!("warning: label `{s}` has a single example: trained on, but not validated");
    }
    print_report(&manifest, a.json);
    eprintln!(
        "wrote {} ({}) in {:.1} s",
        a.out.display(),
        manifest.model_version,
        started.elapsed().as_secs_f64()
    );
    Ok(manifest)
}

/// The job the arguments describe: the kind's defaults, overridden by what was given.
fn job(a: &TrainArgs) -> Result<TrainJob, CliError> {
    let mut job = TrainJob::new(a.kind.into(), data_spec(&a.data, Vec::new())?, &a.out);
    job.name = a.name.clone();
    job.lexicon = a.lexicon.clone();
    job.card_notes = a.card_notes.clone();
    let mut params = job
        .params
        .features(crate::text::FeatureConfig {
            max_chars: a.max_chars,
            ..Default::default()
        })
        .c(a.c)
        .epochs(a.epochs)
        .learning_rate(a.learning_rate)
        .min_df(a.min_df)
        .validation(match a.folds {
            Some(k) => Validation::KFold(k),
            None => Validation::Holdout(a.val_fraction),
        })
        .oos_label(a.oos_label.clone())
        .min_precision(a.min_precision)
        .seed(a.seed);
    if let Some(w) = a.class_weight {
        params = params.class_weight(w.into());
    }
    job.params = params;
    Ok(job)
}

/// The validation report, as a table or as JSON.
fn print_report(manifest: &Manifest, json: bool) {
    let v = &manifest.validation;
    if json {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        return;
    }
    println!("validation ({}, {} texts):", v.method, v.size);
    println!(
        "accuracy without abstaining: {:.2} %",
        100.0 * v.argmax_accuracy
    );
    print!("{}", v.report.render());
    println!(
        "\n`unknown` below top probability {:.3}; temperature {:.3}; {} features",
        manifest.unknown_threshold, manifest.temperature, manifest.n_features
    );
}

/// Warnings and the plan on standard error, a progress bar while fitting.
#[derive(Default)]
struct Terminal {
    /// Made when fitting starts, once the number of fits is known.
    bar: OnceLock<indicatif::ProgressBar>,
}

impl Terminal {
    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Terminal {
    fn loaded(&self, data: &Loaded) {
        report_skips(data);
    }

    fn fitting(&self, plan: &Plan<'_>) {
        eprintln!(
            "{}: {} examples, {} labels; fitting {} models ({} validation)",
            plan.file,
            plan.examples,
            plan.labels,
            plan.fits,
            plan.validation.describe()
        );
        let bar = indicatif::ProgressBar::new(plan.fits);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} fitting [{bar:30}] {pos}/{len} models {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let _ = self.bar.set(bar);
    }

    fn fitted_one(&self) {
        if let Some(bar) = self.bar.get() {
            bar.inc(1);
        }
    }
}
