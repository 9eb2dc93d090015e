//! Proactive outreach over HTTP, with a small model trained here (once per test binary) on a
//! synthetic history: a scoring run flags the citizen whose case keeps coming back, the list ranks
//! with reasons and the model version, a dismissed flag stays out until a new event, opted-out
//! citizens are never scored, the report counts, scores are stored with their inputs' hash, and
//! bad input gets stable codes.

use crate::helpers::*;
use chrono::{Duration, Utc};
use instrada::outreach::flags::inputs_sha256;
use instrada::outreach::manifest::LabelInfo;
use instrada::outreach::{
    FeatureSpec, History, ModelChoice, OutreachLabel, OutreachParams, artefact, features, synthetic,
};
use instrada::store::HistoryReader;
use instrada::store::outreach::get_flag;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::OnceLock;
use tempfile::TempDir;

/// The fixture outreach model: a logistic regression on 400 synthetic citizens, labelled with a
/// repeat contact in the 30 days after.
pub(crate) fn model_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let end = Utc::now().date_naive();
        let h = synthetic::histories(&synthetic::generate(400, 11, end));
        let as_of = end.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::days(30);
        let spec = FeatureSpec::default();
        let t = synthetic::table(&h, as_of, OutreachLabel::RepeatContact30d, &spec);
        let info = LabelInfo {
            name: "repeat_contact_30d".into(),
            positive: None,
            as_of: Some(as_of),
        };
        let mut m = OutreachParams::new("outreach-fixture")
            .model(ModelChoice::Logistic)
            .folds(3)
            .check()
            .expect("valid parameters")
            .fit(&t, Some(&spec), info)
            .expect("the fixture trains");
        artefact::save(dir.path(), &mut m, "Test fixture.").expect("saves");
        dir
    })
    .path()
}

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.outreach.model = model_dir().to_path_buf();
        s.outreach.fairness_attributes = vec!["municipio".into()];
    })
    .await
}

/// A citizen whose cases keep coming back: sixteen contacts in two months on three topics, left
/// open, pending or reopened, from the web and then the phone; the last one yesterday, about TARI.
fn troubled(id: &str, citizen: &str) -> Vec<Value> {
    let topics = [
        ("servizi_sociali", "sociale"),
        ("edilizia", "tecnico"),
        ("tari", "tributi"),
    ];
    let outcomes = ["open", "pending", "reopened", "open"];
    let days = (0..14).map(|k| 60 - 4 * k).chain([3, 1]);
    days.enumerate()
        .map(|(k, d)| {
            let (topic, queue) = topics[(k + 2) % 3];
            json!({
                "event_id": format!("{id}-{k}"),
                "occurred_at": Utc::now() - Duration::days(d) - Duration::hours(1),
                "channel": if k < 8 { "web" } else { "phone" },
                "queue": queue,
                "topic": topic,
                "urgency": if k % 5 == 4 { "high" } else { "normal" },
                "citizen_id": citizen,
                "outcome": outcomes[k % 4],
                "attributes": {"language": "it", "municipio": "I"},
            })
        })
        .collect()
}

/// A citizen with one resolved e-mail, 200 days ago, in English.
fn quiet(citizen: &str) -> Value {
    json!({
        "event_id": format!("quiet-{citizen}"),
        "occurred_at": Utc::now() - Duration::days(200),
        "channel": "email",
        "queue": "urp",
        "topic": "mobilita",
        "citizen_id": citizen,
        "outcome": "resolved",
        "attributes": {"language": "en", "municipio": "II"},
    })
}

