//! A training run from a labelled file to an artefact on disk, with the rules of each model kind.
//!
//! Owns the rules of training that are not hyper-parameters: the label column defaults to the
//! kind's name, urgency labels must be levels, an urgency model always answers a level (no
//! out-of-scope label, no abstention threshold), the class weight defaults per kind, an urgency
//! artefact carries the lexicon ([`DEFAULT_LEXICON`], under the working directory, when none is
//! given), and the output folder is checked for writing before minutes of fitting.
//!
//! It sits on top of the other files of `classify` and none of them imports it. It must not import
//! `cli` or `api`, nor print: what happens is reported through an [`Observer`] and the [`Outcome`],
//! and the command line decides how to show it.

use super::artefact::{self, ArtefactError, LEXICON, Manifest, ModelKind, TrainingData};
use super::dataset::{self, DataSpec, DatasetError, Loaded};
use super::train::{ClassWeight, TrainError, TrainParams, Trained, Validation};
use super::urgency::{Lexicon, LexiconError, UrgencyLevel};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The urgency lexicon an urgency artefact carries when none is given, relative to the working
/// directory (the repository root, where `instrada train` is run); absent, the artefact has none.
pub const DEFAULT_LEXICON: &str = "training/lexicon/urgency.toml";

/// One training run: what to read, how to fit, where to write. Build it with [`TrainJob::new`],
/// adjust the fields, then [`TrainJob::run`].
#[derive(Debug, Clone)]
pub struct TrainJob {
    /// What the model predicts; decides the rules applied by [`TrainJob::run`].
    pub kind: ModelKind,
    /// The labelled data.
    pub data: DataSpec,
    /// The artefact's folder (created if needed).
    pub out: PathBuf,
    /// Model name. Default (`None`): `<kind>-<data file stem>`.
    pub name: Option<String>,
    /// Hyper-parameters. For an urgency model `min_precision` is set to 0 by `run` (it always
    /// answers a level) and an `oos_label` is refused.
    pub params: TrainParams,
    /// Urgency lexicon (TOML) copied into the artefact. Default (`None`): [`DEFAULT_LEXICON`] if it
    /// exists. Refused for a topic model.
    pub lexicon: Option<PathBuf>,
    /// Markdown inserted in the model card under "Data". Default: none.
    pub card_notes: Option<PathBuf>,
}

/// What a run reports while it runs; every method does nothing by default.
pub trait Observer: Sync {
    /// The data was read (with the rows it skipped, if any).
    fn loaded(&self, _data: &Loaded) {}
    /// Fitting starts.
    fn fitting(&self, _plan: &Plan<'_>) {}
    /// One of [`Plan::fits`] models is fitted (called from the fitting threads).
    fn fitted_one(&self) {}
}

/// Says nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}

/// What is about to be fitted.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The data file's name.
    pub file: &'a str,
    /// Examples read.
    pub examples: usize,
    /// Distinct labels.
    pub labels: usize,
    /// Models to fit: one per validation fold, plus the final one on all the data.
    pub fits: u64,
    /// The validation scheme.
    pub validation: Validation,
}

/// A finished run: the artefact written to [`TrainJob::out`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The manifest as written (version, feature count and checksums filled in).
    pub manifest: Manifest,
    /// The model in memory, with its validation report.
    pub trained: Trained,
}

/// Why a training run failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The data could not be read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Fitting failed or a parameter is out of range.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The artefact could not be written.
    #[error(transparent)]
    Artefact(#[from] ArtefactError),
    /// The lexicon does not parse.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// The lexicon or the card notes could not be read (the cause is the error's source).
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output folder cannot be created or written to.
    #[error("cannot write the model to {}", path.display())]
    Output {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An urgency label that is not a level.
    #[error(
        "{}:{line}: urgency label `{label}` is not one of low, normal, high, critical (map codes with --label-map, e.g. 0=critical,1=high,2=normal,3=low)",
        path.display()
    )]
    NotALevel {
        /// The data file.
        path: PathBuf,
        /// Its line.
        line: u64,
        /// The label.
        label: String,
    },
    /// An out-of-scope label for an urgency model.
    #[error("--oos-label is for topic models: urgency always answers a level")]
    OosLabelForUrgency,
    /// A lexicon for a topic model.
    #[error("--lexicon is for urgency models")]
    LexiconForTopic,
}

/// The class weight of a kind when none is asked for: urgency levels are very unequal in number
/// (few critical requests) and each matters, so balanced; topics as they come.
pub fn default_class_weight(kind: ModelKind) -> ClassWeight {
    match kind {
        ModelKind::Urgency => ClassWeight::Balanced,
        ModelKind::Topic => ClassWeight::None,
    }
}

impl TrainJob {
    /// A job with the kind's defaults: [`TrainParams::default`] with [`default_class_weight`], the
    /// label column named after the kind (else `label`), default name, lexicon and no card notes.
    pub fn new(kind: ModelKind, mut data: DataSpec, out: impl Into<PathBuf>) -> Self {
        data.label_fallbacks = vec![kind.as_str().into(), "label".into()];
        Self {
            kind,
            data,
            out: out.into(),
            name: None,
            params: TrainParams::default().class_weight(default_class_weight(kind)),
            lexicon: None,
            card_notes: None,
        }
    }

    /// Checks that [`Self::out`] can be written, reads the data, applies the kind's rules, fits
    /// with validation and writes the artefact. A folder created here is removed again (if still
    /// empty) when the run fails.
    pub fn run(&self, observer: &dyn Observer) -> Result<Outcome, JobError> {
        let created = !self.out.exists();
        check_writable(&self.out)?;
        let outcome = self.fit_and_save(observer);
        if outcome.is_err() && created {
            // Only if still empty: never anything a previous run left there.
            let _ = std::fs::remove_dir(&self.out);
        }
        outcome
    }

