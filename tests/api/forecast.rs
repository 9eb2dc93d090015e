//! Workload forecasts over HTTP: events in, a refit off the request path, series listed, a
//! forecast with intervals and staff served (JSON and CSV), and the errors of each.

use crate::helpers::*;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use instrada::forecast::config::SeriesConfig;
use instrada::forecast::series::Interval;
use serde_json::{Value, json};

fn series(name: &str, channel: Option<&str>) -> SeriesConfig {
    SeriesConfig {
        name: name.into(),
        interval: Interval::D1,
        queue: None,
        channel: channel.map(str::to_string),
        topic: None,
        urgency: None,
        open: None,
        staffed: None,
    }
}

/// Today in Rome, the zone of the series.
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Rome)
        .date_naive()
}

/// Ten weeks of contacts up to yesterday, busier on Mondays, none on Sundays; a third e-mails.
fn history() -> Vec<Value> {
    let start = today() - Days::new(70);
    let mut events = Vec::new();
    for day in 0..70u64 {
        let date = start + Days::new(day);
        let n = match date.weekday() {
            Weekday::Mon => 12,
            Weekday::Sun => 0,
            _ => 6 + day as usize % 3,
        };
        for k in 0..n {
            events.push(json!({
                "event_id": format!("h{day}-{k}"),
                "occurred_at": format!("{date}T{:02}:10:00Z", 8 + k % 9),
                "channel": if k % 3 == 0 { "email" } else { "phone" },
            }));
        }
    }
    events
}