async fn ok_json(r: reqwest::Response, status: u16) -> Value {
    let code = r.status().as_u16();
    let text = r.text().await.expect("body");
    assert_eq!(code, status, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

async fn post_events(app: &TestApp, events: Vec<Value>) {
    let ack = ok_json(app.post("/v1/events", &Value::Array(events)).await, 200).await;
    assert_eq!(ack["rejected"], 0, "{ack}");
}

async fn run(app: &TestApp) -> Value {
    ok_json(app.post("/v1/outreach/run", &json!({})).await, 200).await
}

async fn listed(app: &TestApp) -> Value {
    let l = ok_json(app.get("/v1/outreach?limit=10").await, 200).await;
    assert_eq!(l["advisory"], true, "{l}");
    assert_eq!(l["note"], "advice for a case worker; a person decides");
    l
}

fn citizens(list: &Value) -> Vec<String> {
    list["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["citizen"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_run_ranks_with_reasons_a_review_holds_until_new_evidence_and_opt_outs_are_never_scored()
{
    let app = app().await;
    let p = |id: &str| app.state.pseudonyms.pseudonym(id);
    let mut events = troubled("t", "RSSMRA80A01H501U");
    events.extend(troubled("o", "VRDLGU70B02F205X"));
    events.push(quiet("BNCGNN90C03L219Y"));
    post_events(&app, events).await;
    let ack = ok_json(
        app.post(
            "/v1/outreach/optout",
            &json!({"citizen_id": "VRDLGU70B02F205X", "reason": "chiesto allo sportello"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ack["new"], true);

    let r = run(&app).await;
    assert_eq!(
        (r["scored"].as_u64(), r["opted_out"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    let version = r["model_version"].as_str().unwrap().to_string();
    let l = listed(&app).await;
    assert_eq!(
        citizens(&l),
        [p("RSSMRA80A01H501U")],
        "only the troubled citizen: {l}"
    );
    let flag = &l["flags"][0];
    assert_eq!(flag["model_version"], version.as_str());
    assert_eq!(l["model_version"], version.as_str());
    assert_eq!(flag["queue"], "tributi");
    assert_eq!(flag["channel"], "phone");
    assert!(flag["last_contact"].is_string(), "{flag}");
    let reasons = flag["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty(), "{flag}");
    assert!(
        reasons
            .iter()
            .all(|x| x["it"].is_string() && x["en"].is_string())
    );

    // Stored with the model version and the hash of exactly the features it was computed from.
    let id: uuid::Uuid = flag["flag_id"].as_str().unwrap().parse().unwrap();
    let stored = get_flag(&app.db_path, id)
        .unwrap()
        .expect("the flag is stored");
    assert_eq!(stored.model_version, version);
    let history = HistoryReader::open(&app.db_path)
        .unwrap()
        .citizen(&p("RSSMRA80A01H501U"), stored.as_of)
        .unwrap();
    let row = features(
        &History::new(history),
        stored.as_of,
        &FeatureSpec::default(),
    );
    assert_eq!(stored.inputs_sha256, inputs_sha256(&row));

    let review = json!({"status": "dismissed", "reviewer": "m.bianchi",
        "note": "Parlato con lui al 333 1234567, scrive da mario.rossi@example.it"});
    let path = format!("/v1/outreach/{id}/review");
    let rv = ok_json(app.post(&path, &review).await, 201).await;
    assert_eq!(rv["status"], "dismissed");
    let note = rv["note"].as_str().unwrap();
    assert!(
        !note.contains("example.it") && !note.contains("1234567"),
        "{note}"
    );
    assert_eq!(
        get_flag(&app.db_path, id).unwrap().unwrap().status,
        "dismissed"
    );

    run(&app).await;
    assert!(
        citizens(&listed(&app).await).is_empty(),
        "dismissed, no new evidence"
    );
    post_events(
        &app,
        vec![
            json!({"event_id": "t-new", "occurred_at": Utc::now() - Duration::seconds(5),
            "channel": "phone", "queue": "tributi", "topic": "tari", "outcome": "escalated",
            "citizen_id": "RSSMRA80A01H501U"}),
        ],
    )
    .await;
    run(&app).await;
    assert_eq!(
        citizens(&listed(&app).await),
        [p("RSSMRA80A01H501U")],
        "new evidence"
    );

    let rep = ok_json(app.get("/v1/outreach/report").await, 200).await;
    assert_eq!(rep["advisory"], true);
    let group = |dim: &str, value: &str| {
        rep["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["dimension"] == dim && g["value"] == value)
            .unwrap_or_else(|| panic!("no group {dim}={value}: {rep}"))
            .clone()
    };
    let it = group("language", "it");
    assert_eq!(
        (it["scored"].as_u64(), it["flagged"].as_u64()),
        (Some(1), Some(1)),
        "{it}"
    );
    assert_eq!(
        (it["reviewed"].as_u64(), it["dismissed"].as_u64()),
        (Some(1), Some(1))
    );
    let en = group("language", "en");
    assert_eq!(
        (en["scored"].as_u64(), en["flagged"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(group("municipio", "II")["scored"], 1);
    assert_eq!(group("channel", "phone")["flag_rate"], 1.0);
}

#[tokio::test]
async fn a_supplied_history_is_scored_and_stored_pseudonymised_and_bad_input_has_stable_codes() {
    let app = app().await;
    let r = ok_json(
        app.post(
            "/v1/outreach/score",
            &json!({"history": troubled("s", "CF-SCORED-1")}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(r["advisory"], true);
    let flag = &r["flag"];
    assert_eq!(flag["flagged"], true, "{flag}");
    assert_eq!(
        flag["citizen"],
        app.state.pseudonyms.pseudonym("CF-SCORED-1")
    );
    let id: uuid::Uuid = flag["flag_id"].as_str().unwrap().parse().unwrap();
    let stored = get_flag(&app.db_path, id).unwrap().expect("stored");
    assert_eq!(
        stored.inputs_sha256,
        flag["inputs_sha256"].as_str().unwrap()
    );
    assert_eq!(stored.inputs_sha256.len(), 64);
    assert!(
        citizens(&listed(&app).await).is_empty(),
        "a request's score is not a flag to list"
    );
    let db = std::fs::read(&app.db_path).unwrap();
    assert!(
        !db.windows(11).any(|w| w == b"CF-SCORED-1"),
        "the raw id is never stored"
    );

    let row = ok_json(
        app.post(
            "/v1/outreach/score",
            &json!({"features": {"contacts_30d": 0, "last_channel": "web"}}),
        )
        .await,
        200,
    )
    .await;
    assert!(row["flag"]["score"].as_f64().unwrap() < flag["score"].as_f64().unwrap());

    let bad = [
        json!({}),
        json!({"features": {"contacts_30d": 1}, "history": []}),
        json!({"features": {"no_such_feature": 1}}),
        json!({"features": {"contacts_30d": "many"}}),
        json!({"history": [], "as_of": Utc::now() + Duration::days(2)}),
    ];
    for body in bad {
        assert_error(
            app.post("/v1/outreach/score", &body).await,
            422,
            "invalid_request",
        )
        .await;
    }
    app.post("/v1/outreach/optout", &json!({"citizen_id": "CF-SCORED-1"}))
        .await;
    let again = json!({"history": troubled("s2", "CF-SCORED-1")});
    assert_error(
        app.post("/v1/outreach/score", &again).await,
        409,
        "opted_out",
    )
    .await;

    let review = json!({"status": "contacted", "reviewer": "a"});
    let unknown = format!("/v1/outreach/{}/review", uuid::Uuid::nil());
    assert_error(app.post(&unknown, &review).await, 404, "unknown_flag").await;
    let path = format!("/v1/outreach/{id}/review");
    let wrong = json!({"status": "approved", "reviewer": "a"});
    assert_error(app.post(&path, &wrong).await, 422, "invalid_request").await;
    let nobody = json!({"status": "contacted", "reviewer": " "});
    assert_error(app.post(&path, &nobody).await, 422, "invalid_request").await;
    assert_error(
        app.get("/v1/outreach?limit=0").await,
        422,
        "invalid_request",
    )
    .await;
    let m = assert_error(
        app.get("/v1/outreach?limit=many").await,
        422,
        "invalid_request",
    )
    .await;
    assert!(m.contains("limit"), "the parameter is named: {m}");
    assert_error(
        app.get("/v1/outreach?min_score=2").await,
        422,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn without_a_model_scoring_is_not_ready_and_the_rest_still_answers() {
    let app = spawn_app_with(|s| s.outreach.model = "/nonexistent/outreach".into()).await;
    let m = assert_error(
        app.post("/v1/outreach/run", &json!({})).await,
        503,
        "not_ready",
    )
    .await;
    assert!(m.contains("instrada train outreach"), "{m}");
    let body = json!({"features": {"contacts_30d": 1}});
    assert_error(
        app.post("/v1/outreach/score", &body).await,
        503,
        "not_ready",
    )
    .await;
    assert!(citizens(&listed(&app).await).is_empty());
    let ack = app
        .post("/v1/outreach/optout", &json!({"citizen_id": "X"}))
        .await;
    assert_eq!(ack.status(), 200);
}

#[tokio::test]
async fn one_scoring_run_and_one_refit_at_a_time() {
    use instrada::jobs::{Job, refit, run};
    let app = app().await;
    post_events(&app, troubled("t1", "CITIZEN-T1")).await;
    let (jobs, svc, registry) = (&app.state.jobs, &app.state.service, &app.state.registry);
    for (job, path) in [
        (Job::OutreachRun, "/v1/outreach/run"),
        (Job::Refit, "/v1/forecast/refit"),
    ] {
        // As if one were running.
        let running = jobs.start(job).await;
        let scheduled_ran = match job {
            Job::OutreachRun => run::run_if_idle(jobs, svc, &registry.outreach())
                .await
                .is_some(),
            Job::Refit => refit::refit_if_idle(jobs, svc, registry).await.is_some(),
            Job::Prune => unreachable!("not in this list"),
        };
        assert!(!scheduled_ran, "{path}: a scheduled one is skipped");
        let asked = tokio::spawn({
            let (client, url) = (app.client.clone(), format!("{}{path}", app.address));
            async move { client.post(url).json(&json!({})).send().await }
        });
        // The request has reached the lock: it waits there, and cannot answer until released.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while jobs.waiting(job) == 0 {
            assert!(!asked.is_finished(), "{path}: answered without waiting");
            assert!(
                std::time::Instant::now() < deadline,
                "{path}: never reached the lock"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(!asked.is_finished(), "{path}: waits for the running one");
        drop(running);
        ok_json(asked.await.unwrap().unwrap(), 200).await;
        assert_eq!(jobs.waiting(job), 0);
        assert!(jobs.try_start(job).is_some(), "{path}: released when done");
    }
}

#[tokio::test]
async fn the_command_line_runs_lists_reviews_reports_scores_and_opts_out_as_the_api_does() {
    let app = app().await;
    post_events(&app, troubled("t", "RSSMRA80A01H501U")).await;
    post_events(&app, vec![quiet("BNCGNN90C03L219Y")]).await;

    // The run: the same counts through either edge.
    let api = run(&app).await;
    let cli = app.cli(&["outreach", "score", "--all"], "").json();
    for key in [
        "advisory",
        "note",
        "scored",
        "flagged",
        "opted_out",
        "model_version",
    ] {
        assert_eq!(cli[key], api[key], "{key}: {cli} / {api}");
    }
    // The list, the report: the same documents.
    assert_eq!(
        app.cli(&["outreach", "list", "--limit", "10"], "").json(),
        listed(&app).await
    );
    let report = ok_json(app.get("/v1/outreach/report").await, 200).await;
    assert_eq!(app.cli(&["outreach", "report"], "").json(), report);
    for (query, args) in [
        ("limit=0", vec!["outreach", "list", "--limit", "0"]),
        ("min_score=2", vec!["outreach", "list", "--min-score", "2"]),
    ] {
        let message = assert_error(
            app.get(&format!("/v1/outreach?{query}")).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(app.cli(&args, "").refusal(), message, "{query}");
    }

    // A review: the API's caps and messages on the command line too.
    let flag = listed(&app).await["flags"][0]["flag_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/outreach/{flag}/review");
    let long = "x".repeat(129);
    for (body, args) in [
        (
            json!({"status": "ok", "reviewer": "m.bianchi"}),
            vec!["--status", "ok", "--reviewer", "m.bianchi"],
        ),
        (
            json!({"status": "dismissed", "reviewer": long}),
            vec!["--status", "dismissed", "--reviewer", &long],
        ),
        (
            json!({"status": "dismissed", "reviewer": " "}),
            vec!["--status", "dismissed", "--reviewer", " "],
        ),
    ] {
        let message = assert_error(app.post(&path, &body).await, 422, "invalid_request").await;
        let mut cli = vec!["outreach", "review", &flag];
        cli.extend(args);
        assert_eq!(app.cli(&cli, "").refusal(), message, "{body}");
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let message = assert_error(
        app.post(
            &format!("/v1/outreach/{unknown}/review"),
            &json!({"status": "dismissed", "reviewer": "m.bianchi"}),
        )
        .await,
        404,
        "unknown_flag",
    )
    .await;
    let cli = app.cli(
        &[
            "outreach",
            "review",
            &unknown,
            "--status",
            "dismissed",
            "--reviewer",
            "m.bianchi",
        ],
        "",
    );
    assert_eq!(cli.refusal(), message);
    let reviewed = app
        .cli(
            &[
                "outreach",
                "review",
                &flag,
                "--status",
                "contacted",
                "--reviewer",
                "m.bianchi",
                "--note",
                "richiamato al 333 1234567",
            ],
            "",
        )
        .json();
    assert_eq!(reviewed["advisory"], true);
    assert_eq!(reviewed["note"], "richiamato al [PHONE]", "{reviewed}");

    // A score of a supplied history: the same flag (its id and times aside).
    let request = json!({"history": troubled("s", "CITIZEN-S")});
    let strip = |mut v: Value| {
        for key in ["flag_id", "scored_at", "as_of"] {
            v["flag"].as_object_mut().unwrap().remove(key);
        }
        v
    };
    let api = ok_json(app.post("/v1/outreach/score", &request).await, 200).await;
    let cli = app.cli(
        &["outreach", "score", "--request", "-"],
        &request.to_string(),
    );
    assert_eq!(strip(cli.json()), strip(api));

    // An opt-out: the same acknowledgement; the refusal of an empty id alike.
    let ack = ok_json(
        app.post("/v1/outreach/optout", &json!({"citizen_id": "CITIZEN-S"}))
            .await,
        200,
    )
    .await;
    assert_eq!(ack["new"], true);
    let again = app.cli(&["outreach", "optout", "CITIZEN-S"], "").json();
    assert_eq!(again, json!({"opted_out": true, "new": false}));
    let message = assert_error(
        app.post("/v1/outreach/optout", &json!({"citizen_id": " "}))
            .await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(app.cli(&["outreach", "optout", " "], "").refusal(), message);
    let opted = app.cli(
        &["outreach", "score", "--request", "-"],
        &request.to_string(),
    );
    let message = assert_error(
        app.post("/v1/outreach/score", &request).await,
        409,
        "opted_out",
    )
    .await;
    assert_eq!(opted.refusal(), message);
}
