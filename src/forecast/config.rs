//! `[forecast]` of `instrada.toml`: the zone series are counted in, whether routing decisions
//! count as contacts, and the series to keep.
//!
//! ```toml
//! [forecast]
//! timezone = "Europe/Rome"
//! count_decisions = true        # routed requests are contacts (off when the contact centre also
//!                               # sends an event for each of them)
//! [[forecast.series]]
//! name = "tributi-phone"
//! interval = "30m"
//! queue = "tributi"
//! channel = "phone"
//! open = "mon-fri 08:30-17:00"
//! ```
//!
//! With no `[[forecast.series]]`, the series are the total and one per queue and per channel, at
//! 30 minutes. Serde shapes and their checks only: `config` imports this, not the other way.

use super::series::{Interval, parse_weekly};
use serde::{Deserialize, Serialize};

/// `[forecast]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForecastConfig {
    /// IANA zone intervals are counted in. Default `Europe/Rome`.
    pub timezone: String,
    /// Whether routing decisions count as contacts. Default true.
    pub count_decisions: bool,
    /// The series; default the total and one per queue and per channel.
    pub series: Vec<SeriesConfig>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            timezone: "Europe/Rome".into(),
            count_decisions: true,
            series: Vec::new(),
        }
    }
}

/// `[[forecast.series]]`: contacts per interval, filtered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// Unique name, e.g. `tributi-phone`.
    pub name: String,
    /// `15m`, `30m`, `1h` or `1d`. Default `30m`.
    #[serde(default = "default_interval")]
    pub interval: String,
    /// Only this queue's contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Only this channel's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Only this topic's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Only this urgency level's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// Opening hours (`mon-fri 08:30-17:00; sat 09:00-12:00`); closed intervals are not fitted
    /// and are forecast as 0. Default: always open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
}

fn default_interval() -> String {
    "30m".into()
}

impl SeriesConfig {
    fn named(name: String) -> Self {
        Self {
            name,
            interval: default_interval(),
            queue: None,
            channel: None,
            topic: None,
            urgency: None,
            open: None,
        }
    }
}

impl ForecastConfig {
    /// What is wrong, one line per problem, naming the key.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            p.push(format!(
                "`forecast.timezone` = \"{}\" is not an IANA time zone (e.g. Europe/Rome)",
                self.timezone
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.series {
            let at = format!("forecast.series `{}`", s.name);
            if s.name.trim().is_empty() {
                p.push("forecast.series: a series has an empty `name`".into());
            } else if !seen.insert(s.name.as_str()) {
                p.push(format!("{at}: the name is used twice"));
            }
            if let Err(e) = Interval::parse(&s.interval) {
                p.push(format!("{at}: {e}"));
            }
            if let Some(Err(e)) = s.open.as_deref().map(parse_weekly) {
                p.push(format!("{at}: {e}"));
            }
        }
        p
    }

    /// The series to keep: as configured, or the total and one per queue and per channel.
    pub fn series_or_default(&self, queues: &[String], channels: &[&str]) -> Vec<SeriesConfig> {
        if !self.series.is_empty() {
            return self.series.clone();
        }
        let mut all = vec![SeriesConfig::named("total".into())];
        all.extend(queues.iter().map(|q| SeriesConfig {
            queue: Some(q.clone()),
            ..SeriesConfig::named(format!("queue:{q}"))
        }));
        all.extend(channels.iter().map(|c| SeriesConfig {
            channel: Some((*c).to_string()),
            ..SeriesConfig::named(format!("channel:{c}"))
        }));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_series_the_total_and_one_per_queue_and_channel_are_kept() {
        let c = ForecastConfig::default();
        let names: Vec<String> = c
            .series_or_default(&["tributi".into()], &["phone", "email"])
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(
            names,
            ["total", "queue:tributi", "channel:phone", "channel:email"]
        );
        assert!(c.problems().is_empty());
    }

    #[test]
    fn bad_series_are_named() {
        let toml = r#"
            timezone = "Mars/Olympus"
            [[series]]
            name = "a"
            interval = "7m"
            [[series]]
            name = "a"
            open = "someday"
        "#;
        let c: ForecastConfig = toml::from_str(toml).unwrap();
        let p = c.problems().join("\n");
        assert!(p.contains("`forecast.timezone` = \"Mars/Olympus\""), "{p}");
        assert!(
            p.contains("forecast.series `a`: the name is used twice"),
            "{p}"
        );
        assert!(p.contains("7m"), "{p}");
        assert_eq!(c.problems().len(), 4, "{p}");
    }
}
