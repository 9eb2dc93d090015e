//! The label of a request no model could name: shared by the classifiers (which answer it when
//! they abstain), the routing policy (which sends it to triage) and the store's export (which
//! leaves it out of training data). A leaf, so that the store need not import `classify`.

/// What a classifier answers when it abstains.
pub const UNKNOWN: &str = "unknown";
