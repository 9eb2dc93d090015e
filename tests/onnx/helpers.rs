//! The exported fixture models (made once per test run) and the skip rule.

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

/// Why the ONNX environment is missing, and how to set it up.
fn missing(what: String) -> Option<&'static Exported> {
    let msg = format!(
        "{what}: run `training/python/setup.sh` and `export ORT_DYLIB_PATH=\"$(training/python/setup.sh)\"`"
    );
    if std::env::var("INSTRADA_REQUIRE_ONNX").as_deref() == Ok("1") {
        panic!("INSTRADA_REQUIRE_ONNX=1 and {msg}");
    }
    println!("SKIP: {msg}");
    eprintln!("SKIP: {msg}");
    None
}

/// The venv's Python.
pub fn python() -> PathBuf {
    repo().join("training/python/.venv/bin/python")
}

/// The exported models, or `None` (after a visible `SKIP:` line) when Python or ONNX Runtime is
/// not set up and `INSTRADA_REQUIRE_ONNX` is not 1.
pub fn exported() -> Option<&'static Exported> {
    static EXPORTED: OnceLock<Result<Exported, String>> = OnceLock::new();
    match EXPORTED.get_or_init(export) {
        Ok(e) => Some(e),
        Err(why) => missing(why.clone()),
    }
}

fn export() -> Result<Exported, String> {
    if !python().is_file() {
        return Err(format!("no {}", python().display()));
    }
    instrada::onnxrt::runtime::locate()?;
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
