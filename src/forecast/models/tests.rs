//! The models on synthetic series with known answers.

use super::calibrate::{Quantiles, Settings};
use super::*;
use crate::forecast::series::{Interval, SeriesCalendar, parse_weekly};
use chrono::NaiveDate;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 2).unwrap() // no Italian holiday for weeks
}

fn daily(values: Vec<f64>) -> Series {
    Series::new(
        Interval::D1,
        SeriesCalendar::always_open(chrono_tz::UTC),
        monday(),
        values,
    )
}

#[test]
fn seasonal_naive_repeats_a_weekly_series_exactly() {
    let week = [10.0, 12.0, 11.0, 13.0, 9.0, 3.0, 2.0];
    let s = daily(week.iter().cycle().take(28).copied().collect());
    let fit = ModelKind::Snaive.fit(&s, &Settings::new(7)).unwrap();
    let expected: Vec<f64> = fit.forecast(10).iter().map(|p| p.expected).collect();
    let want: Vec<f64> = week.iter().cycle().take(10).copied().collect();
    assert_eq!(expected, want);
    // The profile model is exact too on a series with a flat level.
    let fit = ModelKind::Profile.fit(&s, &Settings::new(7)).unwrap();
    for (p, w) in fit.forecast(7).iter().zip(week) {
        assert!((p.expected - w).abs() < 1e-9, "{} vs {w}", p.expected);
    }
}

#[test]
fn the_profile_model_recovers_an_intraday_shape_and_closes_nights_and_weekends() {
    let mut cal = SeriesCalendar::always_open(chrono_tz::Europe::Rome);
    cal.hours = Some(parse_weekly("mon-fri 08:00-12:00").unwrap());
    let shape = [1.0, 3.0, 4.0, 2.0]; // 08, 09, 10, 11
    let mut values = vec![0.0; 24 * 7 * 4];
    for (day, chunk) in values.chunks_mut(24).enumerate() {
        if day % 7 < 5 {
            let scale = 10.0 * (1.0 + (day % 7) as f64); // Monday 10× … Friday 50×
            for (h, s) in shape.iter().enumerate() {
                chunk[8 + h] = scale * s;
            }
        }
    }
    let s = Series::new(Interval::H1, cal, monday(), values.clone());
    let fit = ModelKind::Profile.fit(&s, &Settings::new(24 * 7)).unwrap();
    let points = fit.forecast(24 * 7);
    for (i, p) in points.iter().enumerate() {
        let want = values[i]; // the weeks repeat
        assert!(
            (p.expected - want).abs() < 1e-6,
            "interval {i}: {} vs {want}",
            p.expected
        );
        if want == 0.0 {
            assert_eq!((p.lower95, p.upper95), (0.0, 0.0), "closed interval {i}");
        }
    }
}

#[test]
fn forecasts_and_bounds_are_never_negative() {
    // A level falling fast: a trend model would cross zero.
    let values: Vec<f64> = (0..70)
        .map(|d| (70 - d) as f64 * if d % 7 == 0 { 3.0 } else { 1.0 })
        .collect();
    let s = daily(values);
    for kind in ModelKind::ALL {
        let fit = kind.fit(&s, &Settings::new(14)).unwrap();
        for p in fit.forecast(60) {
            assert!(
                p.expected >= 0.0 && p.lower95 >= 0.0 && p.lower80 >= 0.0,
                "{kind:?} {p:?}"
            );
            assert!(p.lower95 <= p.lower80 && p.lower80 <= p.expected.round().max(p.lower80));
            assert!(p.upper80 <= p.upper95, "{kind:?} {p:?}");
        }
    }
}