    fn fit_and_save(&self, observer: &dyn Observer) -> Result<Outcome, JobError> {
        let loaded = dataset::load(&self.data)?;
        observer.loaded(&loaded);
        let lexicon = self.lexicon_source()?;
        self.check_kind_rules(&loaded)?;
        if let Some(src) = &lexicon {
            Lexicon::from_toml(src, "lexicon")?;
        }
        let notes = match &self.card_notes {
            Some(p) => read(p)?,
            None => String::new(),
        };
        let params = self.kind_params().check()?;
        let validation = params.params().validation;
        observer.fitting(&Plan {
            file: &loaded.file,
            examples: loaded.examples.len(),
            labels: distinct_labels(&loaded),
            fits: match validation {
                Validation::KFold(k) => u64::from(k) + 1,
                Validation::Holdout(_) => 2,
            },
            validation,
        });
        let trained = params.fit(&loaded.examples, &|_, _, _| observer.fitted_one())?;
        let mut manifest = Manifest::for_trained(
            self.model_name(),
            self.kind,
            &trained,
            self.training_data(&loaded),
        );
        let extra: Vec<(&str, Vec<u8>)> = lexicon
            .map(|s| (LEXICON, s.into_bytes()))
            .into_iter()
            .collect();
        artefact::save(&self.out, &trained.model, &mut manifest, &notes, &extra)?;
        Ok(Outcome { manifest, trained })
    }

    /// The lexicon to copy into the artefact: the one given, else [`DEFAULT_LEXICON`] if present.
    fn lexicon_source(&self) -> Result<Option<String>, JobError> {
        match (self.kind, &self.lexicon) {
            (ModelKind::Urgency, Some(p)) => read(p).map(Some),
            (ModelKind::Urgency, None) => Ok(std::fs::read_to_string(DEFAULT_LEXICON).ok()),
            (ModelKind::Topic, Some(_)) => Err(JobError::LexiconForTopic),
            (ModelKind::Topic, None) => Ok(None),
        }
    }

    /// An urgency model learns levels and always answers one.
    fn check_kind_rules(&self, loaded: &Loaded) -> Result<(), JobError> {
        if self.kind != ModelKind::Urgency {
            return Ok(());
        }
        if let Some(bad) = loaded
            .examples
            .iter()
            .find(|e| e.label.parse::<UrgencyLevel>().is_err())
        {
            return Err(JobError::NotALevel {
                path: self.data.path.clone(),
                line: bad.line,
                label: bad.label.clone(),
            });
        }
        if self.params.oos_label.is_some() {
            return Err(JobError::OosLabelForUrgency);
        }
        Ok(())
    }

    /// The parameters with the kind's rules applied.
    fn kind_params(&self) -> TrainParams {
        match self.kind {
            // Urgency never abstains: a low-confidence level is the policy's to flag.
            ModelKind::Urgency => self.params.clone().min_precision(0.0),
            ModelKind::Topic => self.params.clone(),
        }
    }

    fn model_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let stem = self
                .data
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            format!("{}-{}", self.kind.as_str(), stem.unwrap_or_default())
        })
    }

    fn training_data(&self, loaded: &Loaded) -> TrainingData {
        TrainingData {
            label_map: self.data.label_map.clone().into_iter().collect(),
            ..TrainingData::from_examples(
                loaded.file.clone(),
                loaded.sha256.clone(),
                &loaded.examples,
                loaded.text_columns.clone(),
                loaded.label_column.clone(),
            )
        }
    }
}

fn distinct_labels(loaded: &Loaded) -> usize {
    loaded
        .examples
        .iter()
        .map(|e| &e.label)
        .collect::<BTreeSet<_>>()
        .len()
}

fn read(path: &Path) -> Result<String, JobError> {
    std::fs::read_to_string(path).map_err(|source| JobError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Creates `dir` if needed and writes (and removes) a probe file in it.
fn check_writable(dir: &Path) -> Result<(), JobError> {
    let err = |source| JobError::Output {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(format!(".instrada-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(err)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join("d.csv");
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn urgency_defaults_to_balanced_weights_and_never_abstains() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = String::from("text,urgency\n");
        for i in 0..12 {
            body.push_str(&format!(
                "fuga di gas {i},critical\norari biblioteca {i},low\n"
            ));
        }
        let data = DataSpec::new(csv(dir.path(), &body));
        let job = TrainJob::new(ModelKind::Urgency, data, dir.path().join("m"));
        assert_eq!(job.params.class_weight, ClassWeight::Balanced);
        let out = job.run(&Quiet).unwrap();
        assert_eq!(out.manifest.hyperparameters.min_precision, 0.0);
        assert_eq!(out.manifest.training_data.label_column, "urgency");
        assert_eq!(out.manifest.name, "urgency-d");
    }

    #[test]
    fn kind_rules_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataSpec::new(csv(dir.path(), "text,urgency\nuno,3\ndue,1\n"));
        let job = TrainJob::new(ModelKind::Urgency, data, dir.path().join("m"));
        let e = job.run(&Quiet).unwrap_err();
        assert!(matches!(e, JobError::NotALevel { line: 2, .. }), "{e}");
        assert!(
            !dir.path().join("m").exists(),
            "the folder made here is removed"
        );
        let data = DataSpec::new(csv(dir.path(), "text,label\nuno,a\ndue,b\n"));
        let mut job = TrainJob::new(ModelKind::Topic, data, dir.path().join("m"));
        assert_eq!(job.params.class_weight, ClassWeight::None);
        job.lexicon = Some("x.toml".into());
        assert!(matches!(job.run(&Quiet), Err(JobError::LexiconForTopic)));
    }
}
