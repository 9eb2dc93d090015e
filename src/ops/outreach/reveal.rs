//! Whom a flag is about: the reference the administration sent with the citizen's events
//! (`citizen_id`), kept sealed under a key apart from the database ([`crate::seal`]) and opened
//! for a case worker ([`reveal`]), each reveal written to the access log with its reason before
//! the answer. The store stays pseudonymised (GDPR art. 4(5)): the database alone names nobody.

use crate::ops::actor::Actor;
use crate::ops::decode::Input;
use crate::ops::error::{OpError, quote};
use crate::ops::service::Service;
use crate::outreach::flags::ADVISORY_NOTE;
use crate::store::outreach as rec;
use serde::{Deserialize, Serialize};

/// Longest reason given for a reveal.
pub const MAX_REASON_CHARS: usize = 500;

/// A case worker asking whom a flag is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// The citizen's pseudonym, as a flag carries it (64 hex digits).
    pub citizen: String,
    /// Why (at most 500 characters), kept in the access log redacted of personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Input for RevealRequest {
    const REQUIRED: &'static [&'static str] = &["citizen"];
}

/// The reference, as the administration sent it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevealOut {
    /// The pseudonym asked about.
    pub citizen: String,
    /// The citizen's identifier as the administration's systems sent it with an event (the first
    /// one kept).
    pub citizen_id: String,
    /// "advice for a case worker; a person decides": the flag behind this is advice.
    pub note: String,
}

/// Opens the reference kept for `req.citizen`. Refused for a citizen who opted out (nobody is to
/// contact them), and `no_reference` when none is kept (sent without `citizen_id`, pruned with the
/// citizen's last event, or `store.keep_references = false`). The access log records who, when,
/// and the reason before the reference is answered.
pub async fn reveal(
    svc: &Service,
    req: RevealRequest,
    actor: &Actor,
) -> Result<RevealOut, OpError> {
    let citizen = req.citizen.trim().to_ascii_lowercase();
    if citizen.len() != 64 || !citizen.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpError::invalid(
            "`citizen` must be a pseudonym as flags carry it: 64 hex digits",
        ));
    }
    if req
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(OpError::invalid(format!(
            "`reason` is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    let Some(seal) = svc.references.clone() else {
        return Err(OpError::NoReference {
            why: "citizens' references are not kept here (store.keep_references = false)".into(),
        });
    };
    let c = citizen.clone();
    if svc.read(move |p| rec::is_opted_out(p, &c)).await? {
        return Err(OpError::OptedOut);
    }
    let c = citizen.clone();
    let Some(sealed) = svc.read(move |p| rec::citizen_reference(p, &c)).await? else {
        return Err(OpError::NoReference {
            why: "none is kept for this citizen: their events came without `citizen_id`, \
                  before references were kept, or were pruned"
                .into(),
        });
    };
    let citizen_id = seal.open(&citizen, &sealed).map_err(|e| {
        // The key file was replaced or the row altered: the operator's to fix, not the caller's.
        OpError::internal(format!("a stored citizen reference: {e}"))
    })?;
    let reason = crate::text::keep_note(req.reason.as_deref())
        .map(|r| format!("reason: {}", quote(&r, MAX_REASON_CHARS)));
    svc.record_access(actor, "outreach.reveal", 1, reason)
        .await?;
    Ok(RevealOut {
        citizen,
        citizen_id,
        note: ADVISORY_NOTE.into(),
    })
}
