//! `[outreach]` settings: where the outreach model is, the list's minimum score, when the whole
//! store is scored, and which attributes the fairness report groups by.
//!
//! ```toml
//! [outreach]
//! model = "models/outreach"        # an artefact of `instrada train outreach`; absent: endpoints 503
//! min_score = 0.5                  # default: none (what the model flags)
//! schedule = "daily 03:00"         # or "off" (then only POST /v1/outreach/run, `outreach score --all`)
//! timezone = "Europe/Rome"
//! fairness_attributes = ["municipio", "age_band"]
//! ```
//!
//! The zone and the schedule are read into their types when the settings are loaded (a bad one
//! stops the load, naming its line or variable); [`OutreachConfig::problems`] checks the rest.

use crate::calendar::Schedule;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[outreach]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutreachConfig {
    /// The model's directory (relative to the configuration file). Default `models/outreach`;
    /// when it holds no outreach model the outreach endpoints answer 503 `not_ready`.
    pub model: PathBuf,
    /// Lowest score the list shows, in [0, 1]. Default none: every flagged citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    /// When the service scores every citizen: `daily HH:MM` in `timezone`, or `off`. Default
    /// `daily 03:00`.
    pub schedule: Schedule,
    /// Time zone of `schedule`. Default `Europe/Rome`.
    #[serde(with = "crate::calendar::zone")]
    pub timezone: Tz,
    /// Event attributes the report groups flag rates and reviews by (latest value per citizen),
    /// besides the channel and `language`. Default none.
    pub fairness_attributes: Vec<String>,
}

impl Default for OutreachConfig {
    fn default() -> Self {
        Self {
            model: PathBuf::from("models/outreach"),
            min_score: None,
            schedule: Schedule::Daily(chrono::NaiveTime::MIN + chrono::TimeDelta::hours(3)),
            timezone: chrono_tz::Europe::Rome,
            fairness_attributes: Vec::new(),
        }
    }
}

impl OutreachConfig {
    /// Every problem of the settings, one line each.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(m) = self.min_score
            && !(0.0..=1.0).contains(&m)
        {
            out.push(format!("`outreach.min_score` = {m}: a score in [0, 1]"));
        }
        out
    }

    /// The first scheduled run after `now`; `None` when `off`.
    pub fn next_run(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.next_after(now, self.timezone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_schedule_is_read_and_the_next_run_is_local_time() {
        let c = OutreachConfig::default();
        assert!(c.problems().is_empty());
        // 10:00 in Rome (CET): the next 03:00 is tomorrow, 02:00 UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        assert_eq!(
            c.next_run(now),
            Some(Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap())
        );
        let off: OutreachConfig = toml::from_str("schedule = \"off\"").unwrap();
        assert_eq!(off.next_run(now), None);
        let e = toml::from_str::<OutreachConfig>("schedule = \"weekly\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`weekly`: `daily HH:MM`"), "{e}");
        let e = toml::from_str::<OutreachConfig>("timezone = \"Rome\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`Rome` is not an IANA time zone"), "{e}");
        let bad = OutreachConfig {
            min_score: Some(1.5),
            ..c
        };
        let p = bad.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("min_score"), "{p:?}");
    }
}
