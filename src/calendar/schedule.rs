//! A daily job's time: `daily HH:MM` on the local wall clock of a zone, or `off`. The forecast
//! refit (`[forecast] refit`) and the outreach run (`[outreach] schedule`) are both written so;
//! this file reads the text once, when the settings are loaded, and finds the next run.

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// When a daily job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Schedule {
    /// Never on its own (only when asked).
    Off,
    /// Every day at this local time.
    Daily(NaiveTime),
}

/// A schedule that is neither `daily HH:MM` nor `off`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}`: `daily HH:MM` (e.g. `daily 02:00`) or `off`")]
pub struct ScheduleError {
    /// The text as written.
    pub text: String,
}

impl Schedule {
    /// Reads `daily HH:MM` or `off` (any case), surrounding spaces ignored.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(Self::Off);
        }
        text.strip_prefix("daily ")
            .and_then(|t| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok())
            .map(Self::Daily)
            .ok_or_else(|| ScheduleError {
                text: text.to_string(),
            })
    }

    /// The local time of the daily run; `None` when `off`.
    pub fn time(self) -> Option<NaiveTime> {
        match self {
            Self::Off => None,
            Self::Daily(at) => Some(at),
        }
    }

    /// The first run after `now` in `tz`; `None` when `off`. A local time skipped by a DST change
    /// is taken an hour later; a repeated one, at its first pass.
    pub fn next_after(self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let at = self.time()?;
        let today = now.with_timezone(&tz).date_naive();
        (0..3).find_map(|d| {
            let local = (today + chrono::Days::new(d)).and_time(at);
            let t = tz
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(local + TimeDelta::hours(1)))
                        .earliest()
                })?
                .with_timezone(&Utc);
            (t > now).then_some(t)
        })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Off => f.write_str("off"),
            Self::Daily(at) => write!(f, "daily {}", at.format("%H:%M")),
        }
    }
}

impl TryFrom<String> for Schedule {
    type Error = ScheduleError;
    fn try_from(text: String) -> Result<Self, ScheduleError> {
        Self::parse(&text)
    }
}

impl From<Schedule> for String {
    fn from(s: Schedule) -> Self {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Rome;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn daily_and_off_are_read_and_written_back() {
        let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        assert_eq!(Schedule::parse("daily 02:00"), Ok(Schedule::Daily(two)));
        assert_eq!(Schedule::parse(" daily  2:00 "), Ok(Schedule::Daily(two)));
        assert_eq!(Schedule::parse("OFF"), Ok(Schedule::Off));
        assert_eq!(Schedule::Daily(two).to_string(), "daily 02:00");
        assert_eq!(Schedule::Off.to_string(), "off");
        for bad in ["weekly", "daily", "daily 25:00", "Daily 02:00", "02:00", ""] {
            let e = Schedule::parse(bad).unwrap_err().to_string();
            assert!(e.contains("`daily HH:MM`"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_next_run_is_the_next_local_time_in_the_zone() {
        let s = Schedule::parse("daily 02:00").unwrap();
        // 01:30 in Rome (UTC+1 in winter): tonight at 02:00 local, 01:00 UTC.
        assert_eq!(
            s.next_after(utc(2026, 12, 1, 0, 30), Rome),
            Some(utc(2026, 12, 1, 1, 0))
        );
        // At it: tomorrow.
        assert_eq!(
            s.next_after(utc(2026, 12, 1, 1, 0), Rome),
            Some(utc(2026, 12, 2, 1, 0))
        );
        // 02:00 does not exist on 29 March 2026 in Rome: 03:00 local (01:00 UTC).
        assert_eq!(
            s.next_after(utc(2026, 3, 28, 23, 0), Rome),
            Some(utc(2026, 3, 29, 1, 0))
        );
        // 02:30 happens twice on 25 October 2026: the first pass (CEST, 00:30 UTC).
        let s = Schedule::parse("daily 02:30").unwrap();
        assert_eq!(
            s.next_after(utc(2026, 10, 24, 23, 0), Rome),
            Some(utc(2026, 10, 25, 0, 30))
        );
        assert_eq!(Schedule::Off.next_after(utc(2026, 12, 1, 0, 0), Rome), None);
    }
}
