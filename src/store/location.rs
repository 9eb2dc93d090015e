//! Where the store lives: an SQLite file (the embedded default) or a PostgreSQL database, named by
//! `store.url` (`sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`); without a URL, by
//! `store.path`. A URL's password is never shown: [`Location`]'s `Display` and `Debug` redact it,
//! and every log line and error names a location through them.

use std::fmt;
use std::path::{Path, PathBuf};

/// The database the store reads and writes.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file; its parent directories are created.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`, with its parameters).
    Postgres(String),
}

/// A URL that names neither database.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "store URL `{shown}` names no database instrada knows: use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
)]
pub struct BadUrl {
    shown: String,
}

impl Location {
    /// Parses `sqlite://PATH`, `sqlite:PATH` or `postgres(ql)://…`.
    pub fn parse(url: &str) -> Result<Self, BadUrl> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            && !path.is_empty()
        {
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        Err(BadUrl { shown: redact(url) })
    }

    /// The SQLite file, if that is where the store lives.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location::Sqlite(p.to_path_buf())
    }
}
impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Location::Sqlite(p)
    }
}
impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Self {
        Location::Sqlite(p.clone())
    }
}
impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

/// A connection URL with its password (in the user part, or a `password=` parameter) replaced
/// by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    // password=… in the query string, up to the next `&`.
    let lower = out.to_ascii_lowercase();
    if let Some(i) = lower.find("password=") {
        let start = i + "password=".len();
        let end = out[start..].find('&').map_or(out.len(), |j| start + j);
        out.replace_range(start..end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_database_and_never_show_a_password() {
        assert_eq!(
            Location::parse("sqlite:///var/lib/instrada/a.db").unwrap(),
            Location::Sqlite(PathBuf::from("/var/lib/instrada/a.db"))
        );
        assert_eq!(
            Location::parse("sqlite:data/a.db").unwrap(),
            Location::Sqlite(PathBuf::from("data/a.db"))
        );
        let pg = Location::parse("postgres://instrada:s3cret@db.comune.it:5432/instrada").unwrap();
        assert!(pg.is_postgres());
        assert_eq!(
            pg.to_string(),
            "postgres://instrada:***@db.comune.it:5432/instrada"
        );
        assert!(!format!("{pg:?}").contains("s3cret"));
        let q = Location::parse("postgresql://u@h/db?sslmode=disable&password=s3cret&x=1").unwrap();
        assert_eq!(
            q.to_string(),
            "postgresql://u@h/db?sslmode=disable&password=***&x=1"
        );
        let err = Location::parse("mysql://root:s3cret@h/db").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(Location::parse("sqlite://").is_err());
    }
}
