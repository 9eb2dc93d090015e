//! Reading a series from a CSV file: one event per row (counted), or `(time, value)` rows (summed).
//!
//! Times are RFC 3339 instants (`2024-03-31T06:30:00Z`, `…+02:00`), or local times of the series'
//! zone written without an offset (`2024-03-31 08:30`, `2024-03-31T08:30:00`), or dates
//! (`2024-03-31`, counted at local midnight). Duplicate timestamps are summed: for events that is
//! counting, for value rows two rows of one instant add up (their number is reported). The
//! delimiter is `;` when the header has more `;` than `,`, else `,`.
//!
//! A file is history, often old: any time from 1900 to a year from now is accepted (a sanity
//! bound that still catches parse and export garbage such as year 0001 or 2999). The stricter
//! rule for live contacts (not before 2000, not in the future) belongs to the events that come in
//! through `POST /v1/events` and `import events` (`ops::events`), not to backtests of a file.

use super::{ForecastError, Interval, Series, SeriesCalendar};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use std::collections::HashSet;
use std::path::PathBuf;

/// A time as written: an instant, or a wall-clock time of the series' zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// With an offset: an instant.
    Instant(DateTime<Utc>),
    /// Without one: local time in the series' zone.
    Local(NaiveDateTime),
}

/// Parses one time (see the module header for the forms); `None` when it is none of them.
pub fn parse_stamp(text: &str) -> Option<Stamp> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(Stamp::Instant(t.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Stamp::Local(t));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| Stamp::Local(d.and_time(chrono::NaiveTime::MIN)))
}

/// What to read and how to count it.
#[derive(Debug, Clone)]
pub struct CsvSpec {
    /// The file.
    pub path: PathBuf,
    /// The time column.
    pub time_col: String,
    /// The value column; `None`: each row is one event.
    pub value_col: Option<String>,
    /// The field delimiter; `None`: guessed from the header.
    pub delimiter: Option<u8>,
    /// The interval of the series.
    pub interval: Interval,
    /// Zone, opening hours and special days.
    pub calendar: SeriesCalendar,
}

/// A series read from a file, with what was noticed on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The series.
    pub series: Series,
    /// Data rows read.
    pub rows: u64,
    /// Rows whose timestamp repeats an earlier row's (summed into the same interval).
    pub duplicate_stamps: u64,
    /// Contacts counted in closed intervals (kept in the values, ignored by the models).
    pub in_closed: f64,
}

/// Reads `spec.path` into a series (see the module header).
pub fn read_csv(spec: &CsvSpec) -> Result<Loaded, ForecastError> {
    let file = spec.path.display().to_string();
    let bytes = std::fs::read(&spec.path).map_err(|source| ForecastError::Io {
        path: spec.path.clone(),
        source,
    })?;
    let delimiter = spec.delimiter.unwrap_or_else(|| guess_delimiter(&bytes));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes.as_slice());
    let csv_error = |line: u64, e: csv::Error| ForecastError::Csv {
        file: file.clone(),
        line,
        reason: e.to_string(),
    };
    let header = reader.headers().map_err(|e| csv_error(1, e))?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| ForecastError::NoColumn {
                file: file.clone(),
                column: name.to_string(),
                header: header.iter().collect::<Vec<_>>().join(", "),
            })
    };
    let time_col = column(&spec.time_col)?;
    let value_col = spec.value_col.as_deref().map(column).transpose()?;
    let limits = Limits::now();
    let tz = spec.calendar.tz;
    let mut rows = Vec::new();
    let (mut seen, mut duplicate_stamps) = (HashSet::new(), 0);
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let record = record.map_err(|e| csv_error(line, e))?;
        let text = record.get(time_col).unwrap_or("");
        let local = match parse_stamp(text) {
            Some(Stamp::Instant(t)) => limits.check(line, t)?.with_timezone(&tz).naive_local(),
            Some(Stamp::Local(t)) => {
                limits.check(line, crate::calendar::local_to_utc(tz, t))?;
                t
            }
            None => {
                return Err(ForecastError::BadTime {
                    line,
                    value: text.to_string(),
                });
            }
        };
        let value = match value_col {
            None => 1.0,
            Some(c) => parse_count(line, record.get(c).unwrap_or(""))?,
        };
        if !seen.insert(local) {
            duplicate_stamps += 1;
        }
        rows.push((local, value));
    }
    let series = Series::from_local(spec.interval, spec.calendar.clone(), &rows)
        .ok_or(ForecastError::Empty { file })?;
    let in_closed = (0..series.len())
        .filter(|&i| !series.is_open(i))
        .map(|i| series.values()[i])
        .sum();
    Ok(Loaded {
        series,
        rows: rows.len() as u64,
        duplicate_stamps,
        in_closed,
    })
}

/// A finite count ≥ 0 (`12`, `4260.0`).
fn parse_count(line: u64, text: &str) -> Result<f64, ForecastError> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(ForecastError::BadCount {
            line,
            value: text.to_string(),
        }),
    }
}

fn guess_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| header.iter().filter(|&&b| b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// The first year a file's times may fall in: older history is welcome in a backtest (a call
/// centre's 1999 series), a time before 1900 is a parsing or export fault.
pub const EARLIEST_YEAR: i32 = 1900;

/// The accepted range of a file's times: from [`EARLIEST_YEAR`] to a year from now.
struct Limits {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Limits {
    fn now() -> Self {
        Self {
            from: Utc
                .with_ymd_and_hms(EARLIEST_YEAR, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            to: Utc::now() + TimeDelta::days(366),
        }
    }

    fn check(&self, line: u64, t: DateTime<Utc>) -> Result<DateTime<Utc>, ForecastError> {
        let why = if t < self.from {
            "before 1900"
        } else if t > self.to {
            "in the future"
        } else {
            return Ok(t);
        };
        Err(ForecastError::OutOfRange {
            line,
            time: t.to_rfc3339(),
            why,
        })
    }
}
