//! A PostgreSQL server for the store's tests: the one `INSTRADA_TEST_POSTGRES_URL` names, or a
//! throw-away cluster started once per test process from Debian's server binaries (`initdb` and
//! `pg_ctl` in `/usr/lib/postgresql/*/bin`, run as the `postgres` user when the tests run as
//! root, which PostgreSQL refuses to run as) in a temporary directory on a free port, with
//! `fsync = off` (a test's data need not survive a power cut). A watchdog process stops the
//! cluster and removes its directory when the test process ends. Each call of [`database`] gives
//! a fresh, empty database, so tests do not see each other's rows.
//!
//! Only compiled where `build.rs` set `cfg(postgres)`; there a server that cannot be had fails
//! the test, saying why.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use super::location::Location;

// Test support compiled into the library so that integration tests can use it: it panics, as a
// test helper should, where the server cannot be had.

/// `postgres://…/` of the server, without a database name.
fn server() -> &'static str {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    match SERVER.get_or_init(start) {
        Ok(url) => url,
        Err(why) => panic!(
            "a PostgreSQL server is needed here (cfg(postgres), see build.rs) but {why}: install \
             Debian's `postgresql` package or set INSTRADA_TEST_POSTGRES_URL"
        ),
    }
}

/// A new, empty database on the test server.
pub fn database() -> Location {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = server();
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    super::sql::off_runtime(|| {
        let mut admin = postgres::Client::connect(&format!("{base}postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test server {base}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
    });
    Location::Postgres(format!("{base}{name}"))
}

fn start() -> Result<String, String> {
    if let Ok(url) = std::env::var("INSTRADA_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        // postgres://user:password@host:port/ — a database name, if any, is replaced.
        let base = match url.rfind('/') {
            Some(i) if i > "postgres://".len() => url[..=i].to_string(),
            _ => format!("{url}/"),
        };
        return Ok(base);
    }
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("/usr/lib/postgresql cannot be read ({e})"))?
        .flatten()
        .map(|v| v.path().join("bin"))
        .filter(|b| b.join("initdb").is_file())
        .max()
        .ok_or("no initdb under /usr/lib/postgresql/*/bin")?;
    let root = running_as_root();
    let dir = std::env::temp_dir().join(format!("instrada-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
    }
    let data = dir.join("data");
    let port = free_port()?;
    let as_owner = |program: PathBuf| {
        if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    run(as_owner(bin.join("initdb")).arg("-D").arg(&data).args([
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    ]))?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
        dir.display()
    );
    run(as_owner(bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "start"]))?;
    // The watchdog: once this process is gone, stop the cluster and remove its directory.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runuser}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runuser = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("setsid")
        .args(["sh", "-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("the watchdog did not start ({e})"))?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/"))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port ({e})"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{cmd:?} did not start ({e})"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
