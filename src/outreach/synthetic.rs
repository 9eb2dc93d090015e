//! A synthetic but realistic contact history, for the backtest, the examples and the tests (no
//! real citizen data is needed to try outreach scoring). Deterministic for a seed.
//!
//! What it simulates, per citizen, over the year before `end`:
//! - new issues arriving at a personal rate (a few citizens call a lot, most rarely), on topics
//!   with their own weights, through a preferred channel;
//! - unresolved contacts (`open`, `pending`, `abandoned`; the web and e-mail resolve less often
//!   than the phone or the counter) coming back on the same topic within days, often through
//!   another channel (web → phone), `reopened` on the second return and `escalated` or turned into
//!   a complaint (`reclamo`) after more: the failure demand outreach should anticipate;
//! - seasonal deadlines: TARI instalments due 16 June and 16 December (a notice, outcome
//!   `deadline`, 30 days before), identity cards expiring (a notice 60 days before), each
//!   raising contacts on its topic before the date.
//!
//! Rows have the columns of [`HEADER`]; `instrada import events FILE --map
//! deadline=attributes.deadline` loads them (`examples/outreach_history.rs` writes the file).

use super::features::{DEADLINE_ATTRIBUTE, FeatureSpec, History, OutreachLabel, features};
use super::table::Table;
use crate::store::HistoryEvent;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use std::collections::BTreeMap;
use std::io::Write;

/// The CSV header (`deadline` maps to `attributes.deadline` on import).
pub const HEADER: &str =
    "event_id,occurred_at,channel,queue,topic,urgency,citizen_id,outcome,deadline";

const TOPICS: [(&str, &str, f64); 6] = [
    ("tari", "tributi", 0.25),
    ("anagrafe", "anagrafe", 0.25),
    ("servizi_sociali", "sociale", 0.15),
    ("mobilita", "urp", 0.15),
    ("edilizia", "tecnico", 0.1),
    ("scuola", "istruzione", 0.1),
];
const CHANNELS: [(&str, f64); 5] = [
    ("phone", 0.8),
    ("web", 0.55),
    ("email", 0.6),
    ("counter", 0.9),
    ("app", 0.6),
];

/// One synthetic event.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticEvent {
    /// When (UTC).
    pub at: NaiveDateTime,
    /// Channel.
    pub channel: &'static str,
    /// Queue.
    pub queue: &'static str,
    /// Topic.
    pub topic: &'static str,
    /// Urgency.
    pub urgency: &'static str,
    /// The citizen's (clear) id, `CIT000042`.
    pub citizen: String,
    /// Outcome.
    pub outcome: &'static str,
    /// A deadline's date (notices).
    pub deadline: Option<NaiveDate>,
}

struct Sim<'a> {
    rng: fastrand::Rng,
    out: &'a mut Vec<SyntheticEvent>,
    citizen: String,
    start: NaiveDate,
    end: NaiveDate,
}

fn at(day: NaiveDate, rng: &mut fastrand::Rng) -> NaiveDateTime {
    day.and_time(
        NaiveTime::from_hms_opt(7 + rng.u32(0..11), rng.u32(0..60), rng.u32(0..60))
            .unwrap_or_default(),
    )
}

