//! How long each kind of record is kept (`[store.retention]`): storage limitation, GDPR art.
//! 5(1)(e). Read into [`Retention`] once, when the settings are loaded; the pruner
//! (`prune.rs`) deletes what is older than each kind's cutoff.
//!
//! ```toml
//! [store.retention]
//! decisions = "400d"   # the decision and its feedback; "off": kept forever
//! texts = "30d"        # the request's text (and the words quoted from it); the decision stays
//! ```
//!
//! Opt-outs (`outreach_optouts`) have no retention: an opt-out is the citizen's instruction and
//! stays in force until withdrawn, so pruning it would start scoring the citizen again. API keys
//! and the forecast cache (the last few refits) are not personal data and are not pruned here.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::duration::{Duration, DurationError, Unit};

/// Shortest retention accepted: a day (shorter is a typo more often than a policy).
const MIN_SECONDS: u64 = 86_400;
/// Longest finite retention accepted: a hundred years (keep forever is `off`).
const MAX_SECONDS: u64 = 36_500 * 86_400;

/// A kind of record with a retention of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Request texts kept with decisions (`store.text` = redacted or raw): cleared, together with
    /// the words a decision's reasons quote from them; the decision stays.
    Texts,
    /// Feedback on decisions (also deleted with its decision).
    Feedback,
    /// Decisions, with the feedback on them.
    Decisions,
    /// Contact events (the workload series and the outreach histories read them).
    Events,
    /// Case workers' reviews of outreach flags.
    Reviews,
    /// Outreach scores (flags); one with a review left is kept as long as its reviews.
    Outreach,
    /// The access log of personal data.
    AccessLog,
}

impl Kind {
    /// Every kind, in the order a prune takes them (texts before their decisions, reviews
    /// before their flags).
    pub const ALL: [Kind; 7] = [
        Kind::Texts,
        Kind::Feedback,
        Kind::Decisions,
        Kind::Events,
        Kind::Reviews,
        Kind::Outreach,
        Kind::AccessLog,
    ];

    /// Its name in `[store.retention]` and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Texts => "texts",
            Kind::Feedback => "feedback",
            Kind::Decisions => "decisions",
            Kind::Events => "events",
            Kind::Reviews => "reviews",
            Kind::Outreach => "outreach",
            Kind::AccessLog => "access_log",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long records of one kind are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Never pruned (`"off"`).
    Forever,
    /// Pruned once older than this many seconds (written as a duration: `"400d"`, `"2w"`).
    For(u64),
}

impl Keep {
    /// Whole days.
    pub const fn days(n: u64) -> Self {
        Self::For(n * 86_400)
    }

    /// Reads `off` (or `none`, `forever`) or a duration of at least a day (`400d`, `52w`).
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let t = text.trim();
        if ["off", "none", "forever"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
        {
            return Ok(Self::Forever);
        }
        let d = Duration::parse(t)?;
        let seconds = d
            .whole(Unit::Second)
            .ok_or_else(|| DurationError::new(format!("`{t}` is not a whole number of seconds")))?;
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
            return Err(DurationError::new(format!(
                "`{t}` must be between 1d and 36500d, or \"off\" to keep forever"
            )));
        }
        Ok(Self::For(seconds))
    }

    /// Records older than the returned time are pruned at `now`; `None`: nothing is.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Forever => None,
            Self::For(s) => now.checked_sub_signed(TimeDelta::seconds(i64::try_from(s).ok()?)),
        }
    }
}

impl fmt::Display for Keep {
    /// `off`, or the length in the largest unit that divides it (`400d`, `2w`, `36h`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self::For(s) = *self else {
            return f.write_str("off");
        };
        let unit = [
            Unit::Week,
            Unit::Day,
            Unit::Hour,
            Unit::Minute,
            Unit::Second,
        ]
        .into_iter()
        .find(|u| s % u.seconds() == 0)
        .unwrap_or(Unit::Second);
        write!(f, "{}{}", s / unit.seconds(), unit.symbol())
    }
}

