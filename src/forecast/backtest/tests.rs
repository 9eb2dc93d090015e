//! Origins, MASE on a hand-computed case, the choice rule, fallbacks and argument errors.

use super::*;
use crate::forecast::series::{Interval, SeriesCalendar};
use chrono::NaiveDate;
use std::cell::Cell;

thread_local! {
    /// Model backtests run on this thread (each test runs on its own): counted by `run`, so a
    /// test can tell the baseline ran once.
    pub(super) static RUNS: Cell<usize> = const { Cell::new(0) };
}

fn daily(values: Vec<f64>) -> Series {
    let monday = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    Series::new(
        Interval::D1,
        SeriesCalendar::always_open(chrono_tz::UTC),
        monday,
        values,
    )
}

/// Six weeks with a weekly shape and a linear trend (2 % of the start a day): the models differ.
fn six_growing_weeks() -> Series {
    let week = [10.0, 12.0, 11.0, 13.0, 9.0, 3.0, 2.0];
    daily(
        (0..7 * 6)
            .map(|d| week[d % 7] * (1.0 + d as f64 / 50.0))
            .collect(),
    )
}

fn settings(horizon: usize, step: usize, origins: usize) -> Settings {
    Settings {
        horizon,
        step,
        origins,
    }
}

#[test]
fn origins_are_counted_back_from_the_end() {
    let s = daily(vec![1.0; 60]);
    assert_eq!(origins(&s, &settings(7, 7, 3)).unwrap(), vec![39, 46, 53]);
    let e = origins(&s, &settings(14, 14, 8)).unwrap_err().to_string();
    assert_eq!(
        e,
        "too little history: 126 days (8 origins 14 days apart, a 14-day horizon, and two weeks \
         before the first origin) needed, the series has 60 days"
    );
    assert!(origins(&s, &settings(0, 7, 1)).is_err());
    assert!(origins(&s, &settings(7, 0, 1)).is_err());
    assert!(origins(&s, &settings(7, 7, 0)).is_err());
}

#[test]
fn mase_is_the_horizon_mae_over_the_in_sample_weekly_naive_mae() {
    // Two weeks of training: week 2 = week 1 + 2 on every day, so the in-sample naive MAE is 2.
    // The horizon (one week) is week 2 + 1: the seasonal naive forecasts week 2, MAE 1, MASE ½.
    let w1 = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0];
    let mut values: Vec<f64> = w1.to_vec();
    values.extend(w1.iter().map(|v| v + 2.0));
    values.extend(w1.iter().map(|v| v + 3.0));
    let s = daily(values);
    let r = backtest(&s, &settings(7, 7, 1), &[ModelKind::Snaive]).unwrap();
    assert_eq!(r.chosen.scores.mase_by_origin, vec![0.5]);
    assert_eq!(r.chosen.scores.mase, 0.5);
    // sMAPE: mean of 200·1/(2v+5) over the seven days.
    let want: f64 = w1.iter().map(|v| 200.0 / (2.0 * v + 5.0)).sum::<f64>() / 7.0;
    assert!((r.chosen.scores.smape - want).abs() < 1e-9);
    assert_eq!(r.chosen.points.len(), 7);
}

#[test]
fn auto_keeps_the_lowest_mase_of_the_candidates() {
    let s = six_growing_weeks();
    let r = backtest(&s, &settings(7, 7, 3), &ModelKind::ALL).unwrap();
    assert_eq!(r.candidates.len(), 4);
    let best = r
        .candidates
        .iter()
        .map(|c| c.scores.mase)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(r.chosen.scores.mase, best);
    assert_eq!(r.baseline.model, "snaive");
    let r = backtest(&s, &settings(7, 7, 1), &[ModelKind::Mstl]).unwrap();
    assert_eq!(r.chosen.model, "mstl");
    let names: Vec<_> = r.candidates.iter().map(|c| c.model).collect();
    assert_eq!(
        names,
        ["snaive", "mstl"],
        "the baseline beside the one model asked for"
    );
}

fn run_with(model: &'static str, mase: f64) -> Run {
    Run {
        kind: ModelKind::parse(model).unwrap(),
        model,
        scores: scores(&[], vec![mase]),
        points: Vec::new(),
        notes: Vec::new(),
    }
}

#[test]
fn the_lowest_finite_mase_wins_and_ties_go_to_the_earlier() {
    let (a, b, c) = (
        run_with("snaive", 0.9),
        run_with("profile", 0.7),
        run_with("mstl", 0.7),
    );
    assert_eq!(choose(&[&a, &b, &c]), Some(1));
    assert_eq!(choose(&[&c, &b, &a]), Some(0));
    let none = run_with("mstl", f64::NAN);
    assert_eq!(choose(&[&none, &a]), Some(1), "no MASE loses to any MASE");
    let none2 = run_with("profile", f64::NAN);
    assert_eq!(choose(&[&none, &none2]), Some(0), "with no MASE, the first");
    assert_eq!(choose(&[]), None);
}

