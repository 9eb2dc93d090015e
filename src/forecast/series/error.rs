//! What can go wrong between a file of contacts and a forecast: one enum for the whole
//! `forecast` module (series, models and backtest), so that the CLI wraps one type.

use std::path::PathBuf;

/// Why a series could not be built, fitted or backtested.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// The data file could not be opened or read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV record could not be read (ragged row, bad UTF-8).
    #[error("{file}:{line}: {reason}")]
    Csv {
        /// The file.
        file: String,
        /// Its line (1 is the header).
        line: u64,
        /// What the CSV reader said.
        reason: String,
    },
    /// A column named on the command line is not in the header.
    #[error("{file}: no column `{column}` (the header has: {header})")]
    NoColumn {
        /// The file.
        file: String,
        /// The column asked for.
        column: String,
        /// The header, comma-separated.
        header: String,
    },
    /// A time that is none of the accepted forms.
    #[error(
        "line {line}: `{value}` is not a time (expected 2024-03-31, 2024-03-31 08:30[:00] in the \
         series' zone, or RFC 3339 such as 2024-03-31T06:30:00Z)"
    )]
    BadTime {
        /// The line of the file (or the index of the row, from 1).
        line: u64,
        /// The text.
        value: String,
    },
    /// A count that is not a finite number at least 0.
    #[error("line {line}: `{value}` is not a count (a finite number ≥ 0)")]
    BadCount {
        /// The line.
        line: u64,
        /// The text.
        value: String,
    },
    /// A file's time before 1900 or more than a year after now: almost always a parsing or export
    /// fault (history from 1900 on is accepted; live events have their own, stricter rule).
    #[error("line {line}: {time} is {why} (accepted: from 1900-01-01 to one year from now)")]
    OutOfRange {
        /// The line.
        line: u64,
        /// The time as understood (UTC).
        time: String,
        /// "before 1900" or "in the future".
        why: &'static str,
    },
    /// No row at all.
    #[error("{file}: no data rows")]
    Empty {
        /// The file.
        file: String,
    },
    /// A duration (interval, horizon, step) not understood, naming where it came from.
    #[error(transparent)]
    Duration(#[from] crate::duration::DurationError),
    /// A command-line argument not understood (time zone, hours, holidays, delimiter).
    #[error("{what}: {reason}")]
    BadArgument {
        /// Which argument (`--tz`, `--open`, …).
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// Not enough history for what was asked (a backtest's first origin, a model's seasonality).
    #[error("too little history: {needed} needed, the series has {have}")]
    TooLittleHistory {
        /// What is needed, in words ("at least 21 days before the first origin").
        needed: String,
        /// What there is, in words.
        have: String,
    },
    /// A model failed in a way the caller cannot fix (reported, never a panic).
    #[error("model {model}: {reason}")]
    Model {
        /// The model's name.
        model: &'static str,
        /// What went wrong.
        reason: String,
    },
}
