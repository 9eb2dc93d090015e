//! `instrada forecast --series NAME [--horizon 14d] [--cached] [--config FILE] [--out DIR]
//! [--json]`: a `[forecast]` series fitted on the store's contacts as the service's refit does
//! (same model choice, same staffing), or with `--cached` the service's last refit read from the
//! store's forecast cache (what `GET /v1/forecast` serves), printed as a table or (`--json`) the
//! API's answer, and written as `DIR/NAME.csv` for spreadsheets with its chart (`DIR/NAME.svg`,
//! `DIR/NAME.png`). Reading, checks and messages are [`crate::ops::forecast`]'s.

use super::CliError;
use crate::config::Settings;
use crate::forecast::config::SeriesConfig;
use crate::ops::forecast::{self as op, Format, Selected};
use std::fmt::Write;
use std::path::PathBuf;

/// `instrada forecast`.
#[derive(Debug, clap::Args)]
pub struct ForecastArgs {
    /// The series (`total`, `queue:NAME`, `channel:NAME` when none are configured).
    #[arg(long, value_name = "NAME", required_unless_present = "refit")]
    pub series: Option<String>,
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
    #[arg(long, conflicts_with = "refit")]
    pub cached: bool,
    /// Refit every series as the service's schedule does and save the refit in the store's
    /// forecast cache (what a service serves when it starts on this store); prints what was
    /// fitted, as `POST /v1/forecast/refit` answers.
    #[arg(long, conflicts_with_all = ["series", "out", "json"])]
    pub refit: bool,
}

/// The `[forecast]` series `name` of `settings` (the policy's queues give the default ones).
pub(super) fn stored_series_config(
    settings: &Settings,
    name: &str,
) -> Result<SeriesConfig, CliError> {
    let defs = op::series_defs(settings);
    defs.iter()
        .find(|d| d.name == name)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            CliError::Usage(format!(
                "--series: no series `{name}` (the series are {})",
                names.join(", ")
            ))
        })
}

/// Fits the series (or reads the cached refit) and returns what to print.
pub fn forecast_cmd(args: &ForecastArgs) -> Result<String, CliError> {
    let (settings, _) = Settings::load(args.config.as_deref(), &[])?;
    let Some(name) = args.series.as_deref().filter(|_| !args.refit) else {
        let svc = crate::ops::Service::open(settings)?;
        let refit = crate::jobs::refit::refit_blocking(&svc, &crate::ops::Actor::local());
        super::close(&svc)?;
        let done = crate::jobs::refit::RefitSummary::of(&refit);
        return Ok(format!(
            "{}\n",
            serde_json::to_string(&done).unwrap_or_default()
        ));
    };
    let fitted = if args.cached {
        op::cached(&settings)?.ok_or_else(|| {
            CliError::Usage(format!(
                "--cached: the store {} holds no forecasts yet: the service saves each refit \
                 (`POST /v1/forecast/refit`, or its `[forecast] refit` schedule); without \
                 --cached the series is fitted now",
                settings.store.location()
            ))
        })?
    } else {
        op::fit_one(&settings, name)?
    };
    let selected = op::select(&fitted, name, Some(&args.horizon))?;
    if let Some(dir) = &args.out {
        write_files(dir, &settings, fitted.fitted_at, selected)?;
    }
    Ok(if args.json {
        let view = op::view(&fitted, selected);
        format!("{}\n", serde_json::to_string(&view).unwrap_or_default())
    } else {
        table(selected)
    })
}

/// `DIR/NAME.csv`, `DIR/NAME.svg` and `DIR/NAME.png`.
fn write_files(
    dir: &std::path::Path,
    settings: &Settings,
    fitted_at: Option<chrono::DateTime<chrono::Utc>>,
    selected: Selected<'_>,
) -> Result<(), CliError> {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let stem = selected.forecast.config.name.replace([':', '/'], "-");
    let files: [(&str, Vec<u8>); 3] = [
        ("csv", op::csv(selected).into_bytes()),
        (
            "svg",
            op::chart(settings, fitted_at, selected, Format::Svg)?.1,
        ),
        (
            "png",
            op::chart(settings, fitted_at, selected, Format::Png)?.1,
        ),
    ];
    for (ext, bytes) in files {
        let file = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&file, bytes).map_err(io(&file))?;
    }
    Ok(())
}

fn table(selected: Selected<'_>) -> String {
    let s = selected.forecast;
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
    for p in selected.points {
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
