//! A PostgreSQL server for the store's tests: the one `INSTRADA_TEST_POSTGRES_URL` names, or a
//! throw-away cluster started once per test process from Debian's server binaries (`initdb` and
//! `pg_ctl` in `/usr/lib/postgresql/*/bin`, run as the `postgres` user when the tests run as
//! root, which PostgreSQL refuses to run as) in a temporary directory on a free port, with
//! `fsync = off` (a test's data need not survive a power cut). A watchdog process stops the
//! cluster and removes its directory when the test process ends. Each call of [`database`] gives
//! a fresh, empty database, so tests do not see each other's rows. A test that stops and starts
//! the server has a [`Cluster`] of its own.
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
    let started = SERVER.get_or_init(|| match std::env::var("INSTRADA_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            // postgres://user:password@host:port/ — a database name, if any, is replaced.
            Ok(match url.rfind('/') {
                Some(i) if i > "postgres://".len() => url[..=i].to_string(),
                _ => format!("{url}/"),
            })
        }
        // Never dropped (a static): the watchdog stops it when the process ends.
        _ => Cluster::start().map(|c| std::mem::ManuallyDrop::new(c).url()),
    });
    match started {
        Ok(url) => url,
        Err(why) => panic!(
            "a PostgreSQL server is needed here (cfg(postgres), see build.rs) but {why}: install \
             Debian's `postgresql` package or set INSTRADA_TEST_POSTGRES_URL"
        ),
    }
}

/// A new, empty database on the test server.
pub fn database() -> Location {
    create_database(server())
}

/// A new, empty database on the server at `base` (`postgres://…/`).
fn create_database(base: &str) -> Location {
    static NEXT: AtomicU32 = AtomicU32::new(0);
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

/// A throw-away cluster of a test's own, which it may stop and start (to see what the service
/// does while the database is down); stopped and removed when dropped, or by its watchdog if
/// the test process dies first. Needs the server binaries: `INSTRADA_TEST_POSTGRES_URL` cannot
/// stand in for them.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    root: bool,
}

impl Cluster {
    /// Creates and starts a cluster in a new temporary directory on a free port; panics, saying
    /// why, where that cannot be done.
    pub fn new() -> Self {
        Self::start().unwrap_or_else(|why| {
            panic!("a PostgreSQL cluster of the test's own is needed but {why}: install Debian's `postgresql` package")
        })
    }

    fn start() -> Result<Self, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("/usr/lib/postgresql cannot be read ({e})"))?
            .flatten()
            .map(|v| v.path().join("bin"))
            .filter(|b| b.join("initdb").is_file())
            .max()
            .ok_or("no initdb under /usr/lib/postgresql/*/bin")?;
        let root = running_as_root();
        let dir = std::env::temp_dir().join(format!(
            "instrada-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if root {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let cluster = Self {
            bin,
            dir,
            port: free_port()?,
            root,
        };
        run(cluster
            .as_owner("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]))?;
        cluster.start_again()?;
        // The watchdog: once this process is gone, stop the cluster and remove its directory.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runuser}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            runuser = if root { "runuser -u postgres -- " } else { "" },
            pg_ctl = cluster.bin.join("pg_ctl").display(),
            data = cluster.data().display(),
            dir = cluster.dir.display(),
        );
        Command::new("setsid")
            .args(["sh", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("the watchdog did not start ({e})"))?;
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/", self.port)
    }

    /// A new, empty database on this cluster.
    pub fn database(&self) -> Location {
        create_database(&self.url())
    }

    /// Stops the server (`pg_ctl stop -m fast`: connections are cut, what is committed stays).
    pub fn stop(&self) {
        run(self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]))
        .unwrap_or_else(|e| panic!("stopping the test cluster: {e}"));
    }

    /// Starts the server again after [`Self::stop`], on the same port.
    pub fn restart(&self) {
        self.start_again()
            .unwrap_or_else(|e| panic!("starting the test cluster again: {e}"));
    }

    fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        run(self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"]))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn as_owner(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }
}

impl Default for Cluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
