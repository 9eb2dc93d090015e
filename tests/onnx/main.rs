//! The ONNX backend against scikit-learn: a pipeline trained and exported by
//! `training/python/export_text.py` in the project's virtual environment, loaded by the registry.
//!
//! Needs the venv of `training/python/setup.sh` (Python, scikit-learn, skl2onnx, onnxruntime).
//! Where it is absent the tests are ignored, and `cargo test` lists them as such with the reason:
//! `build.rs` sets `cfg(python_env)` when the venv's python and an ONNX Runtime library are there,
//! and always with `INSTRADA_REQUIRE_ONNX=1` (as in CI). Once the cfg is set the tests run, and an
//! environment that does not work fails them, saying how to set it up.

#![cfg(feature = "onnx")]

mod helpers;
mod outreach;
mod parity;
mod refused;
