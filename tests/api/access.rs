//! Access control: API keys with scopes (401 without a valid key, 403 with the wrong scope, 429
//! past a key's rate), the identity of a key recorded with what it does, and the access log of
//! citizens' data, readable by `admin` over HTTP and from the command line.

use crate::helpers::*;
use instrada::config::{AuthMode, Settings};
use instrada::ops::{Actor, keys};
use serde_json::{Value, json};

/// A service that requires keys, with an outreach model, and a key per name and scopes.
pub(crate) async fn app_with_keys(
    tweak: impl FnOnce(&mut Settings),
    wanted: &[(&str, &[&str], Option<f64>)],
) -> (TestApp, Vec<String>) {
    let app = spawn_app_with(|s| {
        s.server.auth = AuthMode::Required;
        s.outreach.model = crate::outreach::model_dir().to_path_buf();
        tweak(s);
    })
    .await;
    let mut made = Vec::new();
    for (name, scopes, rate) in wanted {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let k = keys::create(
            &app.state.service,
            name,
            &scopes,
            *rate,
            &Actor::key("test"),
        )
        .await
        .expect("the key is created");
        made.push(k.key);
    }
    app.state.keys.refresh().expect("the keys read again");
    (app, made)
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let url = format!("{}{path}", app.address);
    let mut r = match method {
        "GET" => app.client.get(url),
        _ => app.client.post(url).json(&body.unwrap_or(json!({}))),
    };
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    r.send().await.expect("request sent")
}

