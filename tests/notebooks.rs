//! The notebooks in `notebooks/` run headless against a real `instrada serve`, and are committed
//! without outputs.
//!
//! The server runs on a free port from a temporary copy of `instrada.toml` and `models/`, with a
//! store holding an imported synthetic contact history and an outreach model trained on it, so
//! that each notebook has something to retrain, forecast and review. Each notebook is executed by
//! papermill in `training/python/.venv` into the temporary directory (never over the committed
//! file); a failing cell fails the test with papermill's output.
//!
//! Where the virtual environment is absent, the test that runs them is ignored, and `cargo test`
//! lists it as such with the reason: `build.rs` sets `cfg(python_env)` when the venv's python and
//! its ONNX Runtime library are there, and always with `INSTRADA_REQUIRE_PYTHON=1` or
//! `INSTRADA_REQUIRE_ONNX=1` (as in CI). Once the cfg is set the test runs, and a venv without the
//! notebooks' packages fails it, saying how to set it up.

use serde_json::Value;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The notebooks, in the order they run.
const NOTEBOOKS: &[&str] = &[
    "retrain_topic.ipynb",
    "forecast_staffing.ipynb",
    "outreach_review.ipynb",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    repo().join("training/python/.venv/bin/python")
}

/// Panics, saying how to set it up, unless the venv has the notebooks' packages: the test that
/// calls it runs only where `cfg(python_env)` says the venv is there (see `build.rs`).
fn require_python() {
    let why = if python().is_file() {
        let probe = Command::new(python())
            .args(["-c", "import papermill, matplotlib, pandas, requests"])
            .output();
        match probe {
            Ok(o) if o.status.success() => return,
            Ok(o) => format!(
                "the venv lacks the notebooks' packages: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => format!("{}: {e}", python().display()),
        }
    } else {
        format!("there is no {}", python().display())
    };
    panic!(
        "the notebook test runs here (cfg(python_env), see build.rs) but {why}: run \
         `training/python/setup.sh`"
    );
}

/// Runs the binary with `args` in `dir`, its settings from `dir/instrada.toml`.
fn instrada(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("INSTRADA__STORE__PSEUDONYM_KEY", dir.join("pseudonym.key"))
        .output()
        .expect("instrada runs");
    assert!(
        out.status.success(),
        "instrada {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// `dir` as the server's home: the configuration, the models, a store with a year of synthetic
/// contacts up to yesterday and an outreach model trained on them (`models/outreach`).
fn prepare(dir: &Path) {
    std::fs::copy(repo().join("instrada.toml"), dir.join("instrada.toml")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let models = dir.join("models");
    for kind in ["topic", "urgency"] {
        copy_dir(&repo().join("models").join(kind), &models.join(kind));
    }
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let events = instrada::outreach::synthetic::generate(400, 7, end);
    let csv = dir.join("history.csv");
    instrada::outreach::synthetic::write_csv(&events, std::fs::File::create(&csv).unwrap())
        .unwrap();
    let csv = csv.to_str().unwrap();
    instrada(
        dir,
        &[
            "import",
            "events",
            csv,
            "--map",
            "deadline=attributes.deadline",
        ],
    );
    let out = models.join("outreach");
    let out = out.to_str().unwrap();
    instrada(
        dir,
        &[
            "train",
            "outreach",
            "--from-store",
            "--model",
            "logistic",
            "--out",
            out,
        ],
    );
}

/// A running `instrada serve` in `dir`, stopped (SIGTERM, then killed) when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_instrada"))
            .args([
                "serve",
                "--config",
                "instrada.toml",
                "--bind",
                "127.0.0.1:0",
            ])
            .current_dir(dir)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .env("INSTRADA__STORE__PSEUDONYM_KEY", dir.join("pseudonym.key"))
            .env("INSTRADA__OUTREACH__SCHEDULE", "off")
            .env("INSTRADA__FORECAST__REFIT", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("instrada serve starts");
        let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                println!("[serve] {line}");
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("serve logs `listening addr=…`");
            if let Some(rest) = line
                .split("addr=")
                .nth(1)
                .filter(|_| line.contains("listening"))
            {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        Self {
            child,
            url: format!("http://{addr}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `notebook` with papermill into `out_dir`, with the parameters of a server in `home`.
fn run_notebook(notebook: &str, server: &Server, home: &Path, out_dir: &Path) {
    let input = repo().join("notebooks").join(notebook);
    let output = out_dir.join(notebook);
    let work = out_dir.join(notebook.trim_end_matches(".ipynb"));
    std::fs::create_dir_all(&work).unwrap();
    let started = Instant::now();
    let p = |k: &str, v: &Path| [k.to_string(), v.display().to_string()];
    let params = [
        ["base_url".to_string(), server.url.clone()],
        p("instrada_bin", Path::new(env!("CARGO_BIN_EXE_instrada"))),
        p("models_dir", &home.join("models")),
        p("pid_file", &home.join("data/instrada.pid")),
        p("data_csv", &repo().join("training/starter/comune.csv")),
        p("work_dir", &work),
    ];
    let mut cmd = Command::new(python());
    cmd.args(["-m", "papermill", "--no-progress-bar", "--log-output"])
        .arg(&input)
        .arg(&output)
        .arg("--cwd")
        .arg(repo().join("notebooks"))
        .env("MPLBACKEND", "Agg");
    for [k, v] in &params {
        cmd.args(["-p", k, v]);
    }
    let out = cmd.output().expect("papermill runs");
    assert!(
        out.status.success(),
        "{notebook} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{notebook}: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn the_notebooks_run_against_a_live_server() {
    require_python();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let out = dir.path().join("executed");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    prepare(&home);
    println!("prepared in {:.1} s", started.elapsed().as_secs_f64());
    let server = Server::start(&home);
    for nb in NOTEBOOKS {
        run_notebook(nb, &server, &home, &out);
    }
    drop(server);
    println!("notebooks: {:.1} s in all", started.elapsed().as_secs_f64());
}

/// Why the committed `notebook` is not clean: outputs, execution counts or a missing
/// `parameters` cell.
fn unclean(notebook: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let cells = notebook["cells"].as_array().cloned().unwrap_or_default();
    if cells.is_empty() {
        problems.push("no cells".into());
    }
    let tagged = |c: &Value| {
        c["metadata"]["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "parameters"))
    };
    if !cells.iter().any(tagged) {
        problems.push("no cell tagged `parameters` (papermill)".into());
    }
    for (i, c) in cells.iter().enumerate() {
        if c["cell_type"] != "code" {
            continue;
        }
        if c["outputs"].as_array().is_none_or(|o| !o.is_empty()) {
            problems.push(format!("cell {i} has outputs"));
        }
        if !c["execution_count"].is_null() {
            problems.push(format!("cell {i} has an execution count"));
        }
    }
    problems
}

#[test]
fn the_committed_notebooks_have_no_outputs() {
    let mut bad = Vec::new();
    for nb in NOTEBOOKS {
        let path = repo().join("notebooks").join(nb);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{nb}: {e}"));
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{nb}: {e}"));
        bad.extend(unclean(&v).into_iter().map(|p| format!("{nb}: {p}")));
    }
    assert!(
        bad.is_empty(),
        "strip outputs with `jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_output_check_notices_an_output() {
    let dirty: Value = serde_json::json!({"cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [], "execution_count": null, "source": []},
        {"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "stream"}], "execution_count": 3, "source": []}
    ]});
    assert_eq!(
        unclean(&dirty),
        ["cell 1 has outputs", "cell 1 has an execution count"]
    );
}
