//! The channel a request arrived through.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a citizen's request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A phone call (usually a transcript).
    Phone,
    /// Ordinary e-mail.
    Email,
    /// Posta Elettronica Certificata: certified e-mail with legal value.
    Pec,
    /// A web form.
    Web,
    /// A chat session.
    Chat,
    /// The municipality's app.
    App,
    /// Social media.
    Social,
    /// In person at a front desk.
    Counter,
}

impl Channel {
    /// Every channel, in a stable order.
    pub const ALL: [Channel; 8] = [
        Self::Phone,
        Self::Email,
        Self::Pec,
        Self::Web,
        Self::Chat,
        Self::App,
        Self::Social,
        Self::Counter,
    ];

    /// The lowercase name used in configs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Pec => "pec",
            Self::Web => "web",
            Self::Chat => "chat",
            Self::App => "app",
            Self::Social => "social",
            Self::Counter => "counter",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text named no known channel.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown channel `{0}` (expected one of phone, email, pec, web, chat, app, social, counter)"
)]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownChannel(s.to_string()))
    }
}
