//! Italian public holidays, national and local: the days on which offices are closed.
//!
//! The national calendar is computed, not listed, so it never needs a yearly update; local closures
//! (the patron saint's day, a one-off closure decided by the Giunta) are added from configuration
//! as `MM-DD` or `YYYY-MM-DD` text. Why this is hand-written rather than a crate: see the
//! [module docs](super).

use chrono::{Datelike, NaiveDate};

/// A local holiday entry in the configuration was not a valid date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    /// Neither `MM-DD` nor `YYYY-MM-DD`, or not a real day of the calendar.
    #[error(
        "`{value}` is not a date (expected MM-DD such as \"12-10\", or YYYY-MM-DD such as \"2026-12-24\")"
    )]
    BadDate {
        /// The text as written.
        value: String,
    },
}

/// Easter Sunday of a Gregorian year (1583 onwards), or `None` before the Gregorian calendar.
///
/// The anonymous Gregorian algorithm (Meeus/Jones/Butcher): ten lines of integer arithmetic,
/// checked below against published dates and for every year from 1583 to 2999.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if year < 1583 {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// The Italian name of the national holiday falling on `date`, if any.
///
/// The calendar is the one in force since 2001 (2 June restored); requests are routed in the
/// present, so earlier calendars are not modelled.
pub fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Capodanno"),
        (1, 6) => Some("Epifania"),
        (4, 25) => Some("Festa della Liberazione"),
        (5, 1) => Some("Festa del Lavoro"),
        (6, 2) => Some("Festa della Repubblica"),
        (8, 15) => Some("Ferragosto"),
        // San Francesco d'Assisi, patron saint of Italy: reinstated as a national holiday from 2026
        // by Legge 151/2025 (it had been abolished in 1977).
        (10, 4) if date.year() >= 2026 => Some("San Francesco d'Assisi"),
        (11, 1) => Some("Ognissanti"),
        (12, 8) => Some("Immacolata Concezione"),
        (12, 25) => Some("Natale"),
        (12, 26) => Some("Santo Stefano"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    // Easter Sunday is always a Sunday and so already closed; only Easter Monday is a weekday holiday.
    // It falls between 23 March and 26 April, so skip the computation for other months.
    if matches!(date.month(), 3 | 4) {
        let pasquetta = easter_sunday(date.year()).and_then(|e| e.succ_opt());
        if pasquetta == Some(date) {
            return Some("Lunedì dell'Angelo (Pasquetta)");
        }
    }
    None
}

/// Whether `date` is an Italian national holiday.
pub fn is_national_holiday(date: NaiveDate) -> bool {
    national_holiday(date).is_some()
}

/// National holidays plus the local closures of one municipality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    /// Closures repeated every year, as (month, day): the patron saint's day.
    yearly: Vec<(u32, u32)>,
    /// One-off closures on a given date.
    dates: Vec<NaiveDate>,
}

impl HolidayCalendar {
    /// A calendar with the national holidays only.
    pub fn national() -> Self {
        Self::default()
    }

