//! `[forecast]` of `instrada.toml`: the zone series are counted in, whether routing decisions
//! count as contacts, and the series to keep.
//!
//! ```toml
//! [forecast]
//! timezone = "Europe/Rome"
//! count_decisions = true        # routed requests are contacts (off when the contact centre also
//!                               # sends an event for each of them)
//! holidays = "learn"            # national holidays and `routing.local_holidays`: as the history's
//!                               # weekday holidays behaved, else like Sundays; or "like-sunday",
//!                               # "closed"
//! [[forecast.series]]
//! name = "tributi-phone"
//! interval = "30m"
//! queue = "tributi"
//! channel = "phone"
//! open = "mon-fri 08:30-17:00"
//! ```
//!
//! With no `[[forecast.series]]`, the series are the total and one per queue and per channel, at
//! 30 minutes.
//!
//! Every value is read into its type when the settings are loaded (zone, interval, opening hours,
//! model kinds, the refit's schedule, the staffing assumptions checked), so a bad one stops the
//! load naming its line or its variable, and a refit parses nothing; [`ForecastConfig::problems`]
//! keeps what involves several values (names used twice, no model). Serde shapes and their checks
//! only: `config` and `plan` import this, not the other way.

use super::models::ModelKind;
use super::series::{HolidayRule, Interval, OpeningHours};
use super::staffing::StaffingParams;
use crate::calendar::{HolidayCalendar, Schedule};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};

/// `[forecast]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForecastConfig {
    /// IANA zone intervals are counted in. Default `Europe/Rome`.
    #[serde(with = "crate::calendar::zone")]
    pub timezone: Tz,
    /// Whether routing decisions count as contacts. Default true.
    pub count_decisions: bool,
    /// The series; default the total and one per queue and per channel.
    pub series: Vec<SeriesConfig>,
    /// Staffing assumptions for the forecasts' agents and FTE (checked when read).
    #[serde(deserialize_with = "checked_staffing")]
    pub staffing: StaffingConfig,
    /// When the service refits every series: `daily HH:MM` in `timezone`, or `off` (at start-up
    /// when the store has no cached forecasts, and on `POST /v1/forecast/refit`). Default
    /// `daily 02:00`. A start-up after the last scheduled time refits unless the cache is newer.
    pub refit: Schedule,
    /// The models each series' backtest chooses among: `snaive`, `profile`, `damped`, `mstl`.
    /// Default seasonal naive, profile and damped trend: MSTL takes seconds per series and has not
    /// won on the shared series (see README), so it is opt-in.
    pub models: Vec<ModelKind>,
    /// How national holidays and local closures are forecast: `learn` (as the weekday holidays of
    /// the history behaved, like the series' Sundays when it has none), `like-sunday` or
    /// `closed`. Default `learn`. A series with opening hours is closed on them whatever the rule.
    pub holidays: HolidayRule,
    /// The local closures (the patron saint's day) the forecasts treat like national holidays: not
    /// a `[forecast]` key but the routing policy's `routing.local_holidays`, passed in as data by
    /// whoever loads the settings ([`crate::config::Settings`]), so that `forecast` never reads
    /// `route`.
    #[serde(skip)]
    pub closures: HolidayCalendar,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Europe::Rome,
            count_decisions: true,
            series: Vec::new(),
            staffing: StaffingConfig::default(),
            refit: Schedule::Daily(chrono::NaiveTime::MIN + chrono::TimeDelta::hours(2)),
            models: vec![ModelKind::Snaive, ModelKind::Profile, ModelKind::Damped],
            holidays: HolidayRule::default(),
            closures: HolidayCalendar::national(),
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
    pub interval: Interval,
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
    pub open: Option<OpeningHours>,
    /// When agents work the series' contacts, if not whenever they arrive: no agents outside these
    /// hours (nor on national holidays), and what arrives meanwhile on a written channel is
    /// carried to the next opening ([`crate::forecast::staffed`]). Default: for a series of one
    /// queue, that queue's `hours` in the routing policy; else always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffed: Option<OpeningHours>,
}

fn default_interval() -> Interval {
    Interval::M30
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
            staffed: None,
        }
    }
}

/// Staffing assumptions of the forecasts (`[forecast.staffing]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffingConfig {
    /// Average handle time, seconds. Default 300.
    pub aht_seconds: f64,
    /// Share answered within `within_seconds`. Default 0.8.
    pub target: f64,
    /// Answer time of the target, seconds (the response window for e-mail, PEC, web). Default 20.
    pub within_seconds: f64,
    /// Mean patience before hanging up (Erlang A), seconds. Default none (Erlang C).
    pub patience_seconds: Option<f64>,
    /// Share of paid time not on contacts. Default 0.3.
    pub shrinkage: f64,
    /// Highest occupancy allowed. Default 0.85.
    pub max_occupancy: f64,
}

impl Default for StaffingConfig {
    fn default() -> Self {
        Self {
            aht_seconds: 300.0,
            target: 0.8,
            within_seconds: 20.0,
            patience_seconds: None,
            shrinkage: 0.3,
            max_occupancy: 0.85,
        }
    }
}