impl Serialize for Keep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Keep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Keep::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `[store.retention]`: how long each kind is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Decisions and their feedback. Default `400d`: a year of workload history for the forecasts
    /// (which count decisions as contacts) and a month to answer a complaint about the last day.
    pub decisions: Keep,
    /// The request texts kept with decisions (`store.text` = redacted or raw). Default `30d`:
    /// enough to correct and export the month's feedback as training data.
    pub texts: Keep,
    /// Feedback on decisions (deleted with its decision in any case). Default `400d`.
    pub feedback: Keep,
    /// Contact events. Default `1095d` (three years): the forecasts fit on the whole history,
    /// with yearly seasonality, and the outreach training reads a year before its labels.
    pub events: Keep,
    /// Outreach scores (flags). Default `180d`; a flag with a review left is kept as long as
    /// its reviews.
    pub outreach: Keep,
    /// Case workers' reviews of outreach flags. Default `400d`.
    pub reviews: Keep,
    /// The access log of personal data. Default `730d` (two years).
    pub access_log: Keep,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            decisions: Keep::days(400),
            texts: Keep::days(30),
            feedback: Keep::days(400),
            events: Keep::days(1095),
            outreach: Keep::days(180),
            reviews: Keep::days(400),
            access_log: Keep::days(730),
        }
    }
}

impl Retention {
    /// Everything kept forever.
    pub fn forever() -> Self {
        Self {
            decisions: Keep::Forever,
            texts: Keep::Forever,
            feedback: Keep::Forever,
            events: Keep::Forever,
            outreach: Keep::Forever,
            reviews: Keep::Forever,
            access_log: Keep::Forever,
        }
    }

    /// The retention of `kind`.
    pub fn of(&self, kind: Kind) -> Keep {
        match kind {
            Kind::Texts => self.texts,
            Kind::Feedback => self.feedback,
            Kind::Decisions => self.decisions,
            Kind::Events => self.events,
            Kind::Reviews => self.reviews,
            Kind::Outreach => self.outreach,
            Kind::AccessLog => self.access_log,
        }
    }

    /// Every problem, one line each: a text kept longer than its decision is kept only as long as
    /// the decision (said, so that nobody believes otherwise).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let longer = |a: Keep, b: Keep| match (a, b) {
            (Keep::Forever, Keep::For(_)) => true,
            (Keep::For(x), Keep::For(y)) => x > y,
            _ => false,
        };
        if longer(self.texts, self.decisions) {
            out.push(format!(
                "`store.retention.texts` = {} is longer than `store.retention.decisions` = {}: a \
                 text goes with its decision; make it at most as long",
                self.texts, self.decisions
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retentions_read_durations_and_off() {
        assert_eq!(Keep::parse("400d").unwrap(), Keep::days(400));
        assert_eq!(Keep::parse(" 2w ").unwrap(), Keep::days(14));
        assert_eq!(Keep::parse("36h").unwrap(), Keep::For(36 * 3600));
        for off in ["off", "OFF", "none", "forever"] {
            assert_eq!(Keep::parse(off).unwrap(), Keep::Forever, "{off}");
        }
        for bad in ["12h", "0d", "36501d", "soon", "", "-3d", "1.5s"] {
            assert!(Keep::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Keep::days(400).to_string(), "400d");
        assert_eq!(Keep::days(14).to_string(), "2w");
        assert_eq!(Keep::For(36 * 3600).to_string(), "36h");
        assert_eq!(Keep::Forever.to_string(), "off");
    }

    #[test]
    fn a_retention_table_deserialises_with_defaults_for_what_it_leaves_out() {
        let e = toml::from_str::<Retention>("decisions = \"2y\"").unwrap_err();
        assert!(e.to_string().contains("`2y` is not a duration"), "{e}");
        let r: Retention = toml::from_str("texts = \"7d\"\naccess_log = \"off\"").unwrap();
        assert_eq!(r.texts, Keep::days(7));
        assert_eq!(r.access_log, Keep::Forever);
        assert_eq!(r.decisions, Retention::default().decisions);
        assert!(toml::from_str::<Retention>("optouts = \"30d\"").is_err());
        // Written back as read.
        let text = toml::to_string(&r).unwrap();
        assert_eq!(toml::from_str::<Retention>(&text).unwrap(), r);
    }

    #[test]
    fn the_cutoff_is_now_minus_the_retention() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        assert_eq!(
            Keep::days(30).cutoff(now),
            Some(Utc.with_ymd_and_hms(2026, 11, 7, 12, 0, 0).unwrap())
        );
        assert_eq!(Keep::Forever.cutoff(now), None);
    }

    #[test]
    fn a_text_kept_longer_than_its_decision_is_a_problem() {
        assert!(Retention::default().problems().is_empty());
        let r = Retention {
            texts: Keep::Forever,
            ..Retention::default()
        };
        assert!(r.problems()[0].contains("store.retention.texts"));
        assert!(Retention::forever().problems().is_empty());
    }
}
