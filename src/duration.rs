//! The one grammar of durations written by people: in `instrada.toml` (a series' `interval`, an
//! SLA), on the command line (`--horizon 14d`, `--interval 30m`) and in the API (`horizon=2w`, a
//! staffing `interval` of `"1800"`). A leaf: it imports nothing of the crate.
//!
//! # Grammar
//!
//! ```text
//! duration := part+ | number            a bare number is seconds ("1800")
//! part     := number unit               "1d", "4h", "0.5h", "90min"
//! number   := digits ["." digits] | "." digits      (no sign, no exponent)
//! unit     := w | d | h | m | min | s   ASCII letters, any case ("30M" is "30m")
//! ```
//!
//! Units come largest first and each at most once (`1d4h`, `1h30m`; not `4h1d` nor `1h1h`).
//! Whitespace around the text and between its tokens is ignored (`" 1d 4h "`, `"30 m"`). Zero is a
//! duration (`0m`): whether it means anything is its user's call.
//!
//! [`Duration`] keeps the parts as written, because they do not all mean a fixed length to every
//! user: an SLA's `Nd` is N *business days*. Each user keeps only its own restriction on top of
//! the grammar (a series' interval is one of four lengths, an SLA takes whole `d`, `h`, `m`, a
//! horizon whole days 1–28) and words its own message.
//!
//! # Errors name where the text came from
//!
//! [`DurationError`] says what is wrong with the text; the caller, who knows whether the text came
//! from a configuration key, a command-line flag or an API field, adds that name with
//! [`DurationError::named`]. Inside serde (configuration files) the name is left out: the
//! configuration loader already names the file line or the environment variable.

use std::fmt;

/// A unit of a duration, largest first (the order the grammar requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// `w`: seven days.
    Week,
    /// `d`: a day (24 hours, unless its user says otherwise).
    Day,
    /// `h`.
    Hour,
    /// `m` or `min`.
    Minute,
    /// `s`, and a bare number.
    Second,
}

impl Unit {
    /// Seconds in one unit (a day as 24 hours).
    pub fn seconds(self) -> u64 {
        match self {
            Self::Week => 7 * 86_400,
            Self::Day => 86_400,
            Self::Hour => 3600,
            Self::Minute => 60,
            Self::Second => 1,
        }
    }

    /// The symbol a duration is written with: `w`, `d`, `h`, `m`, `s`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Week => "w",
            Self::Day => "d",
            Self::Hour => "h",
            Self::Minute => "m",
            Self::Second => "s",
        }
    }

    fn from_symbol(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "w" => Self::Week,
            "d" => Self::Day,
            "h" => Self::Hour,
            "m" | "min" => Self::Minute,
            "s" => Self::Second,
            _ => return None,
        })
    }
}

/// One `<number><unit>` of a duration, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    /// The number (finite, at least 0).
    pub amount: f64,
    /// Whether the number was written without a decimal point.
    pub whole: bool,
    /// The unit.
    pub unit: Unit,
}

impl Part {
    /// The number when it was written as a whole number (saturating at `u64::MAX`).
    pub fn whole_amount(&self) -> Option<u64> {
        // `as` saturates: a number of twenty digits is refused by its user as too long.
        self.whole.then_some(self.amount as u64)
    }
}

/// A duration as written: its parts, largest unit first.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    parts: Vec<Part>,
    bare: bool,
}

impl Duration {
    /// Reads `text` by the grammar of the module docs.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let malformed = |why: &str| DurationError::malformed(text, why);
        let mut parts: Vec<Part> = Vec::new();
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(malformed("it is empty"));
        }
        while !rest.is_empty() {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(end);
            if !number.bytes().any(|b| b.is_ascii_digit()) {
                return Err(malformed("each part starts with a number"));
            }
            let amount: f64 = number
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| malformed(&format!("`{number}` is not a number")))?;
            let after = after.trim_start();
            let end = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            let (symbol, after) = after.split_at(end);
            if symbol.is_empty() {
                if parts.is_empty() && after.is_empty() {
                    let unit = Unit::Second;
                    let whole = !number.contains('.');
                    return Ok(Self {
                        parts: vec![Part {
                            amount,
                            whole,
                            unit,
                        }],
                        bare: true,
                    });
                }
                return Err(malformed(&format!("`{number}` has no unit")));
            }
            let unit = Unit::from_symbol(symbol)
                .ok_or_else(|| malformed(&format!("`{symbol}` is not a unit")))?;
            if parts.last().is_some_and(|p| p.unit >= unit) {
                return Err(malformed("units come largest first, each once"));
            }
            parts.push(Part {
                amount,
                whole: !number.contains('.'),
                unit,
            });
            rest = after.trim_start();
        }
        Ok(Self { parts, bare: false })
    }

    /// The parts, largest unit first (one part of seconds for a bare number).
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The part in `unit`, if written.
    pub fn part(&self, unit: Unit) -> Option<&Part> {
        self.parts.iter().find(|p| p.unit == unit)
    }

    /// Whether it was a bare number of seconds (`"1800"`).
    pub fn is_bare(&self) -> bool {
        self.bare
    }

    /// Whether every number was written as a whole number.
    pub fn is_whole(&self) -> bool {
        self.parts.iter().all(|p| p.whole)
    }

    /// Whether every part is in one of `units` (a bare number is in seconds).
    pub fn uses_only(&self, units: &[Unit]) -> bool {
        self.parts.iter().all(|p| units.contains(&p.unit))
    }

    /// The whole length in seconds, with a day as 24 hours and a week as 7 days.
    pub fn seconds(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| p.amount * p.unit.seconds() as f64)
            .sum()
    }

    /// The length as a whole number of `unit`s, when it is one (`36h` is 1.5 days: `None`).
    pub fn whole(&self, unit: Unit) -> Option<u64> {
        let n = self.seconds() / unit.seconds() as f64;
        // Decimal parts are binary fractions: `0.1h` is 360.00000000000006 seconds.
        let rounded = n.round();
        ((n - rounded).abs() <= 1e-9 * rounded.max(1.0) && rounded < u64::MAX as f64)
            .then_some(rounded as u64)
    }
}

