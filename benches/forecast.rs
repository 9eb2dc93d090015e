//! Forecast speed: what one series' refit pays for each model — the fit on the whole history,
//! its intervals calibrated on a year of inner origins, and a 14-day forecast — on two years of
//! 30-minute intervals (35,040, open weekdays 08:00–18:00, Europe/Rome) with a daily and a
//! weekly shape and noise. The budget is one second.
//!
//! `cargo bench --bench forecast`.

use criterion::{Criterion, criterion_group, criterion_main};
use instrada::forecast::models::ModelKind;
use instrada::forecast::models::calibrate::Settings;
use instrada::forecast::series::{Interval, Series, SeriesCalendar, parse_weekly};
use std::hint::black_box;

fn two_years() -> Series {
    let mut calendar = SeriesCalendar::always_open(chrono_tz::Europe::Rome);
    calendar.hours = Some(parse_weekly("mon-fri 08:00-18:00").expect("hours"));
    let first = chrono::NaiveDate::from_ymd_opt(2024, 12, 2).expect("date");
    let mut rng = fastrand::Rng::with_seed(7);
    let values = (0..730 * 48)
        .map(|i| {
            let (day, slot) = (i / 48, i % 48);
            let hour = slot as f64 / 2.0;
            let shape =
                (-(hour - 11.0).powi(2) / 8.0).exp() + 0.6 * (-(hour - 15.0).powi(2) / 4.0).exp();
            let week = 1.0 + 0.3 * ((day % 7) == 0) as u8 as f64;
            let mean = 40.0 * shape * week * (1.0 + day as f64 / 2000.0);
            (mean + rng.f64() * mean.sqrt() * 2.0).round()
        })
        .collect();
    Series::new(Interval::M30, calendar, first, values)
}

fn bench(c: &mut Criterion) {
    let series = two_years();
    let horizon = 14 * 48;
    let mut g = c.benchmark_group("fit_and_forecast_14d_of_2y_30min");
    g.sample_size(10);
    for kind in ModelKind::ALL {
        g.bench_function(kind.name(), |b| {
            b.iter(|| {
                let fit = kind
                    .fit(black_box(&series), &Settings::new(horizon))
                    .expect("fits");
                fit.forecast(horizon)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
