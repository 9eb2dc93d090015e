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

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
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
    pub schedule: String,
    /// Time zone of `schedule`. Default `Europe/Rome`.
    pub timezone: String,
    /// Event attributes the report groups flag rates and reviews by (latest value per citizen),
    /// besides the channel and `language`. Default none.
    pub fairness_attributes: Vec<String>,
}

impl Default for OutreachConfig {
    fn default() -> Self {
        Self {
            model: PathBuf::from("models/outreach"),
            min_score: None,
            schedule: "daily 03:00".into(),
            timezone: "Europe/Rome".into(),
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
        if let Err(e) = self.schedule_time() {
            out.push(e);
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            out.push(format!(
                "`outreach.timezone` = \"{}\": not an IANA time zone",
                self.timezone
            ));
        }
        out
    }

    /// The local time of the daily run, or `None` when it is `off`.
    pub fn schedule_time(&self) -> Result<Option<NaiveTime>, String> {
        let text = self.schedule.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        text.strip_prefix("daily ")
            .and_then(|t| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "`outreach.schedule` = \"{text}\": `daily HH:MM` (e.g. `daily 03:00`) or `off`"
                )
            })
    }

    /// The first scheduled run after `now`; `None` when `off` or misconfigured.
    pub fn next_run(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let at = self.schedule_time().ok().flatten()?;
        let tz: chrono_tz::Tz = self.timezone.parse().ok()?;
        let today = now.with_timezone(&tz).date_naive();
        (0..3).find_map(|d| {
            let local = (today + chrono::Days::new(d)).and_time(at);
            // A time skipped by a DST change is taken an hour later.
            let t = tz.from_local_datetime(&local).earliest().or_else(|| {
                tz.from_local_datetime(&(local + chrono::TimeDelta::hours(1)))
                    .earliest()
            })?;
            let t = t.with_timezone(&Utc);
            (t > now).then_some(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_parsed_and_the_next_run_is_local_time() {
        let c = OutreachConfig::default();
        assert!(c.problems().is_empty());
        // 10:00 in Rome (CET): the next 03:00 is tomorrow, 02:00 UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        assert_eq!(
            c.next_run(now),
            Some(Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap())
        );
        let off = OutreachConfig {
            schedule: "off".into(),
            ..c.clone()
        };
        assert_eq!(off.next_run(now), None);
        let bad = OutreachConfig {
            schedule: "weekly".into(),
            min_score: Some(1.5),
            ..c
        };
        let p = bad.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("min_score") && p[1].contains("weekly"),
            "{p:?}"
        );
    }
}
