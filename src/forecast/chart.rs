//! Charts of a forecast for planners: the recent history, the expected contacts and both
//! prediction intervals (80 % darker inside 95 % lighter), with local dates on the time axis,
//! as SVG or PNG ([plotters]).
//!
//! The text is drawn with DejaVu Sans, embedded in the binary (`assets/fonts/`, Bitstream Vera
//! licence beside it) and registered with plotters' `ab_glyph` renderer, so a chart renders on a
//! server with no system fonts (plotters' default `ttf` feature needs fontconfig and FreeType at
//! run time). A leaf of `forecast`: it reads [`SeriesForecast`] and [`HISTORY_DAYS`] of `plan`
//! and imports nothing else.

use super::plan::{HISTORY_DAYS, SeriesForecast};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// DejaVu Sans (Bitstream Vera licence: `assets/fonts/DejaVu-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name the chart's text styles ask for.
const FAMILY: &str = "sans-serif";
/// Pixels.
const SIZE: (u32, u32) = (1200, 560);

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(String);

fn font_registered() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError("the embedded font is unreadable".into()))
    }
}

/// What to draw: a series' forecast over `days` days, its times shown in `zone`.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec<'a> {
    /// The forecast, with its recent history.
    pub forecast: &'a SeriesForecast,
    /// Days of forecast to draw.
    pub days: usize,
    /// The zone of the axis labels.
    pub zone: Tz,
    /// When the forecast was fitted (in the subtitle).
    pub fitted_at: Option<DateTime<Utc>>,
}

/// The chart as an SVG document.
pub fn svg(spec: &ChartSpec) -> Result<String, ChartError> {
    font_registered()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, spec)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The chart as a PNG image.
