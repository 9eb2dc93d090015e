//! Weekly opening hours: parsed once from text such as `"08:30-12:30,14:30-16:30"` into sorted
//! windows, so that an SLA computed per request, or a forecast's hours per queue, parses nothing.
//!
//! Times are local wall-clock times in the caller's time zone; a window never runs past midnight
//! (write two windows, ending at `24:00` and starting at `00:00`, for a night shift).

use chrono::Weekday;
use std::fmt;

/// Seconds in a day: the largest value a window's end can take (`24:00`).
pub const DAY_SECONDS: u32 = 24 * 60 * 60;

/// Day keys accepted in `hours`, in the order of [`Weekday::num_days_from_monday`].
pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One day's opening text could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// A comma-separated piece is not `start-end`.
    #[error("`{window}` is not a time window (expected HH:MM-HH:MM, e.g. 08:30-12:30)")]
    BadWindow {
        /// The piece as written.
        window: String,
    },
    /// A time is not `HH:MM` within the day.
    #[error("`{time}` is not a time of day (expected HH:MM from 00:00 to 24:00)")]
    BadTime {
        /// The time as written.
        time: String,
    },
    /// The window ends at or before its start.
    #[error("window `{window}` does not end after it starts (a window cannot run past midnight)")]
    EndNotAfterStart {
        /// The window as written.
        window: String,
    },
    /// Two windows of the same day overlap.
    #[error("windows {first} and {second} overlap")]
    Overlap {
        /// The earlier window.
        first: Window,
        /// The window that starts before `first` ends.
        second: Window,
    },
}

/// An opening window within one day, in seconds since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Opening time, seconds since midnight.
    pub start: u32,
    /// Closing time, seconds since midnight; at most [`DAY_SECONDS`], always after `start`.
    pub end: u32,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |s: u32| (s / 3600, s % 3600 / 60);
        let ((sh, sm), (eh, em)) = (hm(self.start), hm(self.end));
        write!(f, "{sh:02}:{sm:02}-{eh:02}:{em:02}")
    }
}

/// Opening windows for each day of the week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    /// Indexed by days from Monday; each day's windows are sorted, disjoint and non-adjacent.
    days: [Vec<Window>; 7],
}

impl WeeklyHours {
    /// A week with no opening at all; fill it with [`WeeklyHours::set_day`].
    pub fn closed() -> Self {
        Self::default()
    }

    /// Sets the windows of one day, replacing any earlier ones.
    pub fn set_day(&mut self, day: Weekday, windows: Vec<Window>) {
        self.days[day.num_days_from_monday() as usize] = windows;
    }

    /// The opening windows of a weekday, sorted (empty when closed).
    pub fn windows(&self, day: Weekday) -> &[Window] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Whether the office never opens in a whole week.
    pub fn is_never_open(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// The weekday named by a key of the `hours` table (`mon` … `sun`, lowercase as in TOML keys).
pub fn weekday_from_key(key: &str) -> Option<Weekday> {
    const WEEKDAYS: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let index = DAY_KEYS.iter().position(|k| *k == key)?;
    WEEKDAYS.get(index).copied()
}

/// Parses one day's windows: `"08:30-12:30,14:30-16:30"`; an empty text or `"closed"` means closed.
///
/// Windows may be given in any order; the result is sorted, and windows that touch (one ends when
/// the next starts) are merged so that an SLA never stops at a boundary that is not a closing time.
pub fn parse_day(text: &str) -> Result<Vec<Window>, HoursError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut windows = Vec::new();
    for piece in text.split(',') {
        let piece = piece.trim();
        let (start, end) = piece.split_once('-').ok_or_else(|| HoursError::BadWindow {
            window: piece.to_string(),
        })?;
        let (start, end) = (parse_time(start.trim())?, parse_time(end.trim())?);
        // 24:00 is only meaningful as an end, and the end check below refuses it as a start.
        if end <= start {
            return Err(HoursError::EndNotAfterStart {
                window: piece.to_string(),
            });
        }
        windows.push(Window { start, end });
    }
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
    for window in windows {
        match merged.last_mut() {
            Some(last) if window.start < last.end => {
                return Err(HoursError::Overlap {
                    first: *last,
                    second: window,
                });
            }
            Some(last) if window.start == last.end => last.end = window.end,
            _ => merged.push(window),
        }
    }
    Ok(merged)
}

/// `HH:MM` (or `H:MM`) as seconds since midnight; `24:00` is allowed and means the end of the day.
fn parse_time(text: &str) -> Result<u32, HoursError> {
    let bad = || HoursError::BadTime {
        time: text.to_string(),
    };
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let hours = digits(h, 2).ok_or_else(bad)?;
    let minutes = (m.len() == 2)
        .then(|| digits(m, 2))
        .flatten()
        .ok_or_else(bad)?;
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return Err(bad());
    }
    Ok(hours * 3600 + minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: &str, end: &str) -> Window {
        Window {
            start: parse_time(start).unwrap(),
            end: parse_time(end).unwrap(),
        }
    }