impl fmt::Display for Duration {
    /// The parts again, without whitespace (`1d4h`; a bare number stays bare).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            write!(f, "{}", p.amount)?;
            if !self.bare {
                f.write_str(p.unit.symbol())?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Duration {
    type Err = DurationError;
    fn from_str(text: &str) -> Result<Self, DurationError> {
        Self::parse(text)
    }
}

/// A duration that could not be read, or that its user cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", what.as_deref().map(|w| format!("{w}: ")).unwrap_or_default())]
pub struct DurationError {
    /// The configuration key, flag or field the text came from, when its caller said.
    pub what: Option<String>,
    /// What is wrong, quoting the text.
    pub message: String,
}

impl DurationError {
    /// An error saying `message` (a user's restriction: "`7m` is not one of 15m, …").
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            what: None,
            message: message.into(),
        }
    }

    /// `text` does not follow the grammar, because `why`.
    fn malformed(text: &str, why: &str) -> Self {
        Self::new(format!(
            "`{}` is not a duration ({why}; e.g. 30m, 1h30m, 2d, 1w: a number and a unit w, d, \
             h, m or s per part, largest first)",
            text.trim()
        ))
    }

    /// The same error, naming the key, flag or field the text came from.
    pub fn named(mut self, what: impl Into<String>) -> Self {
        self.what = Some(what.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<(f64, Unit)> {
        Duration::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .parts()
            .iter()
            .map(|p| (p.amount, p.unit))
            .collect()
    }

    #[test]
    fn every_form_of_the_five_old_grammars_is_read_with_its_meaning() {
        use Unit::*;
        // Series intervals, backtest spans, horizons, staffing intervals, SLAs.
        for (text, seconds) in [
            ("15m", 900.0),
            ("30m", 1800.0),
            ("60m", 3600.0),
            ("1h", 3600.0),
            ("1d", 86_400.0),
            ("24h", 86_400.0),
            ("14d", 14.0 * 86_400.0),
            ("1w", 7.0 * 86_400.0),
            ("2w", 14.0 * 86_400.0),
            ("36h", 36.0 * 3600.0),
            ("90m", 5400.0),
            ("90min", 5400.0),
            ("1800", 1800.0),
            ("0.5h", 1800.0),
            ("30s", 30.0),
            ("1d4h", 28.0 * 3600.0),
            ("1h30m", 5400.0),
            (" 90m ", 5400.0),
            ("30M", 1800.0),
            ("30 m", 1800.0),
        ] {
            let d = Duration::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.seconds(), seconds, "{text}");
        }
        assert_eq!(parts("1d4h"), [(1.0, Day), (4.0, Hour)]);
        assert_eq!(parts("1w2d3h4m5s").len(), 5);
        assert!(Duration::parse("1800").unwrap().is_bare());
        assert!(!Duration::parse("1800s").unwrap().is_bare());
        assert!(!Duration::parse("0.5h").unwrap().is_whole());
        assert_eq!(Duration::parse("1d 4h").unwrap().to_string(), "1d4h");
    }

    #[test]
    fn text_outside_the_grammar_is_refused_saying_why() {
        for (bad, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("h", "starts with a number"),
            ("-4h", "starts with a number"),
            ("+4h", "starts with a number"),
            ("4x", "`x` is not a unit"),
            ("4 ore", "`ore` is not a unit"),
            ("4h1d", "largest first"),
            ("1h1h", "largest first"),
            ("1m1min", "largest first"),
            ("1h30", "`30` has no unit"),
            ("1.2.3h", "`1.2.3` is not a number"),
            ("1e3", "`e` is not a unit"),
            ("half an hour", "starts with a number"),
        ] {
            let e = Duration::parse(bad).unwrap_err().to_string();
            assert!(
                e.contains("is not a duration") && e.contains(why),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_caller_names_the_source() {
        let e = Duration::parse("soon").unwrap_err();
        assert!(e.to_string().starts_with("`soon` is not a duration"), "{e}");
        let e = e.named("--horizon").to_string();
        assert!(e.starts_with("--horizon: `soon` is not a duration"), "{e}");
    }

    #[test]
    fn whole_lengths_allow_for_binary_fractions() {
        let d = |t| Duration::parse(t).unwrap();
        assert_eq!(d("0.1h").whole(Unit::Minute), Some(6));
        assert_eq!(d("48h").whole(Unit::Day), Some(2));
        assert_eq!(d("36h").whole(Unit::Day), None);
        assert_eq!(d("1.5w").whole(Unit::Day), None);
        assert_eq!(d("1.5w").whole(Unit::Hour), Some(252));
        assert_eq!(
            d("99999999999h").part(Unit::Hour).unwrap().whole_amount(),
            Some(99_999_999_999)
        );
    }
}