impl StaffingConfig {
    /// The staffing parameters for a series of `channel` (all channels: answered live).
    pub fn params(&self, channel: Option<&str>) -> StaffingParams {
        StaffingParams::new(self.aht_seconds, self.target, self.within_seconds)
            .patience(self.patience_seconds)
            .shrinkage(self.shrinkage)
            .max_occupancy(self.max_occupancy)
            .channel(channel)
    }
}

/// `[forecast.staffing]`, refused when read if its values cannot staff a live channel.
fn checked_staffing<'de, D: Deserializer<'de>>(d: D) -> Result<StaffingConfig, D::Error> {
    let config = StaffingConfig::deserialize(d)?;
    config
        .params(None)
        .check()
        .map_err(serde::de::Error::custom)?;
    Ok(config)
}

impl ForecastConfig {
    /// What is wrong across values (each value was checked when read), one line per problem,
    /// naming the key.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.models.is_empty() {
            p.push(
                "`forecast.models` is empty: name at least one of snaive, profile, damped, mstl"
                    .into(),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.series {
            if s.name.trim().is_empty() {
                p.push("forecast.series: a series has an empty `name`".into());
            } else if !seen.insert(s.name.as_str()) {
                p.push(format!(
                    "forecast.series `{}`: the name is used twice",
                    s.name
                ));
            }
        }
        p
    }

    /// The models to choose among: `models`, or the seasonal naive if none.
    pub fn model_kinds(&self) -> &[ModelKind] {
        if self.models.is_empty() {
            &[ModelKind::Snaive]
        } else {
            &self.models
        }
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
        match self.refit {
            Schedule::Off => true,
            Schedule::Daily(_) => self
                .next_refit(now - chrono::TimeDelta::days(1))
                .is_some_and(|due| due > now || fitted_at >= due),
        }
    }

    /// The first refit time after `now`, or `None` when refits are `off`.
    pub fn next_refit(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.refit.next_after(now, self.timezone)
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
    fn values_are_read_into_their_types() {
        let toml = r#"
            timezone = "Europe/London"
            refit = "daily 03:30"
            models = ["profile", "mstl"]
            holidays = "like-sunday"
            [[series]]
            name = "a"
            interval = "60m"
            open = "mon-fri 08:00-17:00"
        "#;
        let c: ForecastConfig = toml::from_str(toml).unwrap();
        assert_eq!(c.timezone, chrono_tz::Europe::London);
        assert_eq!(c.refit.to_string(), "daily 03:30");
        assert_eq!(c.models, [ModelKind::Profile, ModelKind::Mstl]);
        assert_eq!(c.holidays, HolidayRule::LikeSunday);
        let s = &c.series[0];
        assert_eq!(s.interval, Interval::H1);
        let open = s.open.as_ref().unwrap();
        assert_eq!(open.text(), "mon-fri 08:00-17:00");
        assert!(open.hours().windows(chrono::Weekday::Sat).is_empty());
        // Written back, read again: the same settings.
        let again: ForecastConfig = toml::from_str(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn a_bad_value_stops_the_read_quoting_it() {
        for (toml, expected) in [
            (
                "timezone = \"Mars/Olympus\"",
                "`Mars/Olympus` is not an IANA time zone",
            ),
            ("refit = \"weekly\"", "`weekly`: `daily HH:MM`"),
            (
                "models = [\"arima\"]",
                "`arima` is not one of snaive, profile, damped, mstl",
            ),
            (
                "[[series]]\nname = \"a\"\ninterval = \"7m\"",
                "`7m` is not one of 15m, 30m, 1h, 1d",
            ),
            (
                "[[series]]\nname = \"a\"\nopen = \"someday\"",
                "`someday` is not `DAYS HH:MM-HH:MM`",
            ),
            ("[staffing]\ntarget = 1.2", "`target` must be a fraction"),
            ("holidays = \"open\"", "unknown variant `open`"),
            ("closures = [\"12-10\"]", "unknown field `closures`"),
        ] {
            let e = toml::from_str::<ForecastConfig>(toml)
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{toml}: {e}");
        }
    }

    #[test]
    fn problems_are_what_involves_several_values() {
        let toml = r#"
            models = []
            [[series]]
            name = "a"
            [[series]]
            name = "a"
        "#;
        let c: ForecastConfig = toml::from_str(toml).unwrap();
        let p = c.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("`forecast.models` is empty"), "{p:?}");
        assert!(
            p[1].contains("forecast.series `a`: the name is used twice"),
            "{p:?}"
        );
        assert_eq!(c.model_kinds(), [ModelKind::Snaive]);
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
            refit: Schedule::Off,
            ..ForecastConfig::default()
        };
        assert!(off.cache_is_current(due - chrono::TimeDelta::days(30), now));
    }

    #[test]
    fn the_next_refit_is_the_schedule_in_the_forecast_zone() {
        use chrono::TimeZone;
        let c = ForecastConfig::default();
        // 01:30 in Rome (UTC+1 in winter): tonight at 02:00 local, 01:00 UTC.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).unwrap();
        assert_eq!(
            c.next_refit(now),
            Some(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap())
        );
        let london = ForecastConfig {
            timezone: chrono_tz::Europe::London,
            ..ForecastConfig::default()
        };
        assert_eq!(
            london.next_refit(now),
            Some(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap())
        );
        let off = ForecastConfig {
            refit: Schedule::Off,
            ..ForecastConfig::default()
        };
        assert_eq!(off.next_refit(now), None);
    }
}
