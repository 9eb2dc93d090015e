//! Black-box tests of the HTTP service, in one binary (zero-to-production style): a real server on
//! 127.0.0.1:0 per test with its own temporary database, over a tiny model bundle trained once at
//! start from a handful of Italian requests (see `helpers`). `router` has the few tests that are
//! simpler without a socket.

mod access;
mod cli_import;
mod cli_route;
mod contract;
mod crash;
mod edges;
mod errors;
mod events;
mod faults;
mod feedback;
mod forecast;
mod helpers;
mod openapi;
mod ops;
mod outreach;
mod overload;
mod process;
mod reload;
mod replicas;
mod route;
mod router;
mod safety;
mod shutdown;
mod staffing;
