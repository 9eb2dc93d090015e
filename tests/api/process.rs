//! `instrada serve` as a process: its PID file, its logs in a pipe, and how it reports a port in
//! use or a bad setting from the environment.

use crate::helpers::*;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `instrada serve --config CONFIG` with the store in `dir`, without colour or log settings
/// inherited from the test's environment.
pub(crate) fn serve(dir: &Path, extra: &[&str], env: &[(&str, String)]) -> Command {
    let config = write_config(dir);
    let mut c = Command::new(env!("CARGO_BIN_EXE_instrada"));
    c.arg("serve")
        .arg("--config")
        .arg(&config)
        .args(extra)
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .env("INSTRADA__STORE__PATH", dir.join("instrada.db"))
        .env("INSTRADA__STORE__PSEUDONYM_KEY", dir.join("pseudonym.key"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits for `child` to exit (killing it after `limit`).
fn wait(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn serve_writes_its_pid_file_logs_without_colour_to_a_pipe_and_removes_the_file_on_exit() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("run/instrada.pid");
    let child = serve(
        dir.path(),
        &[],
        &[("INSTRADA__SERVER__PID_FILE", pid_file.display().to_string())],
    )
    .spawn()
    .unwrap();
    let pid = child.id().to_string();
    let started = Instant::now();
    let written = loop {
        match std::fs::read_to_string(&pid_file) {
            Ok(s) if !s.is_empty() => break s,
            _ if started.elapsed() > Duration::from_secs(60) => break String::new(),
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    // The moment the file is there, a SIGUSR1 (a rollback, refused: there is nothing to roll back
    // to) must find its handler rather than the default action, which ends the process.
    let usr1 = Command::new("kill").args(["-USR1", &pid]).status().unwrap();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let out = wait(child, Duration::from_secs(30));
    let text = output_text(&out);
    assert_eq!(
        written.trim(),
        pid,
        "the PID file holds the server's id: {text}"
    );
    assert!(usr1.success() && killed.success());
    assert!(
        out.status.success(),
        "a clean exit on SIGTERM, not an end by SIGUSR1: {:?} {text}",
        out.status
    );
    assert!(
        !pid_file.exists(),
        "the PID file is removed on a clean exit"
    );
    assert!(
        text.contains(&format!("pid={pid}")),
        "the PID is logged: {text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escape codes in a log written to a pipe: {text:?}"
    );
}

#[test]
fn a_port_in_use_is_reported_once_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let child = serve(dir.path(), &["--bind", &addr], &[]).spawn().unwrap();
    let out = wait(child, Duration::from_secs(60));
    let text = output_text(&out);
    assert!(!out.status.success(), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error: cannot listen on {addr}: ")),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("(os error").count(),
        1,
        "the cause once: {stderr}"
    );
    drop(taken);
}

#[test]
fn a_bad_value_from_the_environment_is_reported_as_coming_from_there() {
    let dir = tempfile::tempdir().unwrap();
    let child = serve(
        dir.path(),
        &[],
        &[("INSTRADA__SERVER__BIND", "notanaddress".into())],
    )
    .spawn()
    .unwrap();
    let out = wait(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "error: environment variable INSTRADA__SERVER__BIND: `server.bind` = \"notanaddress\" \
             is not an address"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("instrada.toml"),
        "not the file's fault: {stderr}"
    );
}

/// Lines of `child`'s standard output as they come, on a channel.
#[cfg(unix)]
pub(crate) fn stdout_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for `serve`'s `listening` line on `lines`; returns its base URL (`http://ADDR`) and the
/// lines read until then.
#[cfg(unix)]
pub(crate) fn listening(lines: &std::sync::mpsc::Receiver<String>) -> (String, String) {
    let seen =
        until(lines, "listening").unwrap_or_else(|seen| panic!("no `listening` in:\n{seen}"));
    let line = seen.lines().last().unwrap_or_default();
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("addr="))
        .unwrap_or_else(|| panic!("no addr= in {line}"))
        .to_string();
    (format!("http://{addr}"), seen)
}

/// Reads `lines` until one contains `needle` (at most a minute); the lines read, joined.
#[cfg(unix)]
pub(crate) fn until(
    lines: &std::sync::mpsc::Receiver<String>,
    needle: &str,
) -> Result<String, String> {
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(needle) {
                    return Ok(seen);
                }
            }
            Err(_) => break,
        }
    }
    Err(seen)
}

#[cfg(unix)]
#[test]
fn sighup_reloads_and_sigusr1_rolls_back_through_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve(dir.path(), &[], &[]).spawn().unwrap();
    let pid = child.id().to_string();
    let lines = stdout_lines(&mut child);
    let signal = |sig: &str| {
        let sent = Command::new("kill").args([sig, &pid]).status().unwrap();
        assert!(sent.success());
    };
    let step = |needle: &str| {
        until(&lines, needle).unwrap_or_else(|seen| panic!("no `{needle}` in:\n{seen}"))
    };
    step("listening");
    signal("-USR1");
    step("rollback refused error=no previous models");
    signal("-HUP");
    step("models reloaded");
    signal("-USR1");
    step("models rolled back");
    signal("-TERM");
    step("stopped");
    let out = wait(child, Duration::from_secs(30));
    assert!(out.status.success(), "a clean exit on SIGTERM");
}
