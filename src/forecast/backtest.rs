//! Rolling-origin evaluation and the choice of a model by it.
//!
//! Origin k (of `origins`, counted back from the end so that the last horizon ends with the data)
//! trains on everything before it and forecasts the next `horizon` intervals; origins are `step`
//! apart. Scores are over open intervals only:
//!
//! - **MASE**: per origin, the mean absolute error over the horizon divided by the in-sample mean
//!   absolute error of the one-week seasonal naive on that origin's training data; the mean over
//!   origins is reported.
//! - **sMAPE** in percent: the mean of `200·|a − f| / (|a| + |f|)` over all forecast points (0
//!   when both are 0).
//! - **Coverage** of the 80 % and 95 % intervals: the share of actuals inside them.
//!
//! [`backtest`] is the one place a model is chosen, for `instrada backtest` and for the refit's
//! forecasts alike: the seasonal naive runs once as the baseline, every other candidate on the
//! same origins, and the lowest MASE wins ([`choose`]). A model that cannot be fitted at an origin
//! for too little history falls back to the next simpler one (MSTL or damped → profile → seasonal
//! naive) there, and the report's notes say so; a candidate that fails outright is left out and
//! listed.

use crate::duration::{Duration, DurationError, Unit};
use crate::forecast::models::{ModelKind, Point, calibrate, snaive};
use crate::forecast::series::{ForecastError, Series};

/// Longest horizon accepted, in days.
pub const MAX_HORIZON_DAYS: usize = 366;

/// The protocol, in intervals of the series.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Intervals forecast from each origin.
    pub horizon: usize,
    /// Intervals between origins.
    pub step: usize,
    /// Number of origins.
    pub origins: usize,
}

/// A [`crate::duration`] as a number of intervals of `series`: more than zero, at most
/// [`MAX_HORIZON_DAYS`], a whole number of intervals (`14d`, `1w`, `36h`, `90m` on a 30-minute
/// series). `what` names the flag or field the text came from, in the error.
pub fn parse_span(what: &str, text: &str, series: &Series) -> Result<usize, ForecastError> {
    let bad = |message: String| DurationError::new(message).named(what);
    let text = text.trim();
    let duration = Duration::parse(text).map_err(|e| e.named(what))?;
    let seconds = duration.seconds();
    if seconds <= 0.0 {
        return Err(bad("must be longer than zero".into()).into());
    }
    if seconds > (MAX_HORIZON_DAYS as u64 * Unit::Day.seconds()) as f64 {
        return Err(bad(format!("`{text}` is longer than {MAX_HORIZON_DAYS} days")).into());
    }
    let interval = series.interval();
    let per = u64::from(interval.minutes());
    match duration.whole(Unit::Minute) {
        Some(minutes) if minutes % per == 0 => Ok((minutes / per) as usize),
        _ => Err(bad(format!(
            "`{text}` is not a whole number of {} intervals",
            interval.label()
        ))
        .into()),
    }
}

/// Scores of one model over all origins.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Mean MASE over origins (NaN if no origin had a scale).
    pub mase: f64,
    /// sMAPE in percent.
    pub smape: f64,
    /// Share of actuals inside the 80 % intervals.
    pub coverage80: f64,
    /// Share of actuals inside the 95 % intervals.
    pub coverage95: f64,
    /// MASE of each origin, the earliest first.
    pub mase_by_origin: Vec<f64>,
    /// Open intervals scored.
    pub points: usize,
}

/// One forecast point of one origin, with its actual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The origin, from 1 (the earliest).
    pub origin: usize,
    /// The forecast.
    pub point: Point,
    /// What was counted.
    pub actual: f64,
    /// Whether the interval was open (only open ones are scored).
    pub open: bool,
}

/// The backtest of one model.
#[derive(Debug, Clone)]
pub struct Run {
    /// The model asked for.
    pub kind: ModelKind,
    /// Its name.
    pub model: &'static str,
    /// Its scores.
    pub scores: Scores,
    /// Every forecast point.
    pub points: Vec<Scored>,
    /// Fallbacks and notes of its fits (each once).
    pub notes: Vec<String>,
}

