//! Fixtures for the tests of the calendar and of its users (route's SLA).

use super::WeeklyHours;
use super::hours::parse_day;
use chrono::{NaiveDateTime, Weekday};
use chrono_tz::Tz;

/// Mon–Fri 09:00-13:00 and 14:00-17:00: seven business hours a day.
pub(crate) fn office() -> WeeklyHours {
    let mut week = WeeklyHours::closed();
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        week.set_day(day, parse_day("09:00-13:00,14:00-17:00").unwrap());
    }
    week
}

/// Europe/Rome.
pub(crate) fn rome() -> Tz {
    chrono_tz::Europe::Rome
}

/// `YYYY-MM-DD HH:MM` as a naive local time.
pub(crate) fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}
