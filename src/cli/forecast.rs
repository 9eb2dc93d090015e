//! `instrada forecast --series NAME [--horizon 14d] [--cached] [--config FILE] [--out DIR]
//! [--json]`: a `[forecast]` series fitted on the store's contacts as the service's refit does
//! (same model choice, same staffing), or with `--cached` the service's last refit read from the
//! store's forecast cache (what `GET /v1/forecast` serves), printed as a table or JSON, and
//! written as `DIR/NAME.csv` for spreadsheets with its chart (`DIR/NAME.svg`, `DIR/NAME.png`).

use super::CliError;
use crate::config::Settings;
use crate::forecast::chart;
use crate::forecast::plan::{self, Forecasts, SeriesForecast};
use crate::route::Channel;
use std::fmt::Write;
use std::path::PathBuf;

/// `instrada forecast`.
#[derive(Debug, clap::Args)]
pub struct ForecastArgs {
    /// The series (`total`, `queue:NAME`, `channel:NAME` when none are configured).
    #[arg(long, value_name = "NAME")]
    pub series: String,
    /// How far ahead, in days (`14d`) or weeks (`2w`), at most 28 days.
    #[arg(long, default_value = "14d")]
    pub horizon: String,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write the points to `DIR/NAME.csv` and the chart to `DIR/NAME.svg` and `DIR/NAME.png`
    /// (`:` in the name becomes `-`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// The service's last refit, from the store's forecast cache (what `GET /v1/forecast`
    /// serves), instead of fitting now.
    #[arg(long)]
    pub cached: bool,
}

/// The `[forecast]` series `name` of `settings` (the policy's queues give the default ones).
pub(super) fn stored_series_config(
    settings: &Settings,
    name: &str,
) -> Result<crate::forecast::config::SeriesConfig, CliError> {
    let queues: Vec<String> = settings
        .routing
        .queues
        .iter()
        .map(|q| q.name.clone())
        .collect();
    settings
        .forecast
        .find_series(name, &queues, &Channel::ALL.map(Channel::as_str))
        .map_err(|e| CliError::Usage(format!("--series: {e}")))
}

/// Fits the series (or reads the cached refit) and returns what to print.
pub fn forecast_cmd(args: &ForecastArgs) -> Result<String, CliError> {
    let horizon = plan::parse_horizon_days("--horizon", &args.horizon)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let (settings, _) = Settings::load(args.config.as_deref(), &[])?;
    let fc = &settings.forecast;
    let fitted = if args.cached {
        cached(&settings.store.path)?
    } else {
        let def = stored_series_config(&settings, &args.series)?;
        let path = &settings.store.path;
        plan::fit_stored(path, std::slice::from_ref(&def), fc, chrono::Utc::now())
    };
    let s = one_series(&fitted, &args.series, args.cached)?;
    let n = horizon * s.interval.per_day();
    let csv = plan::points_csv(&s.points[..n.min(s.points.len())]);
    if let Some(dir) = &args.out {
        write_files(dir, s, &csv, horizon, fc, fitted.fitted_at)?;
    }
    Ok(if args.json { json(s, n) } else { table(s, n) })
}

/// The last refit saved in the store at `path`.
fn cached(path: &std::path::Path) -> Result<Forecasts, CliError> {
    let Some((_, body)) = crate::store::latest_forecasts(path)? else {
        return Err(CliError::Usage(format!(
            "--cached: the store {} holds no forecasts yet: the service saves each refit \
             (`POST /v1/forecast/refit`, or its `[forecast] refit` schedule); without --cached \
             the series is fitted now",
            path.display()
        )));
    };
    Forecasts::from_json(&body).map_err(CliError::Usage)
}

/// The series `name` of `fitted`, or why it has none.
fn one_series<'a>(
    fitted: &'a Forecasts,
    name: &str,
    cached: bool,
) -> Result<&'a SeriesForecast, CliError> {
    if let Some(s) = fitted.get(name) {
        return Ok(s);
    }
    if let Some((_, why)) = fitted.failed.iter().find(|(n, _)| n == name) {
        return Err(CliError::Usage(format!(
            "series `{name}` cannot be forecast: {why}"
        )));
    }
    let known: Vec<&str> = fitted
        .series
        .iter()
        .map(|s| s.config.name.as_str())
        .collect();
    Err(CliError::Usage(if cached {
        format!(
            "--series: the cached refit has no series `{name}` (it has {})",
            known.join(", ")
        )
    } else {
        format!("series `{name}` cannot be forecast")
    }))
}

/// `DIR/NAME.csv`, `DIR/NAME.svg` and `DIR/NAME.png`.
fn write_files(
    dir: &std::path::Path,
    s: &SeriesForecast,
    csv: &str,
    days: usize,
    fc: &crate::forecast::config::ForecastConfig,
    fitted_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), CliError> {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let spec = chart::ChartSpec {
        forecast: s,
        days,
        zone: fc.timezone,
        fitted_at,
    };
    let stem = s.config.name.replace([':', '/'], "-");
    let files: [(&str, Vec<u8>); 3] = [
        ("csv", csv.as_bytes().to_vec()),
        ("svg", chart::svg(&spec)?.into_bytes()),
        ("png", chart::png(&spec)?),
    ];
    for (ext, bytes) in files {
        let file = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&file, bytes).map_err(io(&file))?;
    }
    Ok(())
}

fn json(s: &SeriesForecast, n: usize) -> String {
    let finite = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let points: Vec<_> = s
        .points
        .iter()
        .take(n)
        .map(|p| {
            serde_json::json!({
                "start": p.point.start, "expected": p.point.expected,
                "lower80": p.point.lower80, "upper80": p.point.upper80,
                "lower95": p.point.lower95, "upper95": p.point.upper95,
                "agents": p.staffing.as_ref().map(|st| st.agents),
                "fte": p.staffing.as_ref().map(|st| st.fte),
            })
        })
        .collect();
    serde_json::json!({
        "series": s.config.name, "interval": s.interval.label(), "model": s.model,
        "mase": finite(s.mase), "baseline_mase": finite(s.baseline_mase),
        "contacts": s.contacts, "notes": s.notes, "points": points,
    })
    .to_string()
        + "\n"
}

fn table(s: &SeriesForecast, n: usize) -> String {
    let mut out = format!(
        "series {} ({}), model {} (backtest MASE {:.3}, seasonal naive {:.3}), {} contacts\n",
        s.config.name,
        s.interval.label(),
        s.model,
        s.mase,
        s.baseline_mase,
        s.contacts
    );
    out.push_str("start                       expected   80 %         95 %         agents  fte\n");
    for p in s.points.iter().take(n) {
        let q = &p.point;
        let staff = p.staffing.as_ref().map_or("-       -".to_string(), |st| {
            format!("{:<7} {}", st.agents, st.fte)
        });
        let _ = writeln!(
            out,
            "{:<27} {:>8.1}   {:>4}–{:<6} {:>4}–{:<6} {staff}",
            q.start.to_rfc3339(),
            q.expected,
            q.lower80,
            q.upper80,
            q.lower95,
            q.upper95
        );
    }
    for note in &s.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
