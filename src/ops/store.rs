//! The store's upkeep: pruning what is past its retention ([`prune`]: `instrada store prune`,
//! `POST /v1/store/prune`, and `serve` on the `store.prune` schedule) and what the store holds
//! ([`stats`]: `instrada store stats`, `GET /v1/store/stats`).
//!
//! The rule — which kinds, which cutoff, in which order, what a text's pruning also forgets —
//! lives here once; the store deletes in chunks ([`crate::store::Store::prune`]).

use super::error::OpError;
use super::service::Service;
use crate::store::{Kind, PruneOptions, Usage, disk_usage, prunable};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Admin;

/// What a prune did (or, dry, would do) to one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindPruned {
    /// `decisions`, `texts`, `events`, `feedback`, `outreach`, `reviews`, `access_log`.
    pub kind: String,
    /// Its retention as configured (`400d`, or `off`).
    pub keep: String,
    /// Records older than this were pruned; absent when the kind is kept forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<DateTime<Utc>>,
    /// Records deleted (texts: cleared), or that would be with `dry_run`.
    pub rows: u64,
    /// Transactions it took (0 when dry or kept forever).
    pub chunks: u64,
    /// The longest of them, in milliseconds.
    pub longest_chunk_ms: f64,
}

/// What a prune did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PruneReport {
    /// Whether it only counted.
    pub dry_run: bool,
    /// The time the cutoffs count back from.
    pub at: DateTime<Utc>,
    /// One entry per kind, in the order they were pruned.
    pub kinds: Vec<KindPruned>,
    /// How long the whole prune took, in seconds.
    pub seconds: f64,
}

/// Prunes every kind of record older than its `store.retention` at `now`, in chunks (or, with
/// `dry_run`, counts what would go). Texts go first, with the words the decisions' reasons quote
/// from them; then feedback, decisions (with their feedback), events, reviews, outreach scores
/// (those with no review left) and the access log. Opt-outs are never pruned.
pub async fn prune(
    svc: &Service,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<PruneReport, OpError> {
    let started = Instant::now();
    let retention = svc.settings.store.retention;
    let opts = PruneOptions {
        forget_words: Some(crate::route::forget_words),
        ..PruneOptions::default()
    };
    let mut kinds = Vec::with_capacity(Kind::ALL.len());
    for kind in Kind::ALL {
        let keep = retention.of(kind);
        let before = keep.cutoff(now);
        let mut out = KindPruned {
            kind: kind.as_str().to_string(),
            keep: keep.to_string(),
            before,
            rows: 0,
            chunks: 0,
            longest_chunk_ms: 0.0,
        };
        if let Some(before) = before {
            if dry_run {
                out.rows = svc.read(move |path| prunable(path, kind, before)).await?;
            } else {
                // Pruned events may take citizens' references with them: the references of
                // events posted meanwhile and after are sent again (the store keeps one).
                if kind == Kind::Events {
                    svc.known_references.forget_all();
                }
                let done = svc
                    .store
                    .prune(kind, before, &opts)
                    .await
                    .map_err(|e| svc.unavailable(e))?;
                if kind == Kind::Events {
                    svc.known_references.forget_all();
                }
                out.rows = done.rows;
                out.chunks = done.chunks;
                out.longest_chunk_ms = done.longest_chunk.as_secs_f64() * 1e3;
            }
        }
        kinds.push(out);
    }
    let report = PruneReport {
        dry_run,
        at: now,
        kinds,
        seconds: started.elapsed().as_secs_f64(),
    };
    if !dry_run {
        tracing::info!(
            rows = report.kinds.iter().map(|k| k.rows).sum::<u64>(),
            seconds = report.seconds,
            "store pruned to its retention"
        );
    }
    Ok(report)
}

/// Rows and bytes per table, the kept texts, the file (its own read connection).
pub async fn stats(svc: &Service) -> Result<Usage, OpError> {
    svc.read(|at| disk_usage(at)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::store::{Keep, Retention};

    fn service(dir: &tempfile::TempDir, retention: Retention) -> Service {
        let mut settings = Settings::from_layers(
            crate::config::EMBEDDED,
            &crate::config::Source::Embedded,
            &[],
            &[],
        )
        .unwrap();
        settings.store.path = dir.path().join("a.db");
        settings.store.pseudonym_key = dir.path().join("k");
        settings.store.retention = retention;
        Service::open(settings).unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_prune_counts_first_then_deletes_by_each_kinds_retention() {
        let dir = tempfile::tempdir().unwrap();
        let retention = Retention {
            decisions: Keep::days(10),
            texts: Keep::days(1),
            ..Retention::forever()
        };
        let svc = service(&dir, retention);
        let now = Utc::now();
        let decision = |days: i64, text: &str| crate::store::DecisionRecord {
            decision_id: uuid::Uuid::now_v7(),
            created_at: now - chrono::Duration::days(days),
            request_id: None,
            channel: "web".into(),
            language: "it".into(),
            text_sha256: "0".repeat(64),
            text: Some(text.into()),
            topic: "tributi".into(),
            topic_confidence: 0.9,
            urgency: "normal".into(),
            urgency_confidence: 0.9,
            urgency_signals: Vec::new(),
            queue: "tributi".into(),
            priority: 3,
            needs_human_review: false,
            review_reason: None,
            topic_model: "t".into(),
            urgency_model: "u".into(),
            timing_us: 1,
            decision_json: "{}".into(),
        };
        svc.store
            .record_all(vec![
                decision(20, "old"),
                decision(5, "week"),
                decision(0, "today"),
            ])
            .await
            .unwrap();
        let dry = prune(&svc, now, true).await.unwrap();
        let rows =
            |r: &PruneReport, kind: &str| r.kinds.iter().find(|k| k.kind == kind).unwrap().rows;
        assert_eq!((rows(&dry, "decisions"), rows(&dry, "texts")), (1, 2));
        assert_eq!(svc.store.counts().await.unwrap().decisions, 3, "dry");
        let done = prune(&svc, now, false).await.unwrap();
        assert_eq!((rows(&done, "decisions"), rows(&done, "texts")), (1, 2));
        let events = done.kinds.iter().find(|k| k.kind == "events").unwrap();
        assert_eq!((events.keep.as_str(), events.before), ("off", None));
        let usage = stats(&svc).await.unwrap();
        assert_eq!(usage.table("decisions").unwrap().rows, 2);
        assert_eq!(usage.texts, 1, "today's text only");
        svc.store.close().await.unwrap();
    }
}