impl Sim<'_> {
    fn push(
        &mut self,
        day: NaiveDate,
        channel: &'static str,
        t: usize,
        outcome: &'static str,
        deadline: Option<NaiveDate>,
    ) {
        let urgency = match self.rng.f64() {
            u if u < 0.02 => "critical",
            u if u < if TOPICS[t].0 == "servizi_sociali" {
                0.25
            } else {
                0.08
            } =>
            {
                "high"
            }
            _ => "normal",
        };
        let at = at(day, &mut self.rng);
        self.out.push(SyntheticEvent {
            at,
            channel,
            queue: TOPICS[t].1,
            topic: TOPICS[t].0,
            urgency,
            citizen: self.citizen.clone(),
            outcome,
            deadline,
        });
    }

    /// One issue: a first contact and the returns while it stays unresolved.
    fn issue(&mut self, mut day: NaiveDate, t: usize, mut channel: usize) {
        let mut attempt = 0;
        while day <= self.end {
            let resolves = CHANNELS[channel].1 + 0.1 * f64::from(attempt);
            let resolved = self.rng.f64() < resolves;
            let outcome = match (resolved, attempt) {
                (true, _) => "resolved",
                (false, 0) => ["open", "pending", "abandoned"][self.rng.usize(0..3)],
                (false, 1) => "reopened",
                (false, _) => "escalated",
            };
            self.push(day, CHANNELS[channel].0, t, outcome, None);
            if resolved || self.rng.f64() > 0.75 {
                return;
            }
            if attempt >= 1 && self.rng.f64() < 0.25 {
                let d = day + Duration::days(1 + self.rng.i64(0..10));
                if d <= self.end {
                    let at = at(d, &mut self.rng);
                    self.out.push(SyntheticEvent {
                        at,
                        channel: "email",
                        queue: "urp",
                        topic: "reclamo",
                        urgency: "normal",
                        citizen: self.citizen.clone(),
                        outcome: "open",
                        deadline: None,
                    });
                }
                return;
            }
            attempt += 1;
            day += Duration::days(1 + (-(7.0 * self.rng.f64().max(1e-9).ln())) as i64);
            if self.rng.f64() < 0.5 {
                channel = if channel == 0 {
                    1 + self.rng.usize(0..4)
                } else {
                    0
                };
            }
        }
    }

    fn pick_topic(&mut self) -> usize {
        let mut u = self.rng.f64();
        for (k, (_, _, w)) in TOPICS.iter().enumerate() {
            if u < *w {
                return k;
            }
            u -= w;
        }
        0
    }

    /// A deadline notice `before` days ahead, and perhaps contacts on `topic` before it.
    fn deadline(&mut self, due: NaiveDate, before: i64, t: usize, channel: usize, p_contact: f64) {
        let notice = due - Duration::days(before);
        if notice < self.start || notice > self.end {
            return;
        }
        self.push(notice, "pec", t, "deadline", Some(due));
        if self.rng.f64() < p_contact {
            let day = notice + Duration::days(self.rng.i64(1..before));
            self.issue(day, t, channel);
        }
    }
}

