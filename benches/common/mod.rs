//! The criterion configuration shared by the benches of `route.rs` and `store.rs`: fifty samples
//! over three seconds, as in `classify.rs`, so that their figures are taken the same way.

use criterion::Criterion;
use std::time::Duration;

/// Fifty samples, three seconds of measurement after one of warm-up.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}
