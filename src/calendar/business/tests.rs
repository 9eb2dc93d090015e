//! Business-time arithmetic on an office open Mon–Fri 09:00-13:00 and 14:00-17:00 in Rome.

use super::*;
use crate::calendar::test_support::{local, office, rome};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn open_minutes_per_day() {
    let (hours, holidays) = (office(), HolidayCalendar::national());
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    assert_eq!(cal.open_minutes(day(2026, 11, 24)), 7 * 60);
    assert_eq!(cal.open_minutes(day(2026, 11, 28)), 0, "Saturday");
    assert_eq!(
        cal.open_minutes(day(2026, 12, 8)),
        0,
        "Immacolata, a Tuesday"
    );
    assert!(cal.is_holiday(day(2026, 12, 8)));
    assert!(!cal.is_business_day(day(2026, 12, 8)));
    assert!(cal.is_business_day(day(2026, 12, 9)));
}

#[test]
fn a_local_closure_is_not_a_business_day() {
    let hours = office();
    let mut holidays = HolidayCalendar::national();
    holidays.add_local("12-10").unwrap();
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    assert_eq!(cal.open_minutes(day(2026, 12, 10)), 0);
    assert_eq!(cal.open_minutes(day(2026, 12, 11)), 7 * 60);
}

#[test]
fn is_open_reads_the_local_clock() {
    let (hours, holidays) = (office(), HolidayCalendar::national());
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    // Tue 24 Nov 2026, CET (UTC+1): 08:00 UTC is 09:00 in Rome, the first minute of opening.
    assert!(!cal.is_open(utc("2026-11-24T07:59:59Z")));
    assert!(cal.is_open(utc("2026-11-24T08:00:00Z")));
    // 13:00 closes for lunch: the end of a window is not open.
    assert!(!cal.is_open(utc("2026-11-24T12:00:00Z")));
    assert!(cal.is_open(utc("2026-11-24T13:00:00Z")));
    // A Tuesday holiday at 10:00 is closed.
    assert!(!cal.is_open(utc("2026-12-08T09:00:00Z")));
    // In summer (CEST, UTC+2) 09:00 in Rome is 07:00 UTC.
    assert!(cal.is_open(utc("2026-06-03T07:00:00Z")));
}

#[test]
fn add_business_time_skips_lunch_nights_and_weekends() {
    let (hours, holidays) = (office(), HolidayCalendar::national());
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    let add = |from: &str, h: i64| {
        cal.add_business_time(utc(from), TimeDelta::hours(h))
            .unwrap()
            .to_rfc3339()
    };
    // 12:00 Rome + 2h: one hour before lunch, one after → 15:00 Rome = 14:00 UTC.
    assert_eq!(add("2026-11-24T11:00:00Z", 2), "2026-11-24T14:00:00+00:00");
    // Fri 16:00 Rome + 4h → Mon 12:00 Rome.
    assert_eq!(add("2026-11-27T15:00:00Z", 4), "2026-11-30T11:00:00+00:00");
    // Across the spring change: Fri 27 Mar 16:00 CET + 4h → Mon 30 Mar 12:00 CEST (10:00 UTC).
    assert_eq!(add("2026-03-27T15:00:00Z", 4), "2026-03-30T10:00:00+00:00");
    assert_eq!(
        cal.add_business_time(utc("2026-11-24T11:00:00Z"), TimeDelta::hours(-1)),
        None
    );
}

#[test]
fn days_then_seconds_walk_to_close_of_business() {
    let (hours, holidays) = (office(), HolidayCalendar::national());
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    let due = |start: &str, days, seconds| cal.due_local(local(start), days, seconds).unwrap();
    assert_eq!(due("2026-11-24 10:00", 1, 0), local("2026-11-25 17:00"));
    assert_eq!(due("2026-11-24 17:00", 1, 0), local("2026-11-26 17:00"));
    assert_eq!(
        due("2026-11-24 10:00", 1, 4 * 3600),
        local("2026-11-26 13:00")
    );
    // Zero business time is the arrival itself.
    assert_eq!(due("2026-11-28 10:00", 0, 0), local("2026-11-28 10:00"));
}

#[test]
fn a_calendar_without_business_days_gives_up() {
    let (hours, holidays) = (WeeklyHours::closed(), HolidayCalendar::national());
    let cal = BusinessCalendar::new(&hours, &holidays, rome());
    assert_eq!(cal.due_local(local("2026-11-24 10:00"), 0, 3600), None);
    assert_eq!(cal.due_local(local("2026-11-24 10:00"), 1, 0), None);
    assert!(!cal.is_open(utc("2026-11-24T10:00:00Z")));
}

#[test]
fn local_to_utc_handles_gaps_and_repeats() {
    // 02:30 does not exist on 29 Mar 2026: the first valid minute is 03:00 CEST (01:00 UTC).
    assert_eq!(
        local_to_utc(rome(), local("2026-03-29 02:30")).to_rfc3339(),
        "2026-03-29T01:00:00+00:00"
    );
    // 02:30 happens twice on 25 Oct 2026: the earlier one is CEST (00:30 UTC).
    assert_eq!(
        local_to_utc(rome(), local("2026-10-25 02:30")).to_rfc3339(),
        "2026-10-25T00:30:00+00:00"
    );
}
