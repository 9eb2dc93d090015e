//! [`Scope`]: what a key may do. Each endpoint needs one; a key may hold several. `admin` is not
//! a superset: an administrator who must read the outreach list holds `caseworker` too, so that
//! reading citizens' data is always a scope someone granted on purpose.

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Contact-centre software: route one request or a batch, send feedback.
    Route,
    /// Contact events in.
    Events,
    /// Planners: series, forecasts, staffing, refits.
    Planner,
    /// Case workers: the outreach list, scores, reviews, opt-outs, the fairness report.
    Caseworker,
    /// Operators: models (list, reload, rollback), keys, the access log, store maintenance.
    Admin,
}

/// A scope name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a scope (route, events, planner, caseworker, admin)")]
pub struct UnknownScope(pub String);

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Self::Route,
        Self::Events,
        Self::Planner,
        Self::Caseworker,
        Self::Admin,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Route => "route",
            Self::Events => "events",
            Self::Planner => "planner",
            Self::Caseworker => "caseworker",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, UnknownScope> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| UnknownScope(s.chars().take(40).collect()))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
