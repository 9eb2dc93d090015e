//! Sets three cfgs that mark tests ignored (with the reason) where their prerequisite is absent,
//! instead of letting them pass without checking anything:
//!
//! - `cfg(shared_data)` when the public datasets are present in `../shared/data`. CI has them.
//! - `cfg(python_env)` when the Python environment of `training/python/setup.sh` is there: the
//!   venv's `bin/python`, and either `ORT_DYLIB_PATH` set or the venv's
//!   `onnxruntime/capi/libonnxruntime.so*` (where `src/onnxrt/runtime.rs` looks for the ONNX
//!   Runtime library); and always when `INSTRADA_REQUIRE_ONNX=1` or `INSTRADA_REQUIRE_PYTHON=1`
//!   (`.ci/run` sets the first). The tests it marks check the environment again when they run: once
//!   the cfg is set, a missing or broken one (a wrong `ORT_DYLIB_PATH`, a venv without the
//!   notebooks' packages) fails them, saying what to run.
//! - `cfg(postgres)` when a PostgreSQL server can be had for the store's tests: Debian's server
//!   binaries (`/usr/lib/postgresql/*/bin/initdb`, from which the tests start a throw-away cluster)
//!   or `INSTRADA_TEST_POSTGRES_URL` naming a running one; and always when
//!   `INSTRADA_REQUIRE_POSTGRES=1` (`.ci/run` sets it), so that a missing server fails them.
//!
//! What it watches decides when it runs again, and so when the crate rebuilds. A missing path
//! would count as changed on every build, so it never watches one:
//! - the data folder when it exists, else `../shared` (where the data would appear) when that
//!   exists, else only this file (then, after adding `../shared/data`, `touch build.rs` once);
//! - the venv's python, and its library when `ORT_DYLIB_PATH` is not set and the library is
//!   there, else the venv's `bin/` (pip writes the scripts of what it installs there, onnxruntime's
//!   included); `training/python` when there is no venv (setup.sh creates `.venv` in it); and the
//!   three variables.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    println!("cargo::rerun-if-changed=build.rs");
    shared_data(&root);
    python_env(&root);
    postgres();
}

fn postgres() {
    println!("cargo::rustc-check-cfg=cfg(postgres)");
    for v in ["INSTRADA_REQUIRE_POSTGRES", "INSTRADA_TEST_POSTGRES_URL"] {
        println!("cargo::rerun-if-env-changed={v}");
    }
    let set = |v: &str| std::env::var(v).is_ok_and(|x| !x.is_empty());
    let required = std::env::var("INSTRADA_REQUIRE_POSTGRES").as_deref() == Ok("1");
    let lib = Path::new("/usr/lib/postgresql");
    let installed = lib.is_dir() && {
        println!("cargo::rerun-if-changed={}", lib.display());
        std::fs::read_dir(lib)
            .into_iter()
            .flatten()
            .flatten()
            .any(|v| v.path().join("bin/initdb").is_file())
    };
    if required || installed || set("INSTRADA_TEST_POSTGRES_URL") {
        println!("cargo::rustc-cfg=postgres");
    }
}

fn shared_data(root: &Path) {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    let shared = root.join("../shared");
    if shared.join("data").is_dir() {
        println!("cargo::rerun-if-changed=../shared/data");
        println!("cargo::rustc-cfg=shared_data");
    } else if shared.is_dir() {
        println!("cargo::rerun-if-changed=../shared");
    }
}

fn python_env(root: &Path) {
    println!("cargo::rustc-check-cfg=cfg(python_env)");
    for v in [
        "INSTRADA_REQUIRE_ONNX",
        "INSTRADA_REQUIRE_PYTHON",
        "ORT_DYLIB_PATH",
    ] {
        println!("cargo::rerun-if-env-changed={v}");
    }
    let required = ["INSTRADA_REQUIRE_ONNX", "INSTRADA_REQUIRE_PYTHON"]
        .iter()
        .any(|v| std::env::var(v).as_deref() == Ok("1"));
    let python_dir = root.join("training/python");
    let venv = python_dir.join(".venv");
    let python = venv.join("bin/python");
    let present = if python.is_file() {
        println!("cargo::rerun-if-changed={}", python.display());
        // A library named by ORT_DYLIB_PATH is a choice made: when it does not load, the tests
        // say so, rather than being ignored.
        let chosen = std::env::var_os("ORT_DYLIB_PATH").is_some_and(|p| !p.is_empty());
        chosen
            || match venv_library(&venv) {
                Some(lib) => {
                    println!("cargo::rerun-if-changed={}", lib.display());
                    true
                }
                None => {
                    println!("cargo::rerun-if-changed={}", venv.join("bin").display());
                    false
                }
            }
    } else {
        if venv.is_dir() {
            // A venv without its python (half made or half deleted): its folder, not all of
            // `training/python` around it, which would read every installed file on each build.
            println!("cargo::rerun-if-changed={}", venv.display());
        } else if python_dir.is_dir() {
            println!("cargo::rerun-if-changed={}", python_dir.display());
        }
        false
    };
    if required || present {
        println!("cargo::rustc-cfg=python_env");
    }
}

/// `VENV/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*`, as the runtime's
/// `locate()` looks for it there.
fn venv_library(venv: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    lib.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .find_map(|e| {
            let capi = e.path().join("site-packages/onnxruntime/capi");
            std::fs::read_dir(capi)
                .ok()?
                .flatten()
                .map(|f| f.path())
                .find(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so"))
                })
        })
}