#[tokio::test]
async fn forecasts_are_fitted_off_the_request_path_and_served_with_staff() {
    let app = spawn_app_with(|s| {
        s.forecast.series = vec![series("daily", None), series("email", Some("email"))];
        s.forecast.count_decisions = false;
    })
    .await;
    let r = app.get("/v1/forecast?series=daily").await;
    assert_error(r, 503, "not_ready").await;

    let events = history();
    let total = events.len();
    for chunk in events.chunks(200) {
        let ack: Value = app
            .post("/v1/events", &json!(chunk))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ack["rejected"], 0, "{ack}");
    }
    let done: Value = app
        .post("/v1/forecast/refit", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["fitted"].as_u64(), done["failed"].as_u64()),
        (Some(2), Some(0)),
        "{done}"
    );

    // The command line refits alike (and saves its refit in the store's cache).
    let cli = app.cli(&["forecast", "--refit"], "").json();
    assert_eq!(
        (&cli["fitted"], &cli["failed"]),
        (&done["fitted"], &done["failed"]),
        "{cli}"
    );
    let refit: Value = app
        .post("/v1/forecast/refit", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refit["fitted"], done["fitted"]);

    // The refit is cached in the store: a service started on it serves the same forecasts.
    let mut again = settings(app.db_path.parent().unwrap());
    again.forecast = app.state.settings.forecast.clone();
    let restarted = state(again);
    let restored = instrada::jobs::refit::restore(&restarted.service, &restarted.registry)
        .expect("the cache reads");
    assert!(restored.is_some(), "a refit was cached");
    let (cached, served) = (
        restarted.registry.forecasts(),
        app.state.registry.forecasts(),
    );
    assert_eq!(
        cached
            .fitted_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        refit["fitted_at"].as_str().map(|t| t
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    assert_eq!(cached.fitted_at, served.fitted_at);
    assert_eq!(cached.series.len(), 2);
    assert_eq!(cached.series[0].points, served.series[0].points);
    assert_eq!(cached.series[0].model, served.series[0].model);

    let list: Value = app.get("/v1/series").await.json().await.unwrap();
    let daily = &list["series"][0];
    assert_eq!(daily["name"], "daily");
    assert_eq!(daily["contacts"], total);
    assert!(
        ["snaive", "profile", "damped", "mstl"].contains(&daily["model"].as_str().unwrap()),
        "{list}"
    );
    assert!(
        daily["mase"].as_f64().unwrap().is_finite(),
        "a backtest chose it: {list}"
    );

    let r = app.get("/v1/forecast?series=daily&horizon=7d").await;
    assert_eq!(r.status(), 200);
    let f: Value = r.json().await.unwrap();
    let points = f["points"].as_array().unwrap();
    assert_eq!(points.len(), 7, "{f}");
    // `instrada forecast --cached` prints what the service serves, read from the store.
    let cli_horizon = |series: &str, horizon: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"))
            .args(["forecast", "--cached", "--json", "--horizon", horizon])
            .args(["--series", series])
            .arg("--config")
            .arg(write_config(app.db_path.parent().unwrap()))
            .env("INSTRADA__STORE__PATH", &app.db_path)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let cli = |series: &[&str]| cli_horizon(series[0], "7d");
    let (ok, stdout, stderr) = cli(&["daily"]);
    assert!(ok, "{stderr}");
    // The same answer, field for field, whichever edge read it.
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed, f);
    // The same refusal too.
    let (ok, _, stderr) = cli(&["weekly"]);
    assert!(!ok);
    let message = assert_error(
        app.get("/v1/forecast?series=weekly&horizon=7d").await,
        404,
        "unknown_series",
    )
    .await;
    assert!(
        message.starts_with("no series `weekly` (the series are daily, "),
        "{message}"
    );
    assert_eq!(stderr.trim(), format!("error: {message}"));
    let (ok, _, stderr) = cli_horizon("daily", "9w");
    assert!(!ok);
    let message = assert_error(
        app.get("/v1/forecast?series=daily&horizon=9w").await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(stderr.trim(), format!("error: {message}"));
    // The history is the days before today: the forecast starts at today's local midnight.
    let midnight = instrada::calendar::local_to_utc(
        chrono_tz::Europe::Rome,
        today().and_hms_opt(0, 0, 0).unwrap(),
    );
    assert_eq!(
        points[0]["start"],
        midnight.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    for p in points {
        let v = |k: &str| p[k].as_f64().unwrap();
        assert!(v("expected") >= 0.0 && v("lower95") >= 0.0, "{p}");
        assert!(
            v("lower95") <= v("lower80") && v("upper80") <= v("upper95"),
            "{p}"
        );
    }
    let on = |day: Weekday| {
        points
            .iter()
            .find(|p| {
                let start: chrono::DateTime<chrono::Utc> =
                    p["start"].as_str().unwrap().parse().unwrap();
                start.with_timezone(&chrono_tz::Europe::Rome).weekday() == day
            })
            .unwrap()
    };
    let sunday = on(Weekday::Sun);
    assert!(
        sunday["expected"].as_f64().unwrap() < 1.0,
        "no contacts on Sundays: {sunday}"
    );
    let monday = on(Weekday::Mon);
    assert!(monday["expected"].as_f64().unwrap() > 8.0, "{monday}");
    assert!(monday["agents"].as_u64().unwrap() >= 1, "{monday}");
    assert!(monday["fte"].as_u64().unwrap() >= monday["agents"].as_u64().unwrap());
    assert_eq!(f["staffing_method"], "erlang_c");

    let f: Value = app
        .get("/v1/forecast?series=email&horizon=1w")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        f["staffing_method"], "backlog",
        "e-mails are not answered live: {f}"
    );

    for (format, kind, magic) in [
        ("svg", "image/svg+xml", &b"<svg"[..]),
        ("png", "image/png", &b"\x89PNG"[..]),
    ] {
        let r = app
            .get(&format!(
                "/v1/forecast?series=daily&horizon=7d&format={format}"
            ))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], kind);
        let body = r.bytes().await.unwrap();
        assert!(body.starts_with(magic), "{format}: {:?}", &body[..8]);
    }

    let r = app
        .get("/v1/forecast?series=daily&horizon=3d&format=csv")
        .await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "start,expected,lower80,upper80,lower95,upper95,agents,fte"
    );
    assert_eq!(lines.len(), 4, "{csv}");
}

#[tokio::test]
async fn bad_forecast_requests_get_clear_errors() {
    let app = spawn_app_with(|s| s.forecast.series = vec![series("daily", None)]).await;
    let done: Value = app
        .post("/v1/forecast/refit", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["failed"], 1, "no contacts yet: {done}");
    let r = app.get("/v1/forecast?series=daily").await;
    let msg = assert_error(r, 503, "not_ready").await;
    assert!(
        msg.contains("could not be fitted: no contacts yet"),
        "{msg}"
    );
    let msg = assert_error(
        app.get("/v1/forecast?series=nope").await,
        404,
        "unknown_series",
    )
    .await;
    assert!(msg.contains("the series are daily"), "{msg}");
    for q in [
        "series=daily&horizon=0d",
        "series=daily&horizon=10y",
        "series=daily&horizon=60d",
        "series=daily&format=xml",
        "series=daily&format=jpeg",
        "horizon=7d",
    ] {
        assert_error(
            app.get(&format!("/v1/forecast?{q}")).await,
            422,
            "invalid_request",
        )
        .await;
    }
}
