//! [`Actor`]: who asks for an operation. The identity comes from the edge that authenticated the
//! caller — an API key's name, or the operating-system user of a command — never from a field of
//! the request, and it is recorded with what the operation changes (feedback, reviews, opt-outs,
//! refits) and in the access log.

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// An API key's name.
    pub fn key(name: &str) -> Self {
        Self(name.to_string())
    }

    /// A caller of a service running with `server.auth = "off"` (loopback only).
    pub fn anonymous() -> Self {
        Self("anonymous".into())
    }

    /// Whoever runs a command on this machine: `cli:USER`.
    pub fn local() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Self(format!("cli:{user}"))
    }

    /// The service itself, on a schedule.
    pub fn schedule() -> Self {
        Self("schedule".into())
    }

    /// The name recorded.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
