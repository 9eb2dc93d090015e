//! [`OpError`]: why an operation refused or failed, the same whichever edge asked. Each variant
//! has a stable snake_case [`code`](OpError::code) (`empty_text`, `unknown_flag`…) that the HTTP
//! answer, `instrada route`'s refused lines and the console all show; the edges only add how
//! they carry it (a status, a line on standard error).
//!
//! A message may quote the caller's input (a field, a value cut to a few dozen characters), never
//! a stored citizen's identifier; `StoreUnavailable` and `Internal` keep their cause apart, for
//! the log only.

use uuid::Uuid;

/// Everything an operation can fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    /// The input is not JSON.
    #[error("the body is not valid JSON: {detail}")]
    MalformedJson {
        /// The parser's message.
        detail: String,
    },
    /// The input does not have the expected shape or a value is out of range.
    #[error("{detail}")]
    Invalid {
        /// What is wrong, naming the field.
        detail: String,
    },
    /// The request text is empty or blank.
    #[error("{field} is empty: there is nothing to classify")]
    EmptyText {
        /// The field, e.g. `text` or `requests[3].text`.
        field: String,
    },
    /// The channel is not one the service knows.
    #[error(
        "{field}: unknown channel `{channel}` (expected one of phone, email, pec, web, chat, app, social, counter)"
    )]
    UnknownChannel {
        /// The field.
        field: String,
        /// The channel as sent (cut to 40 characters).
        channel: String,
    },
    /// One input is larger than the configured limit.
    #[error("the request body is larger than the limit of this endpoint ({limit})")]
    TooLarge {
        /// The limit, as text.
        limit: String,
    },
    /// More requests in a batch than `server.max_batch` (or events than a call takes).
    #[error("the batch has {count} requests, more than the maximum of {max}")]
    BatchTooLarge {
        /// Items sent.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A batch with no requests.
    #[error("the batch has no requests")]
    EmptyBatch,
    /// Feedback names a decision the store does not have.
    #[error("no decision {decision_id}")]
    UnknownDecision {
        /// The id sent.
        decision_id: Uuid,
    },
    /// A forecast series that `[forecast]` does not define.
    #[error("no series `{name}` (the series are {known})")]
    UnknownSeries {
        /// The name asked for (cut to 80 characters).
        name: String,
        /// The series there are, comma-separated.
        known: String,
    },
    /// A review of an outreach flag the store does not have.
    #[error("no outreach flag {flag_id}")]
    UnknownFlag {
        /// The id sent.
        flag_id: Uuid,
    },
    /// `instrada keys revoke` of a key that is not live.
    #[error("no live key named `{name}`")]
    UnknownKey {
        /// The name given.
        name: String,
    },
    /// A new key's name is taken (by a live or a revoked key: names are never reused).
    #[error("a key named `{name}` exists (names are never reused, even once revoked)")]
    KeyExists {
        /// The name given.
        name: String,
    },
    /// The models in `models.dir` fail a check: the ones serving stay.
    #[error("the models were not reloaded (the ones serving stay): {problems}")]
    ModelsRefused {
        /// Every problem found, `; `-separated.
        problems: String,
    },
    /// A rollback with no previous models (none were swapped in since start).
    #[error("no previous models to roll back to: none were swapped in since the service started")]
    NothingToRollBack,
    /// No reference is kept for the citizen asked about.
    #[error("no reference for this citizen: {why}")]
    NoReference {
        /// Why none is kept.
        why: String,
    },
    /// A citizen who opted out of outreach: never scored.
    #[error("this citizen opted out of outreach and is never scored")]
    OptedOut,
    /// The store cannot take the write or answer the read (full queue past the wait, closed,
    /// failed).
    #[error("the decision store is unavailable: retry in {retry_after_secs} s")]
    StoreUnavailable {
        /// Seconds to wait (`server.retry_after_secs`).
        retry_after_secs: u64,
        /// The cause, logged and never shown.
        cause: String,
    },
    /// Not ready: no model of the kind, or no forecasts yet.
    #[error("the service is not ready: {reason}")]
    NotReady {
        /// Why.
        reason: String,
    },
    /// A bug, or a model that failed on its input. The cause is logged once and never shown.
    #[error("internal error")]
    Internal {
        /// The cause, logged and never shown.
        cause: String,
    },
}

impl OpError {
    /// The stable code of each error (the HTTP edge maps each to a status).
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson { .. } => "malformed_json",
            Self::Invalid { .. } => "invalid_request",
            Self::EmptyText { .. } => "empty_text",
            Self::UnknownChannel { .. } => "unknown_channel",
            Self::TooLarge { .. } => "body_too_large",
            Self::BatchTooLarge { .. } => "batch_too_large",
            Self::EmptyBatch => "empty_batch",
            Self::UnknownDecision { .. } => "unknown_decision",
            Self::UnknownSeries { .. } => "unknown_series",
            Self::UnknownFlag { .. } => "unknown_flag",
            Self::UnknownKey { .. } => "unknown_key",
            Self::KeyExists { .. } => "key_exists",
            Self::ModelsRefused { .. } => "models_refused",
            Self::NothingToRollBack => "nothing_to_roll_back",
            Self::NoReference { .. } => "no_reference",
            Self::OptedOut => "opted_out",
            Self::StoreUnavailable { .. } => "store_unavailable",
            Self::NotReady { .. } => "not_ready",
            Self::Internal { .. } => "internal",
        }
    }

    /// An invalid-input error.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Invalid {
            detail: detail.into(),
        }
    }

    /// An internal error (a bug, or a task that panicked).
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::Internal {
            cause: cause.into(),
        }
    }
}

/// `text` cut to `max` characters, for quoting the caller's input in a message.
pub(crate) fn quote(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
