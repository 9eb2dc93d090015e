//! Origins, MASE on a hand-computed case, fallbacks and argument errors.

use super::*;
use crate::forecast::series::{Interval, SeriesCalendar};
use chrono::NaiveDate;

fn daily(values: Vec<f64>) -> Series {
    let monday = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    Series::new(
        Interval::D1,
        SeriesCalendar::always_open(chrono_tz::UTC),
        monday,
        values,
    )
}

fn settings(horizon: usize, step: usize, origins: usize, choice: Choice) -> Settings {
    Settings {
        horizon,
        step,
        origins,
        choice,
    }
}

#[test]
fn origins_are_counted_back_from_the_end() {
    let s = daily(vec![1.0; 60]);
    assert_eq!(
        origins(&s, &settings(7, 7, 3, Choice::Auto)).unwrap(),
        vec![39, 46, 53]
    );
    let e = origins(&s, &settings(14, 14, 8, Choice::Auto))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "too little history: 126 days (8 origins 14 days apart, a 14-day horizon, and two weeks \
         before the first origin) needed, the series has 60 days"
    );
    assert!(origins(&s, &settings(0, 7, 1, Choice::Auto)).is_err());
    assert!(origins(&s, &settings(7, 0, 1, Choice::Auto)).is_err());
    assert!(origins(&s, &settings(7, 7, 0, Choice::Auto)).is_err());
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
    let r = backtest(&s, &settings(7, 7, 1, Choice::One(ModelKind::Snaive))).unwrap();
    assert_eq!(r.chosen.scores.mase_by_origin, vec![0.5]);
    assert_eq!(r.chosen.scores.mase, 0.5);
    // sMAPE: mean of 200·1/(2v+5) over the seven days.
    let want: f64 = w1.iter().map(|v| 200.0 / (2.0 * v + 5.0)).sum::<f64>() / 7.0;
    assert!((r.chosen.scores.smape - want).abs() < 1e-9);
    assert_eq!(r.chosen.points.len(), 7);
}

#[test]
fn auto_keeps_the_lowest_mase_of_the_candidates() {
    let week = [10.0, 12.0, 11.0, 13.0, 9.0, 3.0, 2.0];
    let values: Vec<f64> = (0..7 * 6)
        .map(|d| week[d % 7] * (1.0 + d as f64 / 50.0))
        .collect();
    let s = daily(values);
    let r = backtest(&s, &settings(7, 7, 3, Choice::Auto)).unwrap();
    assert_eq!(r.candidates.len(), 3);
    let best = r
        .candidates
        .iter()
        .map(|c| c.scores.mase)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(r.chosen.scores.mase, best);
    assert_eq!(r.baseline.model, "snaive");
    let r = backtest(&s, &settings(7, 7, 1, Choice::One(ModelKind::Mstl))).unwrap();
    assert_eq!(r.chosen.model, "mstl");
}

#[test]
fn spans_are_whole_intervals_between_zero_and_a_year() {
    let s = daily(vec![1.0; 30]);
    assert_eq!(parse_span("--horizon", "2w", &s).unwrap(), 14);
    assert_eq!(parse_span("--horizon", "48h", &s).unwrap(), 2);
    for bad in ["0d", "3650d", "10y", "36h", "d", "-1d"] {
        let e = parse_span("--horizon", bad, &s).unwrap_err().to_string();
        assert!(e.starts_with("--horizon: "), "{bad}: {e}");
    }
}
