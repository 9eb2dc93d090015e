//! Staffing speed: the search for the fewest agents meeting 80 % in 20 s, Erlang C and Erlang A,
//! for the small reference (100 contacts in 30 minutes, AHT 180 s) and its large one
//! (5000 contacts, AHT 300 s, 833 erlangs), with a mean patience of 180 s for Erlang A. What
//! `POST /v1/staffing` and a forecast's per-interval staffing pay.
//!
//! `cargo bench --bench staffing`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use instrada::forecast::staffing::StaffingParams;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("staffing_80_in_20s");
    for (contacts, aht) in [(100.0, 180.0), (5000.0, 300.0)] {
        let erlang_c = StaffingParams::new(aht, 0.8, 20.0).check().expect("valid");
        let erlang_a = StaffingParams::new(aht, 0.8, 20.0)
            .patience(Some(180.0))
            .check()
            .expect("valid");
        g.bench_function(format!("erlang_c_{contacts}_contacts"), |b| {
            b.iter(|| erlang_c.solve(black_box(contacts), 1800.0))
        });
        g.bench_function(format!("erlang_a_{contacts}_contacts"), |b| {
            b.iter(|| erlang_a.solve(black_box(contacts), 1800.0))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
