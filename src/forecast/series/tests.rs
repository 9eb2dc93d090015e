//! Aggregation on the local wall clock (DST days), open and special flags, loading errors.

use super::*;
use chrono::TimeZone;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn rome() -> SeriesCalendar {
    SeriesCalendar::always_open(chrono_tz::Europe::Rome)
}

#[test]
fn the_spring_forward_day_has_no_skipped_hour_and_counts_its_23_hours() {
    // 2024-03-31: 02:00 CET jumps to 03:00 CEST. 00:30 UTC is 01:30 local, 01:30 UTC is 03:30.
    let rows = [
        (utc(2024, 3, 31, 0, 30), 1.0),
        (utc(2024, 3, 31, 1, 30), 2.0),
        (utc(2024, 3, 31, 21, 59), 4.0),
    ];
    let s = Series::from_instants(Interval::M30, rome(), &rows).unwrap();
    assert_eq!(s.len(), 48);
    assert_eq!(s.values()[3], 1.0); // 01:30
    assert_eq!(s.values()[7], 2.0); // 03:30
    assert_eq!(s.values()[47], 4.0); // 23:30 CEST is 21:30 UTC
    assert!(
        !s.is_open(4) && !s.is_open(5),
        "02:00 and 02:30 do not exist"
    );
    assert!(s.is_open(3) && s.is_open(6));
    assert_eq!(s.start_utc(6), utc(2024, 3, 31, 1, 0)); // 03:00 CEST
    let daily = Series::from_instants(Interval::D1, rome(), &rows).unwrap();
    assert_eq!(daily.values(), &[7.0]);
}

#[test]
fn the_fall_back_day_counts_the_repeated_hour_into_its_one_wall_clock_slot() {
    // 2024-10-27: 03:00 CEST falls back to 02:00 CET; 00:30 and 01:30 UTC are both 02:30 local.
    let rows = [
        (utc(2024, 10, 27, 0, 30), 1.0),
        (utc(2024, 10, 27, 1, 30), 1.0),
        (utc(2024, 10, 26, 22, 10), 1.0),
    ];
    let s = Series::from_instants(Interval::M30, rome(), &rows).unwrap();
    assert_eq!(
        s.first_day(),
        NaiveDate::from_ymd_opt(2024, 10, 27).unwrap()
    );
    assert_eq!(s.values()[5], 2.0); // 02:30, both passes
    assert_eq!(s.values()[0], 1.0); // 22:10 UTC on the 26th is 00:10 CEST on the 27th
    assert!((0..48).all(|i| s.is_open(i)));
    let hourly = Series::from_instants(Interval::H1, rome(), &rows).unwrap();
    assert_eq!(hourly.values()[2], 2.0);
}

#[test]
fn missing_intervals_are_zero_and_opening_hours_close_nights_weekends_and_holidays() {
    let mut cal = rome();
    cal.hours = Some(parse_weekly("mon-fri 07:00-21:00").unwrap());
    cal.add_local("01-29").unwrap(); // San Fortunato? any local date
    let t = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2024, 1, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    // Monday 1 January (a national holiday) to Monday 29 January (local).
    let rows = [(t(1, 9), 1.0), (t(29, 8), 1.0)];
    let s = Series::from_local(Interval::H1, cal, &rows).unwrap();
    assert_eq!(s.len(), 29 * 24);
    assert_eq!(s.values().iter().sum::<f64>(), 2.0);
    let at = |d: usize, h: usize| (d - 1) * 24 + h;
    assert!(!s.is_open(at(1, 9)) && s.is_special(at(1, 9)), "1 January");
    assert!(
        s.is_open(at(2, 7))
            && s.is_open(at(2, 20))
            && !s.is_open(at(2, 21))
            && !s.is_open(at(2, 6))
    );
    assert!(!s.is_open(at(6, 10)), "Saturday");
    assert!(
        !s.is_open(at(29, 8)) && s.is_special(at(29, 8)),
        "the local date"
    );
    // Beyond the end the calendar still answers: Tuesday 30 January, 10:00.
    assert!(s.is_open(at(30, 10)) && !s.is_special(at(30, 10)));
    assert_eq!(s.head(24).len(), 24);
}

#[test]
fn without_national_holidays_only_local_dates_are_special() {
    let mut cal = rome();
    cal.national = false;
    cal.add_local("2024-01-02").unwrap();
    assert!(!cal.is_special(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()));
    assert!(cal.is_special(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()));
    assert!(cal.add_local("2024-13-01").is_err() && cal.add_local("1-1").is_err());
}

