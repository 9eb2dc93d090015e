//! Black-box tests of classification: the shipped bundle, training round trips, artefact checks,
//! the command line and the public datasets (ignored, with the reason, when `../shared/data` is absent).

mod artefacts;
mod bundle;
mod cli;
mod helpers;
mod shared_data;
mod signals;
