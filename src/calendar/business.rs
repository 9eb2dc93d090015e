//! Business time: the opening hours of one queue (or office) minus the holidays, in a time zone.
//!
//! A **business day** is a day with opening windows in [`WeeklyHours`] that is not a national or
//! local holiday ([`HolidayCalendar`]). **Business time** runs only inside the opening windows of
//! business days. The walk that adds it ([`BusinessCalendar::due_local`]):
//!
//! - Business seconds are counted from the arrival time; an arrival while the office is closed (at
//!   night, at lunch, on a Sunday or a holiday) starts counting at the next opening. A result that
//!   lands exactly on a closing time stays there.
//! - `days` means **by close of business of the N-th business day after day 0**. Day 0 is the
//!   arrival's day if that is a business day and the arrival is before that day's last closing
//!   time; otherwise day 0 is the next business day. Then `seconds` more are counted from that
//!   closing time, i.e. into the following business day.
//!
//! Business time is counted on the local wall clock of the opening hours, so a window 09:00-13:00
//! is four hours long even on the night clocks change; a local result is converted to UTC with the
//! offset in force on that date (chrono-tz), which is how DST is handled ([`local_to_utc`]).

use super::holidays::HolidayCalendar;
use super::hours::{DAY_SECONDS, WeeklyHours, Window};
use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// How many calendar days one walk may scan before concluding that the calendar has no business
/// time left (only possible if holidays cover every opening day, or the week has no opening).
pub const MAX_SCAN_DAYS: u32 = 20 * 366;

/// Opening hours, holidays and the time zone they are written in: a cheap borrowed view, built
/// where it is needed (per queue and per request costs three pointers).
#[derive(Debug, Clone, Copy)]
pub struct BusinessCalendar<'a> {
    hours: &'a WeeklyHours,
    holidays: &'a HolidayCalendar,
    timezone: Tz,
}

impl<'a> BusinessCalendar<'a> {
    /// The calendar of `hours` with `holidays` closed, on the wall clock of `timezone`.
    pub fn new(hours: &'a WeeklyHours, holidays: &'a HolidayCalendar, timezone: Tz) -> Self {
        Self {
            hours,
            holidays,
            timezone,
        }
    }

    /// The time zone opening hours and holidays are read in.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// Whether `date` is a national or local holiday, whatever the weekday.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.is_holiday(date)
    }

    /// The opening windows of `date`: none on holidays.
    pub fn windows(&self, date: NaiveDate) -> &'a [Window] {
        let windows = self.hours.windows(date.weekday());
        // Check holidays only for days with windows: most closed days are weekends.
        if windows.is_empty() || self.holidays.is_holiday(date) {
            &[]
        } else {
            windows
        }
    }

    /// Whether `date` has opening time (an opening weekday that is not a holiday).
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !self.windows(date).is_empty()
    }

    /// Minutes of opening time on `date` (0 on closed days and holidays).
    pub fn open_minutes(&self, date: NaiveDate) -> u32 {
        self.windows(date)
            .iter()
            .map(|w| w.end - w.start)
            .sum::<u32>()
            / 60
    }

    /// Whether the office is open at the instant `at` (a window includes its start, not its end).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = self.local(at);
        let second = local.time().num_seconds_from_midnight();
        self.windows(local.date())
            .iter()
            .any(|w| w.start <= second && second < w.end)
    }

    /// `at` on the local wall clock of the calendar's time zone.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.timezone).naive_local()
    }

    /// `from` plus `duration` of business time (whole seconds), as an instant; `None` for a
    /// negative duration or when no business time is left within [`MAX_SCAN_DAYS`].
    pub fn add_business_time(
        &self,
        from: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Option<DateTime<Utc>> {
        let seconds = u32::try_from(duration.num_seconds()).ok()?;
        let due = self.due_local(self.local(from), 0, seconds)?;
        Some(local_to_utc(self.timezone, due))
    }

    /// The local time `days` business days (to close of business) and then `seconds` of business
    /// time after the local arrival `start`, as described in the module docs; `None` when the
    /// calendar has no business time within [`MAX_SCAN_DAYS`].
    pub fn due_local(
        &self,
        start: NaiveDateTime,
        days: u32,
        seconds: u32,
    ) -> Option<NaiveDateTime> {
        let mut walk = Walk {
            calendar: self,
            budget: MAX_SCAN_DAYS,
        };
        let mut date = start.date();
        let mut from = start.time().num_seconds_from_midnight();
        if days > 0 {
            let still_open_today = self.windows(date).last().is_some_and(|w| from < w.end);
            if !still_open_today {
                date = walk.next_business_day(date)?;
            }
            for _ in 0..days {
                date = walk.next_business_day(date)?;
            }
            from = self.windows(date).last()?.end;
        }
        walk.add_seconds(date, from, seconds)
    }
}

/// Converts a local wall-clock time to UTC. An ambiguous time (the repeated hour in autumn) takes
/// the earlier instant, so a deadline is never later than intended; a time that does not exist (the
/// skipped hour in spring) moves to the first minute after the gap.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    // Gaps are at most a few hours in real time zones; a day of probing is a generous bound.
    for _ in 0..=24 * 60 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => match probe.checked_add_signed(TimeDelta::minutes(1)) {
                Some(next) => probe = next,
                None => break,
            },
        }
    }
    Utc.from_utc_datetime(&local)
}

/// The state of one walk through the calendar, with a budget of days so that a calendar with no
/// business days cannot loop for long.
struct Walk<'c, 'a> {
    calendar: &'c BusinessCalendar<'a>,
    budget: u32,
}

impl Walk<'_, '_> {
    /// The first business day strictly after `date`.
    fn next_business_day(&mut self, mut date: NaiveDate) -> Option<NaiveDate> {
        loop {
            self.budget = self.budget.checked_sub(1)?;
            date = date.succ_opt()?;
            if self.calendar.is_business_day(date) {
                return Some(date);
            }
        }
    }

    /// Adds `remaining` seconds of opening time to the local time `from` seconds into `date`.
    fn add_seconds(
        &mut self,
        mut date: NaiveDate,
        mut from: u32,
        mut remaining: u32,
    ) -> Option<NaiveDateTime> {
        if remaining == 0 {
            return at(date, from);
        }
        loop {
            for window in self.calendar.windows(date) {
                if from >= window.end {
                    continue;
                }
                let begin = from.max(window.start);
                let available = window.end - begin;
                if remaining <= available {
                    return at(date, begin + remaining);
                }
                remaining -= available;
            }
            self.budget = self.budget.checked_sub(1)?;
            date = date.succ_opt()?;
            from = 0;
        }
    }
}

/// `seconds` after local midnight of `date` (24:00 becomes the next midnight).
fn at(date: NaiveDate, seconds: u32) -> Option<NaiveDateTime> {
    debug_assert!(seconds <= DAY_SECONDS);
    date.and_time(chrono::NaiveTime::MIN)
        .checked_add_signed(TimeDelta::seconds(i64::from(seconds)))
}

#[cfg(test)]
mod tests;
