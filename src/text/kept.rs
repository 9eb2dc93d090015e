//! What is kept of free text: the one place that decides when redaction applies.
//!
//! - A citizen's request text is kept as `store.text` says ([`StoredText`]): not at all (only its
//!   SHA-256, the default), redacted, or as received; where it is not kept, neither are words
//!   quoted from it (a decision's evidence, see [`StoredText::keeps_words`]).
//! - A note written by a person about a citizen or a decision — a feedback note, a case worker's
//!   review note, a citizen's opt-out reason — is always kept redacted ([`keep_note`]), whatever
//!   `store.text` says: it is not training data, and whoever reads the audit trail later needs
//!   what was decided, not the citizen's phone number.

use serde::{Deserialize, Serialize};

/// What of a request's text goes into the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredText {
    /// Only the text's SHA-256 (the default): nothing to train on, nothing personal kept.
    #[default]
    None,
    /// The text with e-mail addresses, phone numbers, IBANs and codici fiscali replaced.
    Redacted,
    /// The text as received.
    Raw,
}

impl StoredText {
    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Redacted => "redacted",
            Self::Raw => "raw",
        }
    }

    /// What the audit trail keeps of a request's `text`.
    pub fn keep_text(self, text: &str) -> Option<String> {
        match self {
            Self::None => None,
            Self::Redacted => Some(super::redact(text).into_owned()),
            Self::Raw => Some(text.to_string()),
        }
    }

    /// Whether words quoted from a request's text may be kept with it (not where the text is not).
    pub fn keeps_words(self) -> bool {
        self != Self::None
    }
}

/// What is kept of a note written by a person: nothing when it is blank, else the note redacted of
/// personal data (always, whatever `store.text` says).
pub fn keep_note(note: Option<&str>) -> Option<String> {
    note.filter(|n| !n.trim().is_empty())
        .map(|n| super::redact(n).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_texts_follow_the_setting_and_notes_are_always_redacted() {
        let text = "chiamare Mario Rossi al 333 1234567";
        assert_eq!(StoredText::None.keep_text(text), None);
        assert_eq!(StoredText::Raw.keep_text(text).as_deref(), Some(text));
        let redacted = StoredText::Redacted.keep_text(text).unwrap();
        assert!(
            redacted.contains("[PHONE]") && !redacted.contains("333"),
            "{redacted}"
        );
        assert!(!StoredText::None.keeps_words());
        assert!(StoredText::Redacted.keeps_words() && StoredText::Raw.keeps_words());
        let note = keep_note(Some(text)).unwrap();
        assert!(
            note.contains("[PHONE]") && !note.contains("1234567"),
            "{note}"
        );
        assert_eq!(keep_note(Some("  ")), None);
        assert_eq!(keep_note(None), None);
    }
}
