//! The contract against a client nobody here wrote: schemathesis (PyPI, in `training/python/.venv`)
//! generates requests from the served `/openapi.json` — valid ones, which must be accepted, and
//! ones that break the schema, which must be refused — and checks every answer against the
//! document (`--checks all`: status codes documented, bodies as described, no 5xx, 401 without a
//! key). Bounded: a fixed number of examples per operation and a fixed seed, so that CI reruns
//! the same requests; `SCHEMATHESIS_SEED` and `SCHEMATHESIS_EXAMPLES` explore further by hand.
//! `tests/contract/schemathesis.toml` says what it accepts besides the schema, and why: 413 for a
//! body over the byte limit, and 422 for the two rules JSON Schema cannot state.

use crate::access::app_with_keys;
use std::path::Path;

const EXAMPLES: &str = "25";
const SEED: &str = "20261207";

fn schemathesis() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("training/python/.venv/bin/schemathesis")
}

#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv with schemathesis: run training/python/setup.sh"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure() {
    let bin = schemathesis();
    assert!(
        bin.exists(),
        "{} is missing: run training/python/setup.sh (requirements.txt lists schemathesis)",
        bin.display()
    );
    let all = ["route", "events", "planner", "caseworker", "admin"];
    let (app, keys) = app_with_keys(|_| {}, &[("schemathesis", &all, None)]).await;
    // A fitted forecast (even of no series) and a scoring run, so that forecasts and flags
    // answer as they do in service rather than `not_ready`.
    for path in ["/v1/forecast/refit", "/v1/outreach/run"] {
        let r = app
            .client
            .post(format!("{}{path}", app.address))
            .bearer_auth(&keys[0])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "{path}: {}",
            r.text().await.unwrap()
        );
    }
    let examples = std::env::var("SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.into());
    let schema = format!("{}/openapi.json", app.address);
    let auth = format!("Authorization: Bearer {}", keys[0]);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/schemathesis.toml");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(bin)
            .arg("--config-file")
            .arg(config)
            .args(["run", &schema, "--checks", "all", "--no-color"])
            .args([
                "--max-examples",
                &examples,
                "--seed",
                &seed,
                "--workers",
                "1",
            ])
            .args(["--header", &auth])
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: String = stdout
        .lines()
        .skip_while(|l| !l.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{summary}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
