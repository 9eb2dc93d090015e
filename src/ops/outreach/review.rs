//! The human side of outreach: a case worker's decision on a flag ([`review`]: who, when, the note
//! redacted), a citizen's opt-out ([`optout`]: never scored again) and the fairness report
//! ([`report`]: flag rates and review outcomes by group, so that a reviewer can spot unequal
//! treatment).

use super::{ModelSlot, version};
use crate::ops::actor::Actor;
use crate::ops::decode::Input;
use crate::ops::error::{OpError, quote};
use crate::ops::service::Service;
use crate::outreach::flags::{self, ADVISORY_NOTE};
use crate::store::outreach::{self as rec, OptOutRecord, ReviewRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest reviewer name.
pub const MAX_REVIEWER_CHARS: usize = 128;
/// Longest review note and opt-out reason.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// A case worker's decision on a flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `contacted`, `dismissed` or `not_needed`.
    pub status: String,
    /// The case worker's name or staff id as they give it (at most 128 characters): a note; who
    /// recorded the review is the caller's identity (its API key), whatever this says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// Why (at most 2000 characters); kept redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Input for ReviewRequest {
    const REQUIRED: &'static [&'static str] = &["status"];
}

/// A review as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewOut {
    /// Always true: the flag was advice; this is the person's decision.
    pub advisory: bool,
    /// The flag.
    pub flag_id: Uuid,
    /// The decision.
    pub status: String,
    /// The case worker as they named themselves, else who recorded it.
    pub reviewer: String,
    /// Who recorded it: the API key's name (or `cli:USER`).
    pub recorded_by: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// The note as stored (redacted).
    pub note: Option<String>,
}

fn check_review(req: &ReviewRequest) -> Result<(), OpError> {
    if !rec::REVIEW_STATUSES.contains(&req.status.as_str()) {
        return Err(OpError::invalid(format!(
            "`status` must be one of {}, not `{}`",
            rec::REVIEW_STATUSES.join(", "),
            quote(&req.status, 40)
        )));
    }
    if let Some(sent) = req.reviewer.as_deref()
        && let reviewer = sent.trim()
        && (reviewer.is_empty()
            || sent.chars().count() > MAX_REVIEWER_CHARS
            || reviewer.chars().any(char::is_control))
    {
        return Err(OpError::invalid(format!(
            "`reviewer` must be 1 to {MAX_REVIEWER_CHARS} characters, without control characters"
        )));
    }
    if req
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(OpError::invalid(format!(
            "`note` is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(())
}

/// Records a case worker's decision on the flag `flag_id` (a UUID, as text): who, when, and a
/// note redacted of personal data. A dismissed or settled flag stays out of the list until new
/// evidence arrives.
pub async fn review(
    svc: &Service,
    flag_id: &str,
    req: ReviewRequest,
    actor: &Actor,
) -> Result<ReviewOut, OpError> {
    let flag_id = Uuid::parse_str(flag_id.trim())
        .map_err(|_| OpError::invalid("the flag id is not a UUID"))?;
    check_review(&req)?;
    let record = ReviewRecord {
        flag_id,
        reviewer: req
            .reviewer
            .as_deref()
            .map_or_else(|| actor.as_str().to_string(), |r| r.trim().to_string()),
        recorded_by: actor.as_str().to_string(),
        reviewed_at: Utc::now(),
        status: req.status,
        note: crate::text::keep_note(req.note.as_deref()),
    };
    let found = svc
        .store
        .review_flag(record.clone())
        .await
        .map_err(|e| svc.unavailable(e))?;
    if !found {
        return Err(OpError::UnknownFlag { flag_id });
    }
    svc.record_access(actor, "outreach.review", 1, Some(format!("flag {flag_id}")))
        .await?;
    tracing::info!(%flag_id, status = %record.status, by = %actor, "outreach flag reviewed");
    Ok(ReviewOut {
        advisory: true,
        flag_id,
        status: record.status,
        reviewer: record.reviewer,
        recorded_by: record.recorded_by,
        reviewed_at: record.reviewed_at,
        note: record.note,
    })
}

/// A citizen who no longer wants to be scored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptOutRequest {
    /// The citizen's identifier, as in events (pseudonymised, never stored as sent).
    pub citizen_id: String,
    /// Why, if they said (kept redacted, at most 2000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Input for OptOutRequest {
    const REQUIRED: &'static [&'static str] = &["citizen_id"];
}

/// An opt-out as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptOutAck {
    /// Always true: the citizen is never scored from now on, nor listed.
    pub opted_out: bool,
    /// False when they had already opted out.
    pub new: bool,
}

/// Excludes a citizen from outreach: never scored again, never listed.
pub async fn optout(
    svc: &Service,
    req: OptOutRequest,
    actor: &Actor,
) -> Result<OptOutAck, OpError> {
    if req.citizen_id.trim().is_empty() {
        return Err(OpError::invalid("`citizen_id` is empty"));
    }
    let citizen = svc.pseudonyms.pseudonym(&req.citizen_id);
    let reason = crate::text::keep_note(req.reason.as_deref()).map(|r| quote(&r, MAX_NOTE_CHARS));
    let new = svc
        .store
        .opt_out(OptOutRecord {
            citizen,
            at: Utc::now(),
            reason,
            recorded_by: actor.as_str().to_string(),
        })
        .await
        .map_err(|e| svc.unavailable(e))?;
    svc.record_access(actor, "outreach.optout", 1, None).await?;
    Ok(OptOutAck {
        opted_out: true,
        new,
    })
}

/// The fairness report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportOut {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The model serving now.
    pub model_version: Option<String>,
    /// Per channel, language and configured attribute.
    pub groups: Vec<flags::GroupStats>,
}

/// Flag rates and review outcomes by channel, language and `[outreach] fairness_attributes`.
pub async fn report(svc: &Service, model: &ModelSlot, actor: &Actor) -> Result<ReportOut, OpError> {
    let (scores, reviewed) = svc.read(|at| rec::report_rows(at)).await?;
    // Aggregates only, but over every scored citizen: recorded as their number.
    svc.record_access(actor, "outreach.report", scores.len(), None)
        .await?;
    let groups = flags::report(
        &scores,
        &reviewed,
        &svc.settings.outreach.fairness_attributes,
    );
    Ok(ReportOut {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        model_version: version(model),
        groups,
    })
}
