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

use super::models::ModelKind;
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
    /// Staffing assumptions for the forecasts' agents and FTE.
    pub staffing: super::plan::StaffingConfig,
    /// When the service refits every series: `daily HH:MM` in `timezone`, or `off` (at start-up
    /// when the store has no cached forecasts, and on `POST /v1/forecast/refit`). Default
    /// `daily 02:00`. A start-up after the last scheduled time refits unless the cache is newer.
    pub refit: String,
    /// The models each series' backtest chooses among: `snaive`, `profile`, `mstl`. Default
    /// seasonal naive and profile: MSTL takes seconds per series and has not won on the shared
    /// series (see README), so it is opt-in.
    pub models: Vec<String>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            timezone: "Europe/Rome".into(),
            count_decisions: true,
            series: Vec::new(),
            staffing: super::plan::StaffingConfig::default(),
            refit: "daily 02:00".into(),
            models: vec!["snaive".into(), "profile".into()],
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
        for m in &self.models {
            if ModelKind::parse(m).is_none() {
                p.push(format!(
                    "`forecast.models`: `{m}` is not one of snaive, profile, mstl"
                ));
            }
        }
        if self.models.is_empty() {
            p.push("`forecast.models` is empty: name at least one of snaive, profile, mstl".into());
        }
        if let Err(e) = self.refit_time() {
            p.push(e);
        }
        if let Err(e) = self.staffing.params(None).check() {
            p.push(format!("forecast.staffing: {e}"));
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

    /// The models to choose among (the valid names of `models`; seasonal naive if none).
    pub fn model_kinds(&self) -> Vec<ModelKind> {
        let kinds: Vec<ModelKind> = self
            .models
            .iter()
            .filter_map(|m| ModelKind::parse(m))
            .collect();
        if kinds.is_empty() {
            vec![ModelKind::Snaive]
        } else {
            kinds
        }
    }

    /// The local time of the daily refit, or `None` when it is `off`.
    pub fn refit_time(&self) -> Result<Option<chrono::NaiveTime>, String> {
        let text = self.refit.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        text.strip_prefix("daily ")
            .and_then(|t| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "`forecast.refit` = \"{text}\": `daily HH:MM` (e.g. `daily 02:00`) or `off`"
                )
            })
    }

    /// Whether forecasts fitted at `fitted_at` are still current at `now`: fitted at or after the
    /// last scheduled refit (in the last day), or, with refits `off`, fitted at all.
    pub fn cache_is_current(
        &self,
        fitted_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        if fitted_at > now {
            return false;
        }
        match self.refit_time() {
            Ok(None) => true,
            Ok(Some(_)) => self
                .next_refit(now - chrono::TimeDelta::days(1))
                .is_some_and(|due| due > now || fitted_at >= due),
            Err(_) => false,
        }
    }

    /// The first refit time after `now`, or `None` when refits are `off` or the setting is bad.
    pub fn next_refit(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        use chrono::TimeZone;
        let at = self.refit_time().ok().flatten()?;
        let tz: chrono_tz::Tz = self.timezone.parse().ok()?;
        let today = now.with_timezone(&tz).date_naive();
        (0..3).find_map(|d| {
            let date = today + chrono::Days::new(d);
            // A time skipped by a DST change is taken an hour later; a repeated one, the first.
            let local = tz
                .from_local_datetime(&date.and_time(at))
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(date.and_time(at) + chrono::TimeDelta::hours(1)))
                        .earliest()
                })?
                .with_timezone(&chrono::Utc);
            (local > now).then_some(local)
        })
    }

    /// The series named `name` among [`Self::series_or_default`], or why not (naming them all).
    pub fn find_series(
        &self,
        name: &str,
        queues: &[String],
        channels: &[&str],
    ) -> Result<SeriesConfig, String> {
        let all = self.series_or_default(queues, channels);
        all.iter().find(|s| s.name == name).cloned().ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
            format!("no series `{name}` (the series are {})", names.join(", "))
        })
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

    #[test]
    fn a_cache_is_current_from_the_last_scheduled_refit_on() {
        use chrono::TimeZone;
        let c = ForecastConfig::default();
        // 10:00 in Rome; the last refit was due at 02:00 local (01:00 UTC).
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let due = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        assert!(c.cache_is_current(due, now));
        assert!(c.cache_is_current(due + chrono::TimeDelta::hours(3), now));
        assert!(!c.cache_is_current(due - chrono::TimeDelta::minutes(1), now));
        assert!(
            !c.cache_is_current(now + chrono::TimeDelta::minutes(1), now),
            "from the future"
        );
        let off = ForecastConfig {
            refit: "off".into(),
            ..ForecastConfig::default()
        };
        assert!(off.cache_is_current(due - chrono::TimeDelta::days(30), now));
    }

    #[test]
    fn the_next_refit_is_the_next_local_time_in_the_zone() {
        use chrono::TimeZone;
        let c = ForecastConfig::default();
        // 01:30 in Rome (UTC+1 in winter): tonight at 02:00 local, 01:00 UTC.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).unwrap();
        assert_eq!(
            c.next_refit(now),
            Some(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap())
        );
        // After it: tomorrow.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        assert_eq!(
            c.next_refit(now),
            Some(chrono::Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap())
        );
        // 02:00 does not exist on 29 March 2026 in Rome: 03:00 local (01:00 UTC).
        let now = chrono::Utc.with_ymd_and_hms(2026, 3, 28, 23, 0, 0).unwrap();
        assert_eq!(
            c.next_refit(now),
            Some(chrono::Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap())
        );
        let off = ForecastConfig {
            refit: "off".into(),
            ..ForecastConfig::default()
        };
        assert_eq!(off.next_refit(now), None);
        let bad = ForecastConfig {
            refit: "weekly".into(),
            ..ForecastConfig::default()
        };
        assert!(
            bad.problems()[0].contains("`daily HH:MM`"),
            "{:?}",
            bad.problems()
        );
    }
}
