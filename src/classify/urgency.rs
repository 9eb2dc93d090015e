//! Urgency levels and the transparent lexicon of urgency signals.
//!
//! A signal can raise a request's urgency, never lower it, and is always reported by name so that a
//! supervisor can see why a request jumped the queue.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How fast a request must be handled, from least to most urgent (the order is meaningful).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum UrgencyLevel {
    /// Information requests, no deadline.
    Low,
    /// An ordinary case to handle within the normal service level.
    Normal,
    /// Someone is harmed or a deadline is close: handle today.
    High,
    /// Danger to people or property now: handle immediately.
    Critical,
}

impl UrgencyLevel {
    /// All levels, from least to most urgent.
    pub const ALL: [UrgencyLevel; 4] = [Self::Low, Self::Normal, Self::High, Self::Critical];

    /// The label used in data files, configs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for UrgencyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `low`, `normal`, `high`, `critical`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown urgency level `{0}` (expected low, normal, high or critical)")]
pub struct UnknownLevel(pub String);

impl FromStr for UrgencyLevel {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            _ => Err(UnknownLevel(s.to_string())),
        }
    }
}