#[test]
fn calibrated_intervals_cover_about_their_level_on_noise() {
    // Gaussian-ish noise (sum of uniforms) around 1000 per day with a weekly shape.
    let mut rng = fastrand::Rng::with_seed(7);
    let noise = |rng: &mut fastrand::Rng| (0..12).map(|_| rng.f64()).sum::<f64>() - 6.0;
    let week = [1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3];
    let values: Vec<f64> = (0..7 * 80)
        .map(|d| 1000.0 * week[d % 7] + 40.0 * noise(&mut rng))
        .collect();
    let s = daily(values.clone());
    let (mut in80, mut in95, mut n) = (0, 0, 0);
    for origin in (7 * 40..7 * 80 - 14).step_by(14) {
        let fit = ModelKind::Profile
            .fit(&s.head(origin), &Settings::new(14))
            .unwrap();
        for (j, p) in fit.forecast(14).iter().enumerate() {
            let a = values[origin + j];
            in80 += usize::from(p.lower80 <= a && a <= p.upper80);
            in95 += usize::from(p.lower95 <= a && a <= p.upper95);
            n += 1;
        }
    }
    let (c80, c95) = (in80 as f64 / n as f64, in95 as f64 / n as f64);
    assert!((0.72..=0.88).contains(&c80), "80 %: {c80}");
    assert!((0.89..=0.99).contains(&c95), "95 %: {c95}");
}

#[test]
fn too_little_history_says_how_much_is_needed() {
    let s = daily(vec![1.0; 5]);
    let e = ModelKind::Snaive
        .fit(&s, &Settings::new(7))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("one week (7 intervals of 1d, 7 days) for snaive"),
        "{e}"
    );
    assert!(e.contains("the series has 5 intervals"), "{e}");
    let e = ModelKind::Mstl
        .fit(&daily(vec![1.0; 10]), &Settings::new(7))
        .unwrap_err();
    assert!(matches!(e, ForecastError::TooLittleHistory { .. }), "{e}");
}

#[test]
fn the_mstl_fit_says_which_seasonality_it_gave_up() {
    let values: Vec<f64> = (0..7 * 12)
        .map(|d| [5.0, 6.0, 7.0, 6.0, 5.0, 2.0, 1.0][d % 7] + (d % 3) as f64)
        .collect();
    let fit = ModelKind::Mstl
        .fit(&daily(values), &Settings::new(7))
        .unwrap();
    assert!(
        fit.notes()
            .iter()
            .any(|n| n.contains("no yearly seasonality: it needs 730 days")),
        "{:?}",
        fit.notes()
    );
    assert!(fit.forecast(7).iter().all(|p| p.expected >= 0.0));
}

#[test]
fn too_few_errors_fall_back_to_poisson_like_widths() {
    assert_eq!(
        Quantiles::from_pairs(&[(1.0, 2.0); 5]),
        Quantiles::fallback()
    );
    assert!(Quantiles::from_pairs(&[(1.0, 2.0); 40]).errors == 40);
}

#[test]
fn with_two_years_the_profile_model_expects_the_lull_the_same_weeks_brought_each_year() {
    // 100 a day, but 50 from 10 to 23 July every year (no Italian holiday then).
    let lull = |d: NaiveDate| {
        d.format("%m-%d").to_string().as_str() >= "07-10"
            && d.format("%m-%d").to_string().as_str() < "07-24"
    };
    let day = |i: usize| monday() + chrono::Days::new(i as u64);
    let values: Vec<f64> = (0..1100)
        .map(|i| if lull(day(i)) { 50.0 } else { 100.0 })
        .collect();
    let origin = (0..1100).find(|&i| day(i) == NaiveDate::from_ymd_opt(2027, 7, 3).unwrap());
    let origin = origin.unwrap();
    let s = daily(values);
    let fit = ModelKind::Profile
        .fit(&s.head(origin), &Settings::new(28))
        .unwrap();
    let points = fit.forecast(28);
    let on = |m: u32, d: u32| {
        let date = NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        points[(date - day(origin)).num_days() as usize].expected
    };
    // Halfway to last years' ratio (the factor is shrunk to 1 by half): about 75.
    assert!((70.0..=80.0).contains(&on(7, 17)), "17 July: {}", on(7, 17));
    assert!((95.0..=105.0).contains(&on(7, 4)), "4 July: {}", on(7, 4));
    assert!(
        (95.0..=105.0).contains(&on(7, 28)),
        "28 July: {}",
        on(7, 28)
    );
    // With one year of history there is no yearly factor: flat.
    let short = s.head(origin).values()[origin - 400..].to_vec();
    let fit = ModelKind::Profile
        .fit(&daily(short), &Settings::new(28))
        .unwrap();
    let flat = fit.forecast(28);
    assert!(
        flat.iter().all(|p| (p.expected - 100.0).abs() < 8.0),
        "{:?}",
        flat[14]
    );
}
