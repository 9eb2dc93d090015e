//! Service-level deadlines: SLA durations (`"30m"`, `"4h"`, `"2d"`, `"1d4h"`) and what they mean
//! for a queue, round the clock or in its business hours. The business-time walk itself lives in
//! [`crate::calendar`]; the grammar of the text is [`crate::duration`]'s, and this file owns what
//! an SLA takes of it (whole days, hours and minutes) and what that means. Imports the `calendar`
//! and `duration` leaves, nothing else of the crate.
//!
//! # What a duration means
//!
//! For a queue **without** opening hours, time runs round the clock: `1d` is 24 elapsed hours, `4h`
//! is 4 elapsed hours.
//!
//! For a queue **with** opening hours, only business time counts ([`BusinessCalendar`]: opening
//! windows on weekdays that are not national or local holidays).
//!
//! - `Nh` / `Nm` are business minutes: the clock runs only inside opening windows. A request that
//!   arrives while the office is closed (at night, at lunch, on a Sunday or a holiday) starts
//!   counting at the next opening. A deadline that lands exactly on a closing time stays there.
//! - `Nd` means **by close of business of the N-th business day after day 0**. Day 0 is the day the
//!   request was received if that is a business day and the request arrived before that day's last
//!   closing time; otherwise day 0 is the next business day. So with `1d`, a request received on
//!   Monday at 10:00 (or at 07:00, before opening) is due on Tuesday at closing time; one received on
//!   Monday at 18:00, after closing, is due on Wednesday at closing time; one received on Saturday is
//!   due on Tuesday at closing time.
//! - `NdMh` (e.g. `1d4h`): first the days as above, then M business hours counted from that closing
//!   time, i.e. into the following business day.
//!
//! Business time is counted on the local wall clock of the opening hours, so a window 09:00-13:00
//! is four hours long even on the night clocks change; the due time is converted to UTC with the
//! offset in force on that date ([`crate::calendar::local_to_utc`]), which is how DST is handled.

use crate::calendar::BusinessCalendar;
use crate::duration::{Duration, Unit};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use std::fmt;

/// Longest accepted SLA: a deadline beyond a year is a configuration mistake.
pub const MAX_SLA_DAYS: u32 = 366;

/// An SLA duration could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not whole numbers of d, h, m in that order (a [`crate::duration`] in other units, with
    /// decimals, or a bare number is refused too: `Nd` counts business days, so the parts matter).
    #[error(
        "`{text}` is not a duration (expected e.g. 30m, 4h, 2d or 1d4h: units d, h, m in that order)"
    )]
    Malformed {
        /// The text as written.
        text: String,
    },
    /// All parts are zero: a deadline equal to the arrival time means nothing.
    #[error("`{text}` is zero; an SLA must be longer than that")]
    Zero {
        /// The text as written.
        text: String,
    },
    /// Longer than [`MAX_SLA_DAYS`].
    #[error("`{text}` is longer than the limit of {MAX_SLA_DAYS} days")]
    TooLong {
        /// The text as written.
        text: String,
    },
}

/// A parsed SLA duration, keeping the parts as written so that reasons quote the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaDuration {
    /// Whole days (`Nd`).
    pub days: u32,
    /// Hours (`Nh`).
    pub hours: u32,
    /// Minutes (`Nm`).
    pub minutes: u32,
}

impl SlaDuration {
    /// Parses `"30m"`, `"4h"`, `"2d"`, `"1d4h"`, `"1h30m"`: a [`crate::duration`] in whole days,
    /// hours and minutes (each unit at most once, in that order), kept as written.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let malformed = || DurationError::Malformed {
            text: text.to_string(),
        };
        let d = Duration::parse(text).map_err(|_| malformed())?;
        if d.is_bare() || !d.is_whole() || !d.uses_only(&[Unit::Day, Unit::Hour, Unit::Minute]) {
            return Err(malformed());
        }
        // Anything past a million is refused as too long below; this only avoids overflow.
        let part = |unit| {
            d.part(unit)
                .and_then(|p| p.whole_amount())
                .map_or(0, |n| n.min(1_000_000_000) as u32)
        };
        let parsed = Self {
            days: part(Unit::Day),
            hours: part(Unit::Hour),
            minutes: part(Unit::Minute),
        };
        if parsed.total_minutes() == 0 {
            return Err(DurationError::Zero {
                text: text.to_string(),
            });
        }
        if parsed.total_minutes() > u64::from(MAX_SLA_DAYS) * 24 * 60 {
            return Err(DurationError::TooLong {
                text: text.to_string(),
            });
        }
        Ok(parsed)
    }

    /// The whole duration in minutes, with a day as 24 hours.
    pub fn total_minutes(&self) -> u64 {
        (u64::from(self.days) * 24 + u64::from(self.hours)) * 60 + u64::from(self.minutes)
    }

    /// The hours and minutes part only, in seconds (what runs after the days in business time).
    fn clock_seconds(&self) -> u32 {
        // Bounded by MAX_SLA_DAYS at parse time, so this fits comfortably in u32.
        (self.hours * 60 + self.minutes) * 60
    }

    /// `received_at` plus this duration round the clock (a day is 24 elapsed hours).
    pub fn after_wall_clock(&self, received_at: DateTime<Utc>) -> DateTime<Utc> {
        let minutes = i64::try_from(self.total_minutes()).unwrap_or(i64::MAX);
        received_at
            .checked_add_signed(TimeDelta::try_minutes(minutes).unwrap_or(TimeDelta::MAX))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, unit) in [(self.days, 'd'), (self.hours, 'h'), (self.minutes, 'm')] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