/// `citizens` synthetic histories over the 365 days up to `end`, ordered by time.
pub fn generate(citizens: usize, seed: u64, end: NaiveDate) -> Vec<SyntheticEvent> {
    let mut out = Vec::new();
    let start = end - Duration::days(364);
    for c in 0..citizens {
        let mut sim = Sim {
            rng: fastrand::Rng::with_seed(seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            out: &mut out,
            citizen: format!("CIT{c:06}"),
            start,
            end,
        };
        // Issues per day: most citizens a couple a year, a few one a fortnight.
        let rate =
            0.004 * (2.5 * sim.rng.f64()).exp() * if sim.rng.f64() < 0.1 { 4.0 } else { 1.0 };
        let channel = sim.rng.usize(0..CHANNELS.len());
        let pays_tari = sim.rng.f64() < 0.6;
        for year in [start.year(), end.year()] {
            for (m, d) in [(6, 16), (12, 16)] {
                if let (Some(due), true) = (NaiveDate::from_ymd_opt(year, m, d), pays_tari) {
                    sim.deadline(due, 30, 0, channel, 0.2);
                }
            }
        }
        if sim.rng.f64() < 0.1 {
            let due = start + Duration::days(sim.rng.i64(60..420));
            sim.deadline(due, 60, 1, channel, 0.6);
        }
        let mut day = start;
        while day <= end {
            if sim.rng.f64() < rate {
                let t = sim.pick_topic();
                sim.issue(day, t, channel);
            }
            day += Duration::days(1);
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.citizen.cmp(&b.citizen)));
    out
}

/// Writes `events` as CSV with [`HEADER`]; ids are `e1`, `e2`… in time order.
pub fn write_csv(events: &[SyntheticEvent], mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "{HEADER}")?;
    for (i, e) in events.iter().enumerate() {
        writeln!(
            w,
            "e{},{}Z,{},{},{},{},{},{},{}",
            i + 1,
            e.at.format("%Y-%m-%dT%H:%M:%S"),
            e.channel,
            e.queue,
            e.topic,
            e.urgency,
            e.citizen,
            e.outcome,
            e.deadline.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    Ok(())
}

/// Each citizen's events as a [`History`] (the clear id as the key, as in no store), in id order.
pub fn histories(events: &[SyntheticEvent]) -> Vec<(String, History)> {
    let mut by: BTreeMap<&str, Vec<HistoryEvent>> = BTreeMap::new();
    for e in events {
        let mut attributes = BTreeMap::new();
        if let Some(d) = e.deadline {
            attributes.insert(DEADLINE_ATTRIBUTE.to_string(), d.to_string());
        }
        by.entry(e.citizen.as_str())
            .or_default()
            .push(HistoryEvent {
                occurred_at: e.at.and_utc(),
                channel: e.channel.into(),
                queue: Some(e.queue.into()),
                topic: Some(e.topic.into()),
                urgency: Some(e.urgency.into()),
                outcome: Some(e.outcome.into()),
                attributes,
            });
    }
    by.into_iter()
        .map(|(c, ev)| (c.to_string(), History::new(ev)))
        .collect()
}

/// A training table from synthetic histories, without a store: features as of `as_of`, `label`
/// in the 30 days after (what `train outreach --from-store` computes after an import). For
/// tests, examples and benches.
pub fn table(
    histories: &[(String, History)],
    as_of: DateTime<Utc>,
    label: OutreachLabel,
    spec: &FeatureSpec,
) -> Table {
    let mut t = Table {
        defs: spec.definitions(),
        rows: Vec::new(),
        labels: Vec::new(),
        ids: Vec::new(),
        source: format!("synthetic histories as of {}", as_of.to_rfc3339()),
        sha256: String::new(),
        notes: Vec::new(),
    };
    for (id, h) in histories {
        if !h.events.iter().any(|e| e.occurred_at <= as_of) {
            continue;
        }
        t.rows.push(features(h, as_of, spec));
        t.labels.push(label.happens(h, as_of));
        t.ids.push(id.clone());
    }
    t.sha256 = crate::digest::sha256_hex(t.ids.join(","));
    t
}

/// A labelled feature table of `rows` citizens as CSV, for the ONNX export's tests and bench:
/// `id`, `age` (10 % blank), `income` (10 % `na`), `plan` (`basic`, `plus`, `pro` or blank),
/// `channel` (`web`, `phone`, `desk`) and the label `repeat` (`yes`/`no`) drawn from a logistic
/// of them (older, poorer, `pro` and `phone` repeat more). Deterministic.
pub fn feature_table_csv(rows: usize) -> String {
    use std::fmt::Write as _;
    // xorshift64: a fixed stream, the same on every platform.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut s = String::from("id,age,income,plan,channel,repeat\n");
    for i in 0..rows {
        let age = 18.0 + (next() * 70.0).floor();
        let income = 500.0 + next() * 4500.0;
        let plan = ["basic", "plus", "pro", ""][(next() * 4.0) as usize % 4];
        let channel = ["web", "phone", "desk"][(next() * 3.0) as usize % 3];
        let z = 0.04 * age - 2.0 - 0.0003 * income
            + if plan == "pro" { 1.2 } else { 0.0 }
            + if channel == "phone" { 1.0 } else { 0.0 };
        let y = if next() < 1.0 / (1.0 + (-z).exp()) {
            "yes"
        } else {
            "no"
        };
        let age = if next() < 0.1 {
            String::new()
        } else {
            age.to_string()
        };
        let income = if next() < 0.1 {
            "na".to_string()
        } else {
            format!("{income:.2}")
        };
        let _ = writeln!(s, "{i},{age},{income},{plan},{channel},{y}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_deterministic_and_has_repeats_notices_and_complaints() {
        let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let a = generate(300, 7, end);
        assert_eq!(a, generate(300, 7, end));
        assert_ne!(a, generate(300, 8, end));
        let count = |f: &dyn Fn(&SyntheticEvent) -> bool| a.iter().filter(|e| f(e)).count();
        assert!(count(&|e| e.outcome == "reopened") > 20);
        assert!(count(&|e| e.outcome == "deadline" && e.deadline.is_some()) > 100);
        assert!(count(&|e| e.topic == "reclamo") > 3);
        assert!(a.iter().all(|e| e.at.date() <= end));
    }

    #[test]
    fn the_feature_table_has_both_classes_and_missing_values() {
        let csv = feature_table_csv(400);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "id,age,income,plan,channel,repeat");
        assert_eq!(lines.len(), 401);
        let yes = lines.iter().filter(|l| l.ends_with(",yes")).count();
        assert!((40..360).contains(&yes), "{yes} positives of 400");
        assert!(lines.iter().any(|l| l.contains(",na,")));
        assert!(lines.iter().any(|l| l.split(',').nth(1) == Some("")));
        assert_eq!(csv, feature_table_csv(400), "deterministic");
    }
}
