//! The office calendar: when a public administration is open, and how much business time lies
//! between two instants.
//!
//! Owns Italian national holidays (with Easter), local closures, weekly opening hours and the
//! arithmetic of business time over them. Routing (`route::sla`) uses it for SLA deadlines; the
//! forecasting module uses it for special days and the opening hours of a queue. A leaf: it imports
//! nothing from the crate, so that `route`, `forecast` and anything else can depend on it without
//! depending on each other.
//!
//! - [`holidays`]: [`HolidayCalendar`], national holidays and configured local closures.
//! - [`hours`]: [`WeeklyHours`], opening windows per weekday, parsed from text.
//! - [`business`]: [`BusinessCalendar`], hours + holidays + time zone: [`BusinessCalendar::is_open`],
//!   [`BusinessCalendar::open_minutes`], [`BusinessCalendar::add_business_time`] and the
//!   close-of-business-day walk SLAs need.
//! - [`schedule`]: [`Schedule`], a daily job's local time (`daily 02:00`) or `off`, and its next run.
//! - [`zone`]: time zones in settings, read by name once (serde helpers for `chrono_tz::Tz`).
//!
//! # Why the holidays are hand-written
//!
//! Checked in December 2026 before keeping our own computation (what a replacement had to do:
//! every Italian national holiday including Pasquetta, 2 June, 8 and 26 December, San Francesco on
//! 4 October from 2026, local patron days from configuration, any year, under a licence we can ship):
//!
//! - `holidays` 0.1.0 (mapbox-jp, generated from Python's `holidays`): one release (2023), Italian
//!   tables only for 2000–2029, no 4 October from 2026, no local days; loads every country into a
//!   global `RwLock` map that must be `init()`ed first; its crate metadata declares no licence.
//! - `bdays` 0.1.4: business-day arithmetic over a `HolidayCalendar` trait, with calendars for
//!   Brazil, the US and Germany only; no opening hours, so we would still write the Italian list
//!   and all of the hours arithmetic.
//! - `computus` 2.0.0 (MIT, no_std): Easter Sunday only. It would replace the twenty lines of
//!   [`holidays::easter_sunday`], not the calendar; not worth a dependency for that.
//! - No `chrono-holidays` or workalendar-like crate with an Italian calendar was found; the
//!   quantitative-finance crates (`finquant`, `libitofin`) carry an Italian *settlement* calendar,
//!   which is not the administration's (no 4 October, no local days) and comes with a pricing library.
//!
//! So the national calendar stays computed here (Easter by the Meeus/Jones/Butcher algorithm,
//! tested for 1583–2999), and the law's changes are one line each in [`holidays::national_holiday`].

pub mod business;
pub mod holidays;
pub mod hours;
pub mod schedule;
#[cfg(test)]
pub(crate) mod test_support;
pub mod zone;

pub use business::{BusinessCalendar, local_to_utc};
pub use holidays::{HolidayCalendar, HolidayError, easter_sunday, is_national_holiday};
pub use hours::{HoursError, WeeklyHours, Window};
pub use schedule::{Schedule, ScheduleError};
