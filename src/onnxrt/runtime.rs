//! Finding and loading the ONNX Runtime shared library, once per process.
//!
//! ort's `load-dynamic` feature opens `libonnxruntime.so` at run time, so a build needs no binary
//! download (which fails offline). The library comes from the `onnxruntime` package on PyPI; it is
//! looked for, in order, at `ORT_DYLIB_PATH`, in `training/python/.venv` (what
//! `training/python/setup.sh` creates), in the active `VIRTUAL_ENV`, and where `python3` imports
//! `onnxruntime` from. When none has it, the error says what to install.
//!
//! Imports nothing of the crate: each ONNX backend calls [`ensure`] before its first session.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What to do when no library is found, in every error that says so.
pub const INSTALL_HINT: &str = "install it with `pip install onnxruntime==1.32.0` (or run \
     training/python/setup.sh) or set ORT_DYLIB_PATH to its libonnxruntime.so";

/// The library loaded, and ort's environment, which must outlive every session.
struct Loaded {
    path: PathBuf,
    environment: ort::environment::Environment,
}

/// Loaded once per process: ort keeps one library and one environment, whatever is loaded later.
static RUNTIME: OnceLock<Result<Loaded, String>> = OnceLock::new();

/// Loads the library (the first call) and returns ort's environment, or why it cannot be loaded.
pub fn ensure() -> Result<&'static ort::environment::Environment, String> {
    RUNTIME
        .get_or_init(load)
        .as_ref()
        .map(|l| &l.environment)
        .map_err(Clone::clone)
}

/// The library loaded, if one was.
pub fn loaded_path() -> Option<&'static Path> {
    RUNTIME.get()?.as_ref().ok().map(|l| l.path.as_path())
}

fn load() -> Result<Loaded, String> {
    let path = locate()?;
    let builder = ort::init_from(&path)
        .map_err(|e| format!("ONNX Runtime at {} does not load: {e}", path.display()))?;
    let environment = builder
        .with_name("instrada")
        .build()
        .map_err(|e| format!("ONNX Runtime at {}: {e}", path.display()))?;
    Ok(Loaded { path, environment })
}

/// The library's path, from the first place that has one.
pub fn locate() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "ORT_DYLIB_PATH={} is not a file: {INSTALL_HINT}",
                p.display()
            ))
        };
    }
    let mut venvs = vec![PathBuf::from("training/python/.venv")];
    if let Some(v) = std::env::var_os("VIRTUAL_ENV") {
        venvs.push(PathBuf::from(v));
    }
    venvs
        .iter()
        .find_map(|v| in_venv(v))
        .or_else(from_python)
        .ok_or_else(|| format!("ONNX Runtime not found: {INSTALL_HINT}"))
}

/// `VENV/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*`.
fn in_venv(venv: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    lib.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .find_map(|e| in_capi(&e.path().join("site-packages/onnxruntime")))
}

/// The newest `libonnxruntime.so*` in `PACKAGE/capi`.
fn in_capi(package: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(package.join("capi"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// Where `python3` imports `onnxruntime` from, if it does.
fn from_python() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, onnxruntime; print(os.path.dirname(onnxruntime.__file__))",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    in_capi(Path::new(&dir))
}