#[test]
fn times_are_read_in_each_documented_form() {
    let local = |s| match parse_stamp(s) {
        Some(Stamp::Local(t)) => t.to_string(),
        other => format!("{other:?}"),
    };
    assert_eq!(local("2024-03-31"), "2024-03-31 00:00:00");
    assert_eq!(local("2024-03-31 08:30"), "2024-03-31 08:30:00");
    assert_eq!(local("2024-03-31T08:30:15"), "2024-03-31 08:30:15");
    assert_eq!(
        parse_stamp("2024-03-31T06:30:00+02:00"),
        Some(Stamp::Instant(utc(2024, 3, 31, 4, 30)))
    );
    assert_eq!(parse_stamp("31/03/2024"), None);
}

#[test]
fn an_interval_is_one_of_four_lengths_however_written() {
    for (text, interval) in [
        ("15m", Interval::M15),
        ("30m", Interval::M30),
        ("60m", Interval::H1),
        ("1h", Interval::H1),
        ("1d", Interval::D1),
        ("24h", Interval::D1),
        ("0.5h", Interval::M30),
        ("900s", Interval::M15),
    ] {
        assert_eq!(Interval::parse(text), Ok(interval), "{text}");
    }
    for bad in ["45m", "2h", "1w", "half", ""] {
        let e = Interval::parse(bad).unwrap_err();
        assert!(
            e.to_string().contains("is not one of 15m, 30m, 1h, 1d"),
            "{bad}: {e}"
        );
        // Where the text came from is the caller's to say, not the library's.
        assert!(!e.to_string().contains("--interval"), "{e}");
        let named = e.named("forecast.series `a`.interval").to_string();
        assert!(
            named.starts_with("forecast.series `a`.interval: `"),
            "{named}"
        );
    }
    assert_eq!(Interval::parse("1h").unwrap().per_day(), 24);
}

fn load(csv: &str, value_col: Option<&str>) -> Result<Loaded, ForecastError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, csv).unwrap();
    read_csv(&CsvSpec {
        path,
        time_col: "t".into(),
        value_col: value_col.map(Into::into),
        delimiter: None,
        interval: Interval::D1,
        calendar: rome(),
    })
}

#[test]
fn duplicate_timestamps_are_summed_and_counted_and_bad_rows_name_their_line() {
    let l = load("t;v\n2024-01-01;2\n2024-01-01;3\n2024-01-03;1\n", Some("v")).unwrap();
    assert_eq!(l.series.values(), &[5.0, 0.0, 1.0]);
    assert_eq!(l.duplicate_stamps, 1);
    let events = load("t\n2024-01-01\n2024-01-01\n", None).unwrap();
    assert_eq!(events.series.values(), &[2.0]);
    let e = load("t,v\n2024-01-01,1\n2024-01-02,NaN\n", Some("v")).unwrap_err();
    assert!(matches!(e, ForecastError::BadCount { line: 3, .. }), "{e}");
    let e = load("t,v\n2024-01-01,1\nsoon,1\n", Some("v")).unwrap_err();
    assert!(matches!(e, ForecastError::BadTime { line: 3, .. }), "{e}");
    let e = load("t,v\n1899-05-01,1\n", Some("v")).unwrap_err();
    assert!(
        matches!(
            e,
            ForecastError::OutOfRange {
                line: 2,
                why: "before 1900",
                ..
            }
        ),
        "{e}"
    );
    let e = load("t,v\n0001-05-01,1\n", Some("v")).unwrap_err();
    assert!(matches!(e, ForecastError::OutOfRange { .. }), "{e}");
    let e = load("t,v\n", Some("v")).unwrap_err();
    assert!(matches!(e, ForecastError::Empty { .. }), "{e}");
}

#[test]
fn a_history_from_1999_is_read_and_backtested() {
    use crate::forecast::backtest::{Settings, backtest};
    use crate::forecast::models::ModelKind;
    use std::fmt::Write;
    // Ten weeks from Monday 1 March 1999: weekdays busy, weekends quiet.
    let mut csv = String::from("t;v\n");
    let start = NaiveDate::from_ymd_opt(1999, 3, 1).unwrap();
    for d in 0..70_i64 {
        let n = if d % 7 < 5 { 100 + d % 3 } else { 20 + d % 2 };
        let _ = writeln!(csv, "{};{n}", start + TimeDelta::days(d));
    }
    let loaded = load(&csv, Some("v")).unwrap();
    assert_eq!(loaded.series.first_day(), start);
    assert_eq!(loaded.series.len(), 70);
    let settings = Settings {
        horizon: 7,
        step: 7,
        origins: 3,
    };
    let report = backtest(&loaded.series, &settings, &ModelKind::ALL).unwrap();
    assert_eq!(report.baseline.scores.points, 21);
    assert!(report.chosen.scores.mase.is_finite());
}
