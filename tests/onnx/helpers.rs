//! The exported fixture models, made once per test run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The exported models and scikit-learn's own probabilities for them.
#[derive(Debug)]
pub struct Exported {
    /// Holds the files.
    _dir: tempfile::TempDir,
    /// `topic/` (ONNX, from the starter corpus).
    pub topic: PathBuf,
    /// `urgency/` (ONNX, with the lexicon).
    pub urgency: PathBuf,
    /// scikit-learn's probabilities of the topic model: `{labels, texts, probabilities}`.
    pub sklearn: serde_json::Value,
}

/// The venv's Python.
pub fn python() -> PathBuf {
    repo().join("training/python/.venv/bin/python")
}

/// The exported models. The tests that call it are ignored unless `cfg(python_env)` (see
/// `build.rs`), so here the environment must work: a missing or broken one panics with how to
/// set it up, never skips.
pub fn exported() -> &'static Exported {
    static EXPORTED: OnceLock<Result<Exported, String>> = OnceLock::new();
    match EXPORTED.get_or_init(export) {
        Ok(e) => e,
        Err(why) => panic!("{}", unusable(why)),
    }
}

/// Why the ONNX environment cannot be used, and how to set it up.
pub fn unusable(why: &str) -> String {
    format!(
        "the ONNX tests run here (cfg(python_env), see build.rs) but {why}: run \
         `export ORT_DYLIB_PATH=\"$(training/python/setup.sh)\"`"
    )
}

/// The venv's Python is there and the ONNX Runtime library loads, or why not.
pub fn environment() -> Result<(), String> {
    if !python().is_file() {
        return Err(format!("there is no {}", python().display()));
    }
    instrada::onnxrt::runtime::ensure().map(drop)
}

fn export() -> Result<Exported, String> {
    environment()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let probs = dir.path().join("sklearn.json");
    let data = repo().join("training/starter/comune.csv");
    run_export(
        &[
            "topic",
            "--oos-label",
            "fuori_ambito",
            "--dump-probabilities",
            probs.to_str().unwrap_or_default(),
        ],
        &data,
        &dir.path().join("topic"),
    )?;
    run_export(&["urgency"], &data, &dir.path().join("urgency"))?;
    let sklearn = serde_json::from_slice(&std::fs::read(&probs).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(Exported {
        topic: dir.path().join("topic"),
        urgency: dir.path().join("urgency"),
        sklearn,
        _dir: dir,
    })
}

/// `export_text.py KIND --data DATA --out OUT ARGS...` with a small, fast fit.
fn run_export(args: &[&str], data: &Path, out: &Path) -> Result<(), String> {
    let status = Command::new(python())
        .arg(repo().join("training/python/export_text.py"))
        .args(args)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--c", "5", "--min-df", "2"])
        .status()
        .map_err(|e| format!("export_text.py: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("export_text.py {args:?} failed ({status})"))
    }
}

/// Copies the model directory `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Rewrites `dir/manifest.json` with `edit`.
pub fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

/// SHA-256 of `bytes` as hex, as the manifest records it.
pub fn sha256(bytes: &[u8]) -> String {
    instrada::digest::sha256_hex(bytes)
}