pub fn png(spec: &ChartSpec) -> Result<Vec<u8>, ChartError> {
    font_registered()?;
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(&root, spec)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Hours from `origin` to `t`: the x coordinate.
fn hours(origin: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - origin).num_seconds() as f64 / 3600.0
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> Result<(), ChartError> {
    let f = spec.forecast;
    let per_day = f.interval.per_day();
    let points = &f.points[..(spec.days * per_day).min(f.points.len())];
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(ChartError("the forecast has no points".into()));
    };
    let history: Vec<_> = f
        .recent
        .iter()
        .filter(|(t, _)| *t < first.point.start)
        .collect();
    let origin = history.first().map_or(first.point.start, |(t, _)| *t);
    let end = hours(origin, last.point.start) + f64::from(f.interval.minutes()) / 60.0;
    let top = points
        .iter()
        .map(|p| p.point.upper95)
        .chain(history.iter().map(|(_, v)| *v))
        .fold(1.0_f64, f64::max)
        * 1.08;

    root.fill(&WHITE).map_err(err)?;
    let zone = spec.zone;
    let fitted = spec.fitted_at.map_or(String::new(), |t| {
        format!(
            ", fitted {}",
            t.with_timezone(&zone).format("%Y-%m-%d %H:%M")
        )
    });
    let caption = format!(
        "{} — contacts per {} ({}{fitted})",
        f.config.name,
        f.interval.label(),
        f.model
    );
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FAMILY, 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..end, 0.0..top)
        .map_err(err)?;
    let label = |x: &f64| {
        let t = origin + chrono::TimeDelta::seconds((x * 3600.0).round() as i64);
        let local = t.with_timezone(&zone);
        if per_day == 1 || spec.days + HISTORY_DAYS > 10 {
            local.format("%a %d %b").to_string()
        } else {
            local.format("%a %d %H:%M").to_string()
        }
    };
    chart
        .configure_mesh()
        .x_labels(12)
        .y_labels(8)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("contacts")
        .x_desc(format!("local time ({zone})"))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;

    let x = |t: DateTime<Utc>| hours(origin, t);
    let band = |lower: fn(&super::models::Point) -> f64,
                upper: fn(&super::models::Point) -> f64| {
        let mut outline: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (x(p.point.start), upper(&p.point)))
            .collect();
        outline.extend(
            points
                .iter()
                .rev()
                .map(|p| (x(p.point.start), lower(&p.point))),
        );
        outline
    };
    let light = RGBColor(31, 119, 180).mix(0.15);
    let dark = RGBColor(31, 119, 180).mix(0.35);
    chart
        .draw_series(std::iter::once(Polygon::new(
            band(|p| p.lower95, |p| p.upper95),
            light.filled(),
        )))
        .map_err(err)?
        .label("95 % interval")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], light.filled()));
    chart
        .draw_series(std::iter::once(Polygon::new(
            band(|p| p.lower80, |p| p.upper80),
            dark.filled(),
        )))
        .map_err(err)?
        .label("80 % interval")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], dark.filled()));
    let blue = RGBColor(31, 119, 180);
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (x(p.point.start), p.point.expected)),
            blue.stroke_width(2),
        ))
        .map_err(err)?
        .label("expected")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], blue.stroke_width(2)));
    if !history.is_empty() {
        chart
            .draw_series(LineSeries::new(
                history.iter().map(|(t, v)| (x(*t), *v)),
                BLACK.stroke_width(1),
            ))
            .map_err(err)?
            .label("history")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::config::{ForecastConfig, SeriesConfig};
    use crate::forecast::plan;
    use crate::forecast::series::Interval;
    use chrono::TimeZone;

    /// Eight weeks of hourly contacts, busy on weekday mornings, fitted as the service would.
    fn forecast() -> (SeriesForecast, DateTime<Utc>) {
        let def = SeriesConfig {
            name: "queue:tributi".into(),
            interval: Interval::H1,
            queue: None,
            channel: None,
            topic: None,
            urgency: None,
            open: None,
            staffed: None,
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let rows: Vec<_> = (0..56 * 96)
            .map(|q| {
                let t = now - chrono::TimeDelta::minutes(15 * (56 * 96 - q));
                let hour = (q / 4) % 24;
                (
                    t,
                    if (8..13).contains(&hour) {
                        3
                    } else {
                        (q % 2) as u64
                    },
                )
            })
            .collect();
        let fitted = plan::fit_all(
            std::slice::from_ref(&def),
            &ForecastConfig::default(),
            |_| Ok(rows.clone()),
            now,
        );
        (fitted.series.into_iter().next().unwrap(), now)
    }

    #[test]
    fn the_svg_names_the_series_the_model_and_local_dates() {
        let (f, now) = forecast();
        assert_eq!(f.recent.len(), HISTORY_DAYS * 24);
        let spec = ChartSpec {
            forecast: &f,
            days: 7,
            zone: chrono_tz::Europe::Rome,
            fitted_at: Some(now),
        };
        let svg = svg(&spec).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        for text in [
            "queue:tributi — contacts per 1h",
            &f.model,
            "fitted 2026-11-30 11:00",
            "80 % interval",
            "95 % interval",
            "history",
            "Mon 30 Nov",
            "local time (Europe/Rome)",
        ] {
            assert!(svg.contains(text), "`{text}` missing from the chart");
        }
    }

    #[test]
    fn the_png_has_the_chart_size_and_its_text_is_drawn_with_the_embedded_font() {
        let (f, now) = forecast();
        let spec = ChartSpec {
            forecast: &f,
            days: 7,
            zone: chrono_tz::Europe::Rome,
            fitted_at: Some(now),
        };
        let bytes = png(&spec).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), SIZE);
        // The caption band (above the plot) is white but for its text: dark pixels there are
        // glyphs, which only a loaded font draws.
        let row = |y: u32| &buf[(y * info.width * 3) as usize..((y + 1) * info.width * 3) as usize];
        let dark = (14..40)
            .flat_map(|y| {
                row(y)
                    .chunks(3)
                    .map(|p| p.iter().map(|&c| u32::from(c)).sum::<u32>())
            })
            .filter(|&sum| sum < 300)
            .count();
        assert!(dark > 200, "no caption text drawn ({dark} dark pixels)");
    }

    #[test]
    fn a_forecast_with_no_points_is_an_error_not_a_panic() {
        let (mut f, _) = forecast();
        f.points.clear();
        let spec = ChartSpec {
            forecast: &f,
            days: 7,
            zone: chrono_tz::Europe::Rome,
            fitted_at: None,
        };
        assert!(svg(&spec).is_err());
        assert!(png(&spec).is_err());
    }
}