/// The access log since `since` as `admin_key` reads it, and its entries of `action`.
async fn accesses(
    app: &TestApp,
    admin_key: &str,
    since: chrono::DateTime<chrono::Utc>,
    action: &str,
) -> (Value, Vec<Value>) {
    let log: Value = call(
        app,
        "GET",
        &format!(
            "/v1/audit/access?since={}",
            since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
        Some(admin_key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let of_action = log["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == action)
        .cloned()
        .collect();
    (log, of_action)
}

#[tokio::test]
async fn a_key_opens_the_endpoints_of_its_scopes_only() {
    let (app, k) = app_with_keys(
        |s| s.server.metrics_open = false,
        &[
            ("crm", &["route"], None),
            ("caseworker-1", &["caseworker"], None),
            ("ops", &["admin"], None),
        ],
    )
    .await;
    let (route, caseworker, admin) = (&k[0], &k[1], &k[2]);
    let request = json!({"channel": "email", "text": "Avviso TARI da pagare"});

    // No key, a malformed header, a key nobody issued: 401, saying how to send one.
    let r = call(&app, "POST", "/v1/route", None, Some(request.clone())).await;
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"instrada\"");
    let m = assert_error(r, 401, "unauthorized").await;
    assert!(m.contains("Authorization: Bearer"), "{m}");
    let forged = format!("instrada_{}", "0".repeat(64));
    let r = call(
        &app,
        "POST",
        "/v1/route",
        Some(&forged),
        Some(request.clone()),
    )
    .await;
    assert_error(r, 401, "unauthorized").await;
    // The right key.
    let r = call(
        &app,
        "POST",
        "/v1/route",
        Some(route),
        Some(request.clone()),
    )
    .await;
    assert_eq!(r.status(), 200);
    // A live key without the scope: 403 naming it.
    for (method, path, key, scope) in [
        ("GET", "/v1/outreach", route, "caseworker"),
        ("POST", "/v1/events", caseworker, "events"),
        ("GET", "/v1/forecast?series=total", route, "planner"),
        ("POST", "/v1/models/reload", caseworker, "admin"),
        (
            "GET",
            "/v1/audit/access?since=2026-01-01T00:00:00Z",
            route,
            "admin",
        ),
        ("POST", "/v1/route", admin, "route"),
        ("GET", "/v1/store/stats", route, "admin"),
        ("POST", "/v1/store/prune?dry_run=true", caseworker, "admin"),
    ] {
        let r = call(&app, method, path, Some(key), Some(json!([]))).await;
        let m = assert_error(r, 403, "forbidden").await;
        assert!(m.contains(&format!("`{scope}`")), "{path}: {m}");
    }
    let r = call(&app, "GET", "/v1/outreach", Some(caseworker), None).await;
    assert_eq!(r.status(), 200);
    // The store's size and a dry prune, for an admin.
    let r = call(&app, "GET", "/v1/store/stats", Some(admin), None).await;
    assert_eq!(r.status(), 200);
    let stats: Value = r.json().await.unwrap();
    assert_eq!(stats["method"], "dbstat");
    assert!(stats["file_bytes"].as_u64().unwrap() > 0, "{stats}");
    let r = call(
        &app,
        "POST",
        "/v1/store/prune?dry_run=true",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["kinds"].as_array().unwrap().len(), 7, "{report}");
    // The probes stay open; /metrics here needs an admin key.
    assert_eq!(
        call(&app, "GET", "/healthz", None, None).await.status(),
        200
    );
    assert_eq!(call(&app, "GET", "/readyz", None, None).await.status(), 200);
    assert_error(
        call(&app, "GET", "/metrics", None, None).await,
        401,
        "unauthorized",
    )
    .await;
    assert_error(
        call(&app, "GET", "/metrics", Some(route), None).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        call(&app, "GET", "/metrics", Some(admin), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&app, "GET", "/openapi.json", None, None)
            .await
            .status(),
        200
    );

    // A revoked key is refused once the service reads the keys again.
    keys::revoke(&app.state.service, "crm", &Actor::key("test"))
        .await
        .unwrap();
    assert_eq!(
        call(
            &app,
            "POST",
            "/v1/route",
            Some(route),
            Some(request.clone())
        )
        .await
        .status(),
        200
    );
    app.state.keys.refresh().unwrap();
    let r = call(&app, "POST", "/v1/route", Some(route), Some(request)).await;
    assert_error(r, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_key_over_its_rate_is_told_to_retry_later() {
    let (app, k) = app_with_keys(|_| {}, &[("slow", &["planner"], Some(2.0))]).await;
    let body = json!({"contacts": 10, "interval": "30m", "aht_seconds": 180, "target": 0.8, "within_seconds": 20});
    let mut statuses = Vec::new();
    let mut retry = None;
    for _ in 0..5 {
        let r = call(
            &app,
            "POST",
            "/v1/staffing",
            Some(&k[0]),
            Some(body.clone()),
        )
        .await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry = r.headers().get("retry-after").cloned();
            assert_error(r, 429, "rate_limited").await;
        }
    }
    assert_eq!(
        &statuses[..2],
        [200, 200],
        "a burst of a second's worth: {statuses:?}"
    );
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    assert_eq!(retry.expect("Retry-After"), "1");
}

#[tokio::test]
async fn who_did_it_comes_from_the_key_and_every_read_of_citizens_data_is_logged() {
    let (app, k) = app_with_keys(
        |_| {},
        &[
            ("cti", &["events", "route"], None),
            ("maria", &["caseworker"], None),
            ("dpo", &["admin"], None),
            ("planning", &["planner"], None),
        ],
    )
    .await;
    let (cti, maria, dpo, planning) = (&k[0], &k[1], &k[2], &k[3]);
    let now = chrono::Utc::now();
    let events: Vec<Value> = (0..12)
        .map(|i| {
            json!({"event_id": format!("e{i}"), "occurred_at": now - chrono::TimeDelta::days(i),
                "channel": "phone", "queue": "tributi", "topic": "tari", "citizen_id": "RSSMRA80A01H501U",
                "outcome": if i % 2 == 0 { "open" } else { "reopened" }})
        })
        .collect();
    let r = call(
        &app,
        "POST",
        "/v1/events",
        Some(cti),
        Some(Value::Array(events)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let run = call(&app, "POST", "/v1/outreach/run", Some(maria), None).await;
    assert_eq!(run.status(), 200);

    // A read of the list is in the access log, under the key's name, with how many citizens.
    let list: Value = call(&app, "GET", "/v1/outreach?limit=10", Some(maria), None)
        .await
        .json()
        .await
        .unwrap();
    let shown = list["flags"].as_array().unwrap().len();
    let (log, reads) = accesses(&app, dpo, now, "outreach.list").await;
    assert_eq!(reads.len(), 1, "{log}");
    assert_eq!(reads[0]["actor"], "maria");
    assert_eq!(reads[0]["citizens"], shown);

    // A review names the key as who recorded it, whatever the body's `reviewer` says.
    if let Some(flag) = list["flags"][0]["flag_id"].as_str() {
        let rv: Value = call(
            &app,
            "POST",
            &format!("/v1/outreach/{flag}/review"),
            Some(maria),
            Some(json!({"status": "contacted", "reviewer": "Someone Else"})),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(rv["recorded_by"], "maria", "{rv}");
        assert_eq!(rv["reviewer"], "Someone Else");
    }
    // A feedback and an opt-out record the key too; a refit asked for, its key.
    let d: Value = call(
        &app,
        "POST",
        "/v1/route",
        Some(cti),
        Some(json!({"channel": "email", "text": "Avviso TARI"})),
    )
    .await
    .json()
    .await
    .unwrap();
    let id: uuid::Uuid = d["decision_id"].as_str().unwrap().parse().unwrap();
    let fb = call(
        &app,
        "POST",
        "/v1/feedback",
        Some(cti),
        Some(json!({"decision_id": id, "topic": "tributi"})),
    )
    .await;
    assert_eq!(fb.status(), 201);
    assert_eq!(
        app.stored(id).await.feedback[0].recorded_by.as_deref(),
        Some("cti")
    );
    let r = call(
        &app,
        "POST",
        "/v1/outreach/optout",
        Some(maria),
        Some(json!({"citizen_id": "X"})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&app, "POST", "/v1/forecast/refit", Some(planning), None)
            .await
            .status(),
        200
    );
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let by: String = conn
        .query_row("SELECT recorded_by FROM outreach_optouts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(by, "maria");
    let by: String = conn
        .query_row(
            "SELECT requested_by FROM forecast_runs ORDER BY fitted_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by, "planning");

    // The command line reads the same log, and what it does itself is logged as cli:USER.
    let cli = app.cli(&["outreach", "list"], "");
    assert!(cli.ok, "{}", cli.stderr);
    let audit = app
        .cli(
            &[
                "audit",
                "access",
                "--since",
                &now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "--json",
            ],
            "",
        )
        .json();
    let actions: Vec<(&str, &str)> = audit["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["actor"].as_str().unwrap(), a["action"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("maria", "outreach.list")), "{actions:?}");
    assert!(
        actions.contains(&("maria", "outreach.optout")),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|(who, what)| who.starts_with("cli:") && *what == "outreach.list"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_case_worker_sees_whom_a_flag_is_about_and_the_reveal_is_logged() {
    let (app, k) = app_with_keys(
        |_| {},
        &[
            ("cti", &["events"], None),
            ("maria", &["caseworker"], None),
            ("dpo", &["admin"], None),
            ("planning", &["planner"], None),
        ],
    )
    .await;
    let (cti, maria, dpo, planning) = (&k[0], &k[1], &k[2], &k[3]);
    let now = chrono::Utc::now();
    let cf = "RSSMRA80A01H501U";
    let events: Vec<Value> = (0..8)
        .map(|i| {
            json!({"event_id": format!("r{i}"), "occurred_at": now - chrono::TimeDelta::days(i),
                "channel": "email", "queue": "tributi", "topic": "tari",
                // The first as typed by a person; the pseudonym is the same.
                "citizen_id": if i == 0 { " rssmra80a01h501u" } else { cf },
                "outcome": "reopened"})
        })
        .collect();
    let r = call(
        &app,
        "POST",
        "/v1/events",
        Some(cti),
        Some(Value::Array(events)),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&app, "POST", "/v1/outreach/run", Some(maria), None)
            .await
            .status(),
        200
    );
    let list: Value = call(&app, "GET", "/v1/outreach?limit=10", Some(maria), None)
        .await
        .json()
        .await
        .unwrap();
    let citizen = list["flags"][0]["citizen"]
        .as_str()
        .expect("a flag")
        .to_string();
    assert!(!citizen.contains("RSSMRA"));

    // The database alone does not name the citizen: neither the file nor its WAL holds the code.
    for file in [app.db_path.clone(), app.db_path.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                !bytes
                    .windows(cf.len())
                    .any(|w| w.eq_ignore_ascii_case(cf.as_bytes())),
                "{} holds the codice fiscale",
                file.display()
            );
        }
    }

    // Only a case worker may ask; the answer is the reference as first sent, never cached.
    let ask = json!({"citizen": citizen, "reason": "richiamata per pratica TARI"});
    let r = call(
        &app,
        "POST",
        "/v1/outreach/reveal",
        Some(planning),
        Some(ask.clone()),
    )
    .await;
    assert_error(r, 403, "forbidden").await;
    let r = call(
        &app,
        "POST",
        "/v1/outreach/reveal",
        Some(maria),
        Some(ask.clone()),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let shown: Value = r.json().await.unwrap();
    assert_eq!(shown["citizen_id"], "rssmra80a01h501u", "{shown}");
    assert_eq!(shown["citizen"], citizen.as_str());

    // Each reveal is in the access log under the key, one citizen, with its reason.
    let (log, reveals) = accesses(&app, dpo, now, "outreach.reveal").await;
    assert_eq!(reveals.len(), 1, "{log}");
    assert_eq!(
        (&reveals[0]["actor"], &reveals[0]["citizens"]),
        (&json!("maria"), &json!(1))
    );
    assert!(
        reveals[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("pratica TARI"),
        "{log}"
    );

    // Nobody unknown; a bad pseudonym is the caller's fault; an opted-out citizen is not revealed.
    let r = call(
        &app,
        "POST",
        "/v1/outreach/reveal",
        Some(maria),
        Some(json!({"citizen": "0".repeat(64)})),
    )
    .await;
    assert_error(r, 404, "no_reference").await;
    let r = call(
        &app,
        "POST",
        "/v1/outreach/reveal",
        Some(maria),
        Some(json!({"citizen": cf})),
    )
    .await;
    assert_error(r, 422, "invalid_request").await;
    let r = call(
        &app,
        "POST",
        "/v1/outreach/optout",
        Some(maria),
        Some(json!({"citizen_id": cf})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = call(&app, "POST", "/v1/outreach/reveal", Some(maria), Some(ask)).await;
    assert_error(r, 409, "opted_out").await;
}

#[tokio::test]
async fn keys_are_created_listed_and_revoked_from_the_command_line() {
    let app = spawn_app_with(|s| s.server.auth = AuthMode::Required).await;
    let created = app.cli(
        &[
            "keys", "create", "--name", "crm", "--scope", "route", "--scope", "events",
        ],
        "",
    );
    assert!(created.ok, "{}", created.stderr);
    let key = created.stdout.lines().last().unwrap().to_string();
    assert!(
        key.starts_with("instrada_") && key.len() == 73,
        "the key alone on the last line: {key}"
    );
    app.state.keys.refresh().unwrap();
    let r = call(
        &app,
        "POST",
        "/v1/route",
        Some(&key),
        Some(json!({"channel": "email", "text": "TARI"})),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Only the hash is stored.
    let stored = std::fs::read(&app.db_path).unwrap();
    assert!(
        !stored.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key is not in the file"
    );

    let again = app.cli(&["keys", "create", "--name", "crm", "--scope", "route"], "");
    assert!(
        again.refusal().contains("a key named `crm` exists"),
        "{}",
        again.stderr
    );
    let bad = app.cli(&["keys", "create", "--name", "x", "--scope", "root"], "");
    assert!(
        bad.refusal().contains("`root` is not a scope"),
        "{}",
        bad.stderr
    );
    let list = app.cli(&["keys", "list", "--json"], "").json();
    assert_eq!(list[0]["name"], "crm");
    assert_eq!(list[0]["scopes"], json!(["route", "events"]));
    assert!(
        !list.to_string().contains(&key),
        "a listing never shows a key"
    );
    assert!(app.cli(&["keys", "revoke", "crm"], "").ok);
    assert!(
        app.cli(&["keys", "revoke", "crm"], "")
            .refusal()
            .contains("no live key named `crm`")
    );
    app.state.keys.refresh().unwrap();
    let r = call(
        &app,
        "POST",
        "/v1/route",
        Some(&key),
        Some(json!({"channel": "email", "text": "TARI"})),
    )
    .await;
    assert_error(r, 401, "unauthorized").await;
}