#[test]
fn the_baseline_runs_once_whatever_the_candidates() {
    let s = six_growing_weeks();
    for (models, runs) in [
        (&[ModelKind::Snaive, ModelKind::Profile][..], 2),
        (&[ModelKind::Profile, ModelKind::Snaive][..], 2),
        (&[ModelKind::Profile][..], 2),
        (&[ModelKind::Snaive][..], 1),
        (&ModelKind::ALL[..], 4),
    ] {
        RUNS.with(|n| n.set(0));
        let r = backtest(&s, &settings(7, 7, 3), models).unwrap();
        assert_eq!(RUNS.with(Cell::get), runs, "{models:?}");
        assert_eq!(r.candidates.len(), runs, "{models:?}");
        assert_eq!(r.baseline.model, "snaive");
    }
}

#[test]
fn spans_are_whole_intervals_between_zero_and_a_year() {
    let s = daily(vec![1.0; 30]);
    assert_eq!(parse_span("--horizon", "2w", &s).unwrap(), 14);
    assert_eq!(parse_span("--horizon", "48h", &s).unwrap(), 2);
    assert_eq!(parse_span("--horizon", "1w3d", &s).unwrap(), 10);
    for bad in ["0d", "3650d", "10y", "36h", "d", "-1d", "1.5d"] {
        let e = parse_span("--horizon", bad, &s).unwrap_err().to_string();
        assert!(e.starts_with("--horizon: "), "{bad}: {e}");
    }
    let half_hours = Series::new(
        Interval::M30,
        SeriesCalendar::always_open(chrono_tz::UTC),
        NaiveDate::from_ymd_opt(2024, 9, 2).unwrap(),
        vec![1.0; 48],
    );
    assert_eq!(parse_span("--step", "90min", &half_hours).unwrap(), 3);
    assert_eq!(parse_span("--step", "1.5h", &half_hours).unwrap(), 3);
    let e = parse_span("--step", "45m", &half_hours)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "--step: `45m` is not a whole number of 30m intervals");
}

/// Ten weeks of 30-minute counts from Monday 2 September 2024 (UTC, no holidays): a hump
/// from 08:00 to 20:00, weekdays busier than Saturdays and Sundays, a deterministic wiggle of
/// ±5 %, and a daily level of `level(day)`.
fn half_hours(level: impl Fn(f64) -> f64) -> Series {
    let weekly = [1.0, 1.05, 1.0, 0.95, 0.9, 0.45, 0.25];
    let mut values = Vec::new();
    for d in 0..70 {
        let day_total = level(d as f64) * weekly[d % 7];
        for slot in 0..48 {
            let share = if (16..40).contains(&slot) {
                // sin over the open day, summing to about 1
                (std::f64::consts::PI * (slot - 15) as f64 / 25.0).sin() * std::f64::consts::PI
                    / 50.0
            } else {
                0.0
            };
            let wiggle = 1.0 + 0.05 * (((d * 48 + slot) * 7919 % 101) as f64 / 50.0 - 1.0);
            values.push(day_total * share * wiggle);
        }
    }
    let monday = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    // No holidays: Friday 1 November is an ordinary day here.
    let mut calendar = SeriesCalendar::always_open(chrono_tz::UTC);
    calendar.national = false;
    Series::new(Interval::M30, calendar, monday, values)
}

/// The MASE of each candidate on three one-week origins, the last three weeks.
fn mases(s: &Series) -> (Report, std::collections::HashMap<&'static str, f64>) {
    let defaults = [ModelKind::Snaive, ModelKind::Profile, ModelKind::Damped];
    let r = backtest(s, &settings(7 * 48, 7 * 48, 3), &defaults).unwrap();
    let by_name = r
        .candidates
        .iter()
        .map(|run| (run.model, run.scores.mase))
        .collect();
    (r, by_name)
}

#[test]
fn after_a_surge_that_decays_the_backtest_chooses_the_damped_trend() {
    // 600 contacts a day, 2 000 on day 35 (a storm), then back towards 600 over two weeks.
    let s = half_hours(|d| {
        if d < 35.0 {
            600.0
        } else {
            600.0 + 1400.0 * (-(d - 35.0) / 14.0).exp()
        }
    });
    let (r, mase) = mases(&s);
    assert_eq!(r.chosen.model, "damped", "{mase:?}");
    assert!(mase["damped"] < mase["profile"], "{mase:?}");
    assert!(mase["damped"] < mase["snaive"], "{mase:?}");
    // The fall goes on after the origin: a Monday two weeks ahead is quieter than the next one.
    use crate::forecast::models::{Model, damped::Damped};
    let fit = Damped::default().fit_point(&s.head(49 * 48)).unwrap();
    let days: Vec<f64> = fit
        .expected(14 * 48)
        .chunks(48)
        .map(|d| d.iter().sum())
        .collect();
    assert!(days[7] < 0.97 * days[0], "{days:?}");
}

#[test]
fn on_a_flat_seasonal_series_the_damped_trend_is_no_worse_than_the_old_defaults() {
    let s = half_hours(|_| 600.0);
    let (_, mase) = mases(&s);
    let old_best = mase["profile"].min(mase["snaive"]);
    assert!(mase["damped"] <= 1.05 * old_best, "{mase:?}");
}