/// The answer: the chosen model, the baseline, and every candidate tried.
#[derive(Debug, Clone)]
pub struct Report {
    /// The chosen model's run.
    pub chosen: Run,
    /// The seasonal naive's run.
    pub baseline: Run,
    /// The baseline's run, then every other candidate's, in the order asked.
    pub candidates: Vec<Run>,
    /// Candidates that could not be backtested (a model that failed), with why.
    pub failed: Vec<(&'static str, String)>,
}

/// Runs the backtest of `settings` on `series` for each of `models` and chooses among them
/// ([`choose`]). The seasonal naive runs once, as the baseline, whether or not it is among them.
/// An error when the origins need more history than there is, when the baseline fails, or when
/// none of `models` could be backtested (the first one's error).
pub fn backtest(
    series: &Series,
    settings: &Settings,
    models: &[ModelKind],
) -> Result<Report, ForecastError> {
    let origins = origins(series, settings)?;
    let baseline = run(series, ModelKind::Snaive, &origins, settings.horizon)?;
    let mut candidates = vec![baseline];
    // Where each of `models` that ran is in `candidates`, in the order asked.
    let mut asked: Vec<usize> = Vec::new();
    let mut failed = Vec::new();
    let mut first_error = None;
    for &kind in models {
        if let Some(i) = candidates.iter().position(|r| r.kind == kind) {
            if !asked.contains(&i) {
                asked.push(i);
            }
            continue;
        }
        if failed.iter().any(|(m, _)| *m == kind.name()) {
            continue;
        }
        match run(series, kind, &origins, settings.horizon) {
            Ok(r) => {
                candidates.push(r);
                asked.push(candidates.len() - 1);
            }
            Err(e) => {
                failed.push((kind.name(), e.to_string()));
                first_error.get_or_insert(e);
            }
        }
    }
    let runs: Vec<&Run> = asked.iter().map(|&i| &candidates[i]).collect();
    let Some(best) = choose(&runs) else {
        return Err(first_error.unwrap_or(ForecastError::Model {
            model: "none",
            reason: "no model to backtest".into(),
        }));
    };
    let chosen = runs[best].clone();
    Ok(Report {
        chosen,
        baseline: candidates[0].clone(),
        candidates,
        failed,
    })
}

/// The one rule that chooses a model: the lowest finite MASE among `runs`; ties, and runs with
/// no MASE at all, go to the earlier. `None` only when `runs` is empty.
pub fn choose(runs: &[&Run]) -> Option<usize> {
    let mase = |i: usize| {
        let m = runs[i].scores.mase;
        if m.is_finite() { m } else { f64::INFINITY }
    };
    (0..runs.len()).reduce(|best, i| if mase(i) < mase(best) { i } else { best })
}

/// The origins, earliest first; an error when the first would have too little history.
pub fn origins(series: &Series, s: &Settings) -> Result<Vec<usize>, ForecastError> {
    let bad = |what, reason: &str| ForecastError::BadArgument {
        what,
        reason: reason.to_string(),
    };
    if s.horizon == 0 {
        return Err(bad("--horizon", "must be longer than zero"));
    }
    if s.step == 0 {
        return Err(bad("--step", "must be longer than zero"));
    }
    if s.origins == 0 {
        return Err(bad("--origins", "at least one origin is needed"));
    }
    let span = s.horizon + (s.origins - 1) * s.step;
    // Two weeks: one for the seasonal naive, one more for the in-sample scale of MASE.
    let needed = span + 2 * series.per_week();
    if series.len() < needed {
        let per_day = series.per_day() as f64;
        return Err(ForecastError::TooLittleHistory {
            needed: format!(
                "{:.0} days ({} origins {:.0} days apart, a {:.0}-day horizon, and two weeks \
                 before the first origin)",
                needed as f64 / per_day,
                s.origins,
                s.step as f64 / per_day,
                s.horizon as f64 / per_day
            ),
            have: format!("{:.0} days", series.len() as f64 / per_day),
        });
    }
    let first = series.len() - span;
    Ok((0..s.origins).map(|k| first + k * s.step).collect())
}

/// Backtests one model kind over `origins`.
fn run(
    series: &Series,
    kind: ModelKind,
    origins: &[usize],
    horizon: usize,
) -> Result<Run, ForecastError> {
    #[cfg(test)]
    tests::RUNS.with(|n| n.set(n.get() + 1));
    let mut points = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut mase_by_origin = Vec::new();
    for (k, &origin) in origins.iter().enumerate() {
        let train = series.head(origin);
        let (fitted, used) = fit_with_fallback(&train, kind, horizon)?;
        if used != kind {
            note(
                &mut notes,
                format!(
                    "{} needs {} intervals of history; fell back to {} where there was less",
                    kind.name(),
                    kind.min_history(&train),
                    used.name()
                ),
            );
        }
        for n in fitted.notes() {
            note(&mut notes, n.clone());
        }
        let forecast = fitted.forecast(horizon);
        let scored: Vec<Scored> = forecast
            .into_iter()
            .enumerate()
            .map(|(j, point)| Scored {
                origin: k + 1,
                point,
                actual: series.values()[origin + j],
                open: series.is_open(origin + j),
            })
            .collect();
        if let Some(scale) = snaive::in_sample_mae(&train).filter(|s| *s > 0.0) {
            let errors: Vec<f64> = scored
                .iter()
                .filter(|p| p.open)
                .map(|p| (p.actual - p.point.expected).abs())
                .collect();
            if !errors.is_empty() {
                mase_by_origin.push(errors.iter().sum::<f64>() / errors.len() as f64 / scale);
            }
        } else {
            note(
                &mut notes,
                format!(
                    "origin {}: no MASE (the seasonal naive is exact in-sample)",
                    k + 1
                ),
            );
        }
        points.extend(scored);
    }
    Ok(Run {
        kind,
        model: kind.name(),
        scores: scores(&points, mase_by_origin),
        points,
        notes,
    })
}

fn note(notes: &mut Vec<String>, text: String) {
    if !notes.contains(&text) {
        notes.push(text);
    }
}

/// Fits `kind`, or the next simpler model when the history is too short for it.
fn fit_with_fallback(
    train: &Series,
    kind: ModelKind,
    horizon: usize,
) -> Result<(crate::forecast::models::Fitted, ModelKind), ForecastError> {
    let calibration = calibrate::Settings::new(horizon);
    let chain: &[ModelKind] = match kind {
        ModelKind::Mstl => &[ModelKind::Mstl, ModelKind::Profile, ModelKind::Snaive],
        ModelKind::Profile => &[ModelKind::Profile, ModelKind::Snaive],
        ModelKind::Damped => &[ModelKind::Damped, ModelKind::Profile, ModelKind::Snaive],
        ModelKind::Snaive => &[ModelKind::Snaive],
    };
    let mut last = None;
    for &k in chain {
        match k.fit(train, &calibration) {
            Ok(f) => return Ok((f, k)),
            Err(e @ ForecastError::TooLittleHistory { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or(ForecastError::Model {
        model: kind.name(),
        reason: "no model could be fitted".into(),
    }))
}

/// sMAPE and coverage over the open points, and the mean MASE.
pub fn scores(points: &[Scored], mase_by_origin: Vec<f64>) -> Scores {
    let open: Vec<&Scored> = points.iter().filter(|p| p.open).collect();
    let n = open.len().max(1) as f64;
    let smape = open
        .iter()
        .map(|p| {
            let (a, f) = (p.actual, p.point.expected);
            if a.abs() + f.abs() > 0.0 {
                200.0 * (a - f).abs() / (a.abs() + f.abs())
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    let inside = |lo: fn(&Point) -> f64, hi: fn(&Point) -> f64| {
        open.iter()
            .filter(|p| lo(&p.point) <= p.actual && p.actual <= hi(&p.point))
            .count() as f64
            / n
    };
    let mase = if mase_by_origin.is_empty() {
        f64::NAN
    } else {
        mase_by_origin.iter().sum::<f64>() / mase_by_origin.len() as f64
    };
    Scores {
        mase,
        smape,
        coverage80: inside(|p| p.lower80, |p| p.upper80),
        coverage95: inside(|p| p.lower95, |p| p.upper95),
        mase_by_origin,
        points: open.len(),
    }
}

#[cfg(test)]
mod tests;
