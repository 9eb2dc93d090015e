//! Special days (holidays) and daily totals, shared by the models.
//!
//! The holiday effect is one multiplicative factor per series: over the special days of the
//! history that were open, the sum of their totals divided by the sum of the mean totals of the
//! same weekday one and two weeks before and after (days that are not special). With no special
//! day in the history the factor is 1; it is kept within [0, 3].

use crate::forecast::series::Series;

/// Totals per local day over open intervals.
pub fn daily_totals(series: &Series) -> Vec<f64> {
    let per_day = series.per_day();
    series
        .values()
        .chunks(per_day)
        .enumerate()
        .map(|(d, day)| {
            day.iter()
                .enumerate()
                .filter(|(s, _)| series.is_open(d * per_day + s))
                .map(|(_, v)| v)
                .sum()
        })
        .collect()
}

/// Whether day `d` has an open interval.
pub fn day_open(series: &Series, d: usize) -> bool {
    let per_day = series.per_day();
    (d * per_day..(d + 1) * per_day).any(|i| series.is_open(i))
}

/// Whether day `d` is usable for estimating levels and profiles: open and not special.
pub fn usable(series: &Series, d: usize) -> bool {
    !series.is_special(d * series.per_day()) && day_open(series, d)
}

/// The multiplicative effect of a special day (see the module header).
pub fn holiday_factor(series: &Series) -> f64 {
    let totals = daily_totals(series);
    let days = totals.len();
    let (mut actual, mut reference) = (0.0, 0.0);
    for d in (0..days).filter(|&d| day_open(series, d) && series.is_special(d * series.per_day())) {
        let around: Vec<f64> = [-14_i64, -7, 7, 14]
            .iter()
            .filter_map(|k| usize::try_from(d as i64 + k).ok())
            .filter(|&e| e < days && usable(series, e))
            .map(|e| totals[e])
            .collect();
        if !around.is_empty() {
            actual += totals[d];
            reference += around.iter().sum::<f64>() / around.len() as f64;
        }
    }
    if reference > 0.0 {
        (actual / reference).clamp(0.0, 3.0)
    } else {
        1.0
    }
}