/// The local due time of `sla` counted in business time from the local arrival time `start`, as
/// described in the module docs; `None` if the calendar has no business time within 20 years.
pub fn business_due(
    calendar: &BusinessCalendar<'_>,
    start: NaiveDateTime,
    sla: SlaDuration,
) -> Option<NaiveDateTime> {
    calendar.due_local(start, sla.days, sla.clock_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::test_support::{local, office, rome};
    use crate::calendar::{HolidayCalendar, WeeklyHours, local_to_utc};

    fn due(start: &str, sla: &str) -> NaiveDateTime {
        let (hours, holidays) = (office(), HolidayCalendar::national());
        let cal = BusinessCalendar::new(&hours, &holidays, rome());
        business_due(&cal, local(start), SlaDuration::parse(sla).unwrap()).unwrap()
    }

    #[test]
    fn parses_durations() {
        let d = |d, h, m| SlaDuration {
            days: d,
            hours: h,
            minutes: m,
        };
        assert_eq!(SlaDuration::parse("30m"), Ok(d(0, 0, 30)));
        assert_eq!(SlaDuration::parse("4h"), Ok(d(0, 4, 0)));
        assert_eq!(SlaDuration::parse("2d"), Ok(d(2, 0, 0)));
        assert_eq!(SlaDuration::parse("1d4h"), Ok(d(1, 4, 0)));
        assert_eq!(SlaDuration::parse("1h30m"), Ok(d(0, 1, 30)));
        assert_eq!(SlaDuration::parse(" 90m "), Ok(d(0, 0, 90)));
        assert_eq!(SlaDuration::parse("1d4h").unwrap().to_string(), "1d4h");
        assert_eq!(SlaDuration::parse("90m").unwrap().total_minutes(), 90);
        assert_eq!(SlaDuration::parse("366d").unwrap().days, 366);
        // The shared grammar's spacing, case and `min` spelling.
        assert_eq!(SlaDuration::parse("1d 4h"), Ok(d(1, 4, 0)));
        assert_eq!(SlaDuration::parse("4H"), Ok(d(0, 4, 0)));
        assert_eq!(SlaDuration::parse("90min"), Ok(d(0, 0, 90)));
    }

    #[test]
    fn refuses_bad_durations() {
        for bad in [
            "", "4", "h", "4x", "4h1d", "1h1h", "-4h", "4.5h", "4.0h", "1w", "30s", "1800",
        ] {
            assert!(
                matches!(
                    SlaDuration::parse(bad),
                    Err(DurationError::Malformed { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            SlaDuration::parse("0m"),
            Err(DurationError::Zero { .. })
        ));
        assert!(matches!(
            SlaDuration::parse("0d0h"),
            Err(DurationError::Zero { .. })
        ));
        assert!(matches!(
            SlaDuration::parse("367d"),
            Err(DurationError::TooLong { .. })
        ));
        assert!(matches!(
            SlaDuration::parse("99999999999h"),
            Err(DurationError::TooLong { .. })
        ));
    }

    #[test]
    fn hours_within_one_day_skip_lunch() {
        assert_eq!(due("2026-11-24 10:30", "2h"), local("2026-11-24 12:30"));
        assert_eq!(due("2026-11-24 12:00", "2h"), local("2026-11-24 15:00"));
        // Arriving during lunch starts at 14:00.
        assert_eq!(due("2026-11-24 13:20", "30m"), local("2026-11-24 14:30"));
    }

    #[test]
    fn deadline_on_a_closing_time_stays_there() {
        assert_eq!(due("2026-11-24 09:00", "4h"), local("2026-11-24 13:00"));
        assert_eq!(due("2026-11-24 16:00", "1h"), local("2026-11-24 17:00"));
    }

    #[test]
    fn friday_afternoon_plus_4h_is_monday_morning() {
        // Fri 27 Nov 2026 16:00: one hour on Friday, three on Monday from 09:00.
        assert_eq!(due("2026-11-27 16:00", "4h"), local("2026-11-30 12:00"));
    }

    #[test]
    fn night_and_sunday_arrivals_start_at_next_opening() {
        assert_eq!(due("2026-11-24 22:00", "1h"), local("2026-11-25 10:00"));
        assert_eq!(due("2026-11-25 06:00", "1h"), local("2026-11-25 10:00"));
        assert_eq!(due("2026-11-29 11:00", "30m"), local("2026-11-30 09:30"));
    }

    #[test]
    fn days_mean_close_of_the_nth_business_day() {
        // Received Tue during opening: day 0 is Tuesday.
        assert_eq!(due("2026-11-24 10:00", "1d"), local("2026-11-25 17:00"));
        // Before opening still counts the same day as day 0.
        assert_eq!(due("2026-11-24 07:00", "1d"), local("2026-11-25 17:00"));
        // After the last closing, day 0 is the next business day.
        assert_eq!(due("2026-11-24 17:00", "1d"), local("2026-11-26 17:00"));
        assert_eq!(due("2026-11-24 18:30", "2d"), local("2026-11-27 17:00"));
        // Saturday: day 0 is Monday, 1d is Tuesday.
        assert_eq!(due("2026-11-28 10:00", "1d"), local("2026-12-01 17:00"));
        // Friday + 3d crosses the weekend.
        assert_eq!(due("2026-11-27 10:00", "3d"), local("2026-12-02 17:00"));
    }

    #[test]
    fn days_then_hours_run_into_the_next_business_day() {
        assert_eq!(due("2026-11-24 10:00", "1d4h"), local("2026-11-26 13:00"));
    }

    #[test]
    fn holidays_are_not_business_days() {
        // Thu 24 Dec 2026, 10:00, +1d: 25 and 26 Dec are holidays, 26-27 a weekend → Mon 28 Dec.
        assert_eq!(due("2026-12-24 10:00", "1d"), local("2026-12-28 17:00"));
        // Easter Monday 6 Apr 2026 is closed: counting starts on Tuesday.
        assert_eq!(due("2026-04-06 10:00", "2h"), local("2026-04-07 11:00"));
        assert_eq!(due("2026-04-03 16:30", "1h"), local("2026-04-07 09:30"));
        // A local holiday too.
        let mut holidays = HolidayCalendar::national();
        holidays.add_local("12-10").unwrap();
        let hours = office();
        let cal = BusinessCalendar::new(&hours, &holidays, rome());
        let sla = SlaDuration::parse("1h").unwrap();
        let due = business_due(&cal, local("2026-12-09 16:30"), sla).unwrap();
        assert_eq!(due, local("2026-12-11 09:30"));
    }

    #[test]
    fn a_calendar_without_business_days_gives_up() {
        let sla = SlaDuration::parse("1h").unwrap();
        let (hours, holidays) = (WeeklyHours::closed(), HolidayCalendar::national());
        let cal = BusinessCalendar::new(&hours, &holidays, rome());
        assert_eq!(business_due(&cal, local("2026-11-24 10:00"), sla), None);
    }

    #[test]
    fn dst_changes_keep_local_opening_times() {
        let rome = rome();
        // Fri 27 Mar 2026 16:00 CET + 4h → Mon 30 Mar 12:00 CEST (10:00 UTC, not 11:00).
        let due_local = due("2026-03-27 16:00", "4h");
        assert_eq!(due_local, local("2026-03-30 12:00"));
        assert_eq!(
            local_to_utc(rome, due_local).to_rfc3339(),
            "2026-03-30T10:00:00+00:00"
        );
        // And back in autumn: Fri 23 Oct 2026 (CEST) + 1d → Mon 26 Oct 17:00 CET = 16:00 UTC.
        let due_local = due("2026-10-23 10:00", "1d");
        assert_eq!(
            local_to_utc(rome, due_local).to_rfc3339(),
            "2026-10-26T16:00:00+00:00"
        );
    }

    #[test]
    fn wall_clock_adds_elapsed_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .to_utc();
        let d = SlaDuration::parse("1d4h").unwrap();
        assert_eq!(
            d.after_wall_clock(t).to_rfc3339(),
            "2026-11-25T14:00:00+00:00"
        );
        assert_eq!(
            d.after_wall_clock(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }
}
