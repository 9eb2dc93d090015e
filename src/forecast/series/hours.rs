//! Opening hours written on one line for the command line: `"mon-fri 07:00-21:00"`,
//! `"mon-fri 08:30-12:30,14:30-16:30; sat 09:00-12:00"` (day ranges or single days, then the
//! windows of [`crate::calendar::hours::parse_day`]; parts separated by `;`), in a series'
//! `open` setting and the command line's `--open`: [`OpeningHours`] keeps the text beside them.

use super::ForecastError;
use crate::calendar::WeeklyHours;
use crate::calendar::hours::{DAY_KEYS, parse_day, weekday_from_key};

/// Opening hours that could not be read: the reason, quoting the text. Where the text came from
/// is the caller's to say ([`OpeningHoursError::named`] for a command-line flag; a configuration
/// file's loader names the key itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OpeningHoursError(String);

impl OpeningHoursError {
    /// The error as the command line's argument `what` (`--open`).
    pub fn named(self, what: &'static str) -> ForecastError {
        ForecastError::BadArgument {
            what,
            reason: self.0,
        }
    }
}

/// Opening hours as written (`mon-fri 08:30-17:00`) and what they mean, read once: the text is
/// kept for messages and to write the settings back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpeningHours {
    text: String,
    hours: WeeklyHours,
}

impl OpeningHours {
    /// Reads `text` as [`parse_weekly`] does.
    pub fn parse(text: &str) -> Result<Self, OpeningHoursError> {
        Ok(Self {
            hours: parse_weekly(text)?,
            text: text.to_string(),
        })
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The weekly windows.
    pub fn hours(&self) -> &WeeklyHours {
        &self.hours
    }
}

impl TryFrom<String> for OpeningHours {
    type Error = OpeningHoursError;
    fn try_from(text: String) -> Result<Self, OpeningHoursError> {
        Self::parse(&text)
    }
}

impl From<OpeningHours> for String {
    fn from(h: OpeningHours) -> Self {
        h.text
    }
}

/// Parses `"mon-fri 07:00-21:00; sat 08:00-13:00"` into weekly hours; days not named are closed.
pub fn parse_weekly(text: &str) -> Result<WeeklyHours, OpeningHoursError> {
    let bad = OpeningHoursError;
    let mut hours = WeeklyHours::closed();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (days, windows) = part.split_once(char::is_whitespace).ok_or_else(|| {
            bad(format!(
                "`{part}` is not `DAYS HH:MM-HH:MM` (e.g. mon-fri 07:00-21:00)"
            ))
        })?;
        let windows = parse_day(windows).map_err(|e| bad(e.to_string()))?;
        for day in parse_days(days.trim()).map_err(bad)? {
            if let Some(weekday) = weekday_from_key(DAY_KEYS[day]) {
                hours.set_day(weekday, windows.clone());
            }
        }
    }
    if hours.is_never_open() {
        return Err(bad(format!("`{text}` opens on no day")));
    }
    Ok(hours)
}

/// `mon-fri` → 0..=4, `sat` → 5, `mon,wed` → 0 and 2 (days from Monday).
fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    let index = |key: &str| {
        let key = key.trim().to_ascii_lowercase();
        DAY_KEYS
            .iter()
            .position(|k| *k == key)
            .ok_or_else(|| format!("`{key}` is not a day (mon, tue, wed, thu, fri, sat, sun)"))
    };
    let mut days = Vec::new();
    for piece in text.split(',') {
        match piece.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (index(a)?, index(b)?);
                if b < a {
                    return Err(format!("`{piece}`: a day range runs from Monday to Sunday"));
                }
                days.extend(a..=b);
            }
            None => days.push(index(piece)?),
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn a_range_and_a_single_day_are_read() {
        let h = parse_weekly("mon-fri 07:00-21:00; sat 08:00-13:00").unwrap();
        assert_eq!(h.windows(Weekday::Tue)[0].start, 7 * 3600);
        assert_eq!(h.windows(Weekday::Fri)[0].end, 21 * 3600);
        assert_eq!(h.windows(Weekday::Sat)[0].end, 13 * 3600);
        assert!(h.windows(Weekday::Sun).is_empty());
    }

    #[test]
    fn bad_hours_are_refused_with_the_reason() {
        for bad in [
            "mon-fri",
            "fri-mon 07:00-08:00",
            "xyz 07:00-08:00",
            "mon 9-10",
            "sun closed",
        ] {
            let e = parse_weekly(bad).unwrap_err();
            assert!(!e.to_string().starts_with("--open"), "{bad}: {e}");
            let e = e.named("--open").to_string();
            assert!(e.starts_with("--open: "), "{bad}: {e}");
        }
    }
}