    /// Adds a local closure written as `MM-DD` (every year) or `YYYY-MM-DD` (that day only).
    pub fn add_local(&mut self, entry: &str) -> Result<(), HolidayError> {
        let bad = || HolidayError::BadDate {
            value: entry.to_string(),
        };
        let text = entry.trim();
        match text.len() {
            5 => {
                let (month, day) = text.split_once('-').ok_or_else(bad)?;
                let (month, day) = (
                    parse_2(month).ok_or_else(bad)?,
                    parse_2(day).ok_or_else(bad)?,
                );
                // 2024 is a leap year, so "02-29" is accepted (and applies in leap years only).
                NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
                self.yearly.push((month, day));
            }
            10 => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
                self.dates.push(date);
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The local closures repeated every year, as (month, day).
    pub fn local_yearly(&self) -> &[(u32, u32)] {
        &self.yearly
    }

    /// The one-off local closures.
    pub fn local_dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// Whether offices are closed on `date` for a national or local holiday (weekends aside).
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.yearly.contains(&(date.month(), date.day()))
            || self.dates.contains(&date)
            || is_national_holiday(date)
    }
}

/// Two ASCII digits as a number; anything else (signs, spaces, one digit) is refused.
fn parse_2(text: &str) -> Option<u32> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_matches_known_years() {
        assert_eq!(easter_sunday(2024), Some(day(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(day(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(day(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(day(2027, 3, 28)));
        assert_eq!(easter_sunday(2038), Some(day(2038, 4, 25)));
        // Extremes of the range: earliest (22 March) and latest (25 April) possible dates.
        assert_eq!(easter_sunday(2285), Some(day(2285, 3, 22)));
        assert_eq!(easter_sunday(1943), Some(day(1943, 4, 25)));
        assert_eq!(easter_sunday(1500), None);
    }

    #[test]
    fn easter_is_always_a_sunday_in_range() {
        for year in 1583..3000 {
            let easter = easter_sunday(year).unwrap();
            assert_eq!(easter.weekday(), chrono::Weekday::Sun, "{year}");
            assert!(
                easter >= day(year, 3, 22) && easter <= day(year, 4, 25),
                "{year}"
            );
        }
    }

    #[test]
    fn national_holidays_of_2026() {
        let holidays: Vec<NaiveDate> = day(2026, 1, 1)
            .iter_days()
            .take_while(|d| d.year() == 2026)
            .filter(|d| is_national_holiday(*d))
            .collect();
        let expected = [
            (1, 1),
            (1, 6),
            (4, 6),
            (4, 25),
            (5, 1),
            (6, 2),
            (8, 15),
            (10, 4),
            (11, 1),
            (12, 8),
            (12, 25),
            (12, 26),
        ]
        .map(|(m, d)| day(2026, m, d));
        assert_eq!(holidays, expected);
        assert_eq!(
            national_holiday(day(2026, 4, 6)),
            Some("Lunedì dell'Angelo (Pasquetta)")
        );
    }

    #[test]
    fn san_francesco_only_from_2026() {
        assert!(!is_national_holiday(day(2025, 10, 4)));
        assert!(is_national_holiday(day(2026, 10, 4)));
        assert!(is_national_holiday(day(2030, 10, 4)));
    }

    #[test]
    fn easter_sunday_itself_is_not_listed_but_pasquetta_is() {
        assert!(!is_national_holiday(day(2027, 3, 28)));
        assert!(is_national_holiday(day(2027, 3, 29)));
        assert!(is_national_holiday(day(2025, 4, 21)));
    }

    #[test]
    fn local_holidays_yearly_and_one_off() {
        let mut cal = HolidayCalendar::national();
        cal.add_local("12-10").unwrap();
        cal.add_local(" 2026-12-24 ").unwrap();
        cal.add_local("02-29").unwrap();
        assert!(cal.is_holiday(day(2026, 12, 10)));
        assert!(cal.is_holiday(day(2031, 12, 10)));
        assert!(cal.is_holiday(day(2026, 12, 24)));
        assert!(!cal.is_holiday(day(2027, 12, 24)));
        assert!(cal.is_holiday(day(2028, 2, 29)));
        assert!(
            cal.is_holiday(day(2026, 12, 25)),
            "national holidays still apply"
        );
        assert!(!cal.is_holiday(day(2026, 12, 11)));
    }

    #[test]
    fn bad_local_holidays_are_refused() {
        let mut cal = HolidayCalendar::national();
        for bad in [
            "13-01",
            "02-30",
            "1-10",
            "12/10",
            "2026-02-29",
            "",
            "december 10",
            "+1-10",
        ] {
            let err = cal.add_local(bad).unwrap_err();
            assert!(
                err.to_string().contains(&format!("`{bad}`")),
                "{bad}: {err}"
            );
        }
        assert_eq!(cal, HolidayCalendar::national());
    }
}
