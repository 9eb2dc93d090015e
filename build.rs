//! Sets `cfg(shared_data)` when the public datasets are present in `../shared/data`, so that the
//! tests that read them are marked ignored (with the reason) where the data is absent, instead of
//! passing without checking anything. CI has the data, so there they run.
//!
//! What it watches decides when it runs again, and so when the crate rebuilds. A missing path
//! would count as changed on every build, so it never watches one: the data folder when it
//! exists, else `../shared` (where the data would appear) when that exists, else only this file
//! (then, after adding `../shared/data`, `touch build.rs` once).

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let shared = Path::new(&root).join("../shared");
    if shared.join("data").is_dir() {
        println!("cargo::rerun-if-changed=../shared/data");
        println!("cargo::rustc-cfg=shared_data");
    } else if shared.is_dir() {
        println!("cargo::rerun-if-changed=../shared");
    } else {
        println!("cargo::rerun-if-changed=build.rs");
    }
}
