//! The operations every edge calls: one function per thing a user can do, below any transport.
//! `api/` (HTTP), `cli/` (the command line) and the console to come translate their input into
//! one call of these and the answer back; none of them holds a rule a user could observe that
//! another lacks, so the same input gets the same answer and the same message whichever edge it
//! came through.
//!
//! | operation | function |
//! |---|---|
//! | route one request, a batch (all or nothing), a rehearsal (`instrada route`) | [`route::route_one`], [`route::route_batch`], [`route::rehearse`] |
//! | record a correction of a decision | [`feedback::record`] |
//! | ingest contact events: a JSON array, NDJSON, CSV rows | [`events::ingest`], [`events::import_csv`] |
//! | staff one interval (what-if) | [`staffing::solve`] |
//! | outreach: list, score, review, opt-out, report | [`outreach`] |
//! | read a forecast | [`forecast::view`] |
//! | API keys: create, list, revoke | [`keys`] |
//! | reload the models, roll them back | [`models::reload`], [`models::rollback`] |
//! | the access log of personal data: record, read | [`Service::record_access`], [`audit::access`] |
//! | prune the store to its retention; rows and bytes per table | [`store::prune`], [`store::stats`] |
//!
//! The forecast refit and the outreach scoring run are jobs ([`crate::jobs`]): they hold a lock,
//! run on a blocking thread and have a schedule.
//!
//! Each operation takes the [`Service`] (settings, store, pseudonymiser), the models it needs
//! (a [`crate::route::Router`], an outreach model) and, when it records who did it, the
//! [`Actor`] the edge authenticated; it fails with an [`OpError`] whose `code` is
//! the same at every edge. The inputs are serde shapes ([`decode`] reads JSON with messages in the
//! caller's terms); their OpenAPI description lives at the HTTP edge. This module imports no
//! edge, nothing of HTTP and nothing of the command line.

mod actor;
pub mod audit;
pub mod decode;
mod error;
pub mod events;
pub mod feedback;
pub mod fields;
pub mod forecast;
pub mod keys;
pub mod models;
pub mod outreach;
pub mod references;
pub mod route;
mod service;
pub mod staffing;
pub mod store;

pub use actor::Actor;
pub use error::OpError;
pub use service::{OpenError, Parts, Service};