    #[test]
    fn parses_and_sorts_windows() {
        let day = parse_day(" 14:30-16:30 , 8:30-12:30").unwrap();
        assert_eq!(day, vec![w("08:30", "12:30"), w("14:30", "16:30")]);
        assert_eq!(day[0].start, 8 * 3600 + 30 * 60);
        assert_eq!(day[0].to_string(), "08:30-12:30");
    }

    #[test]
    fn closed_days() {
        assert_eq!(parse_day(""), Ok(vec![]));
        assert_eq!(parse_day("Closed"), Ok(vec![]));
    }

    #[test]
    fn whole_day_and_adjacent_windows_merge() {
        assert_eq!(
            parse_day("00:00-24:00").unwrap(),
            vec![Window {
                start: 0,
                end: DAY_SECONDS
            }]
        );
        assert_eq!(
            parse_day("08:00-12:00,12:00-14:00").unwrap(),
            vec![w("08:00", "14:00")]
        );
    }

    #[test]
    fn refuses_overlaps() {
        let err = parse_day("08:30-12:30,12:00-13:00").unwrap_err();
        assert_eq!(
            err.to_string(),
            "windows 08:30-12:30 and 12:00-13:00 overlap"
        );
    }

    #[test]
    fn refuses_end_before_start() {
        let err = parse_day("12:30-08:30").unwrap_err();
        assert!(
            matches!(err, HoursError::EndNotAfterStart { ref window } if window == "12:30-08:30")
        );
        assert!(parse_day("09:00-09:00").is_err());
        assert!(parse_day("24:00-24:00").is_err());
    }

    #[test]
    fn refuses_bad_times_and_windows() {
        for (text, culprit) in [
            ("25:00-26:00", "25:00"),
            ("08:60-09:00", "08:60"),
            ("08-12", "08"),
            ("8.30-12.30", "8.30"),
            ("08:30-24:01", "24:01"),
            ("08:3-12:00", "08:3"),
            ("-1:00-02:00", ""),
        ] {
            let err = parse_day(text).unwrap_err();
            assert!(
                err.to_string().contains(&format!("`{culprit}`")),
                "{text}: {err}"
            );
        }
        assert!(matches!(
            parse_day("08:30"),
            Err(HoursError::BadWindow { .. })
        ));
        assert!(matches!(
            parse_day("08:30-12:30,"),
            Err(HoursError::BadWindow { .. })
        ));
    }

    #[test]
    fn day_keys() {
        assert_eq!(weekday_from_key("mon"), Some(Weekday::Mon));
        assert_eq!(weekday_from_key("sun"), Some(Weekday::Sun));
        assert_eq!(weekday_from_key("Sun"), None);
        assert_eq!(weekday_from_key("lun"), None);
        assert_eq!(weekday_from_key("monday"), None);
    }

    #[test]
    fn weekly_lookup() {
        let mut week = WeeklyHours::closed();
        assert!(week.is_never_open());
        week.set_day(Weekday::Tue, parse_day("09:00-12:00").unwrap());
        assert!(!week.is_never_open());
        assert_eq!(week.windows(Weekday::Tue), &[w("09:00", "12:00")]);
        assert!(week.windows(Weekday::Mon).is_empty());
    }
}
