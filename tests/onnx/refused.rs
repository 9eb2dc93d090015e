//! A broken or mismatched `.onnx` file is refused by the registry with an error that names it.

use super::helpers::{copy_dir, edit_manifest, exported, sha256};
use instrada::registry::{open_bundle, open_model};

/// A copy of the exported topic model to break.
fn copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&exported().topic, &dir.path().join("topic"));
    dir
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_graph_that_is_not_onnx_is_refused_by_name() {
    let dir = copy();
    let model = dir.path().join("topic");
    let junk = b"not an onnx graph".to_vec();
    std::fs::write(model.join("model.onnx"), &junk).unwrap();
    // With its checksum updated, so that the graph itself is what gets refused.
    edit_manifest(&model, |m| m["files"]["model.onnx"] = sha256(&junk).into());
    let e = open_model(&model).unwrap_err().to_string();
    assert!(
        e.contains("model.onnx") && e.contains("not a usable ONNX model"),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_truncated_graph_fails_its_checksum_by_name() {
    let dir = copy();
    let model = dir.path().join("topic");
    let bytes = std::fs::read(model.join("model.onnx")).unwrap();
    std::fs::write(model.join("model.onnx"), &bytes[..bytes.len() / 2]).unwrap();
    let e = open_model(&model).unwrap_err().to_string();
    assert!(e.contains("model.onnx") && e.contains("checksum"), "{e}");
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_graph_with_another_number_of_labels_is_refused_by_name() {
    let dir = copy();
    let model = dir.path().join("topic");
    edit_manifest(&model, |m| {
        let labels = m["labels"].as_array_mut().unwrap();
        labels.retain(|l| l != "verde_pubblico");
    });
    let e = open_model(&model).unwrap_err().to_string();
    assert!(
        e.contains("model.onnx") && e.contains("16 values per text") && e.contains("15 labels"),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn explanation_data_of_another_model_is_refused_by_name() {
    let dir = copy();
    let model = dir.path().join("topic");
    let e = exported();
    // The urgency model's coefficients (4 classes) beside the topic graph (16).
    let theirs = std::fs::read(e.urgency.join("explain.safetensors")).unwrap();
    std::fs::write(model.join("explain.safetensors"), &theirs).unwrap();
    edit_manifest(&model, |m| {
        m["files"]["explain.safetensors"] = sha256(&theirs).into()
    });
    let e = open_model(&model).unwrap_err().to_string();
    assert!(e.contains("explain.safetensors"), "{e}");
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_bundle_with_an_urgency_model_in_the_topic_slot_is_refused() {
    let e = exported();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&e.urgency, &dir.path().join("topic"));
    copy_dir(&e.urgency, &dir.path().join("urgency"));
    let err = open_bundle(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("a urgency model where a topic model is expected"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn a_missing_runtime_says_what_to_install() {
    let e = exported();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(["classify", "--model"])
        .arg(&e.topic)
        .arg("certificato di residenza")
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("pip install onnxruntime==1.32.0") && stderr.contains("ORT_DYLIB_PATH"),
        "{stderr}"
    );
}

#[test]
#[cfg_attr(
    not(python_env),
    ignore = "needs training/python/.venv: run training/python/setup.sh"
)]
fn the_cli_classifies_with_an_onnx_model() {
    let e = exported();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(["classify", "--json", "--model"])
        .arg(&e.topic)
        .arg("Vorrei rinnovare la carta d'identità elettronica")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("anagrafe_stato_civile"), "{stdout}");
}
