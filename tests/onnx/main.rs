//! The ONNX backend against scikit-learn: a pipeline trained and exported by
//! `training/python/export_text.py` in the project's virtual environment, loaded by the registry.
//!
//! Needs `training/python/setup.sh` (Python, scikit-learn, skl2onnx, onnxruntime). Without it
//! each test prints `SKIP: ...` with the command that sets it up, unless `INSTRADA_REQUIRE_ONNX=1`
//! (as in CI), where a missing environment fails the test.

#![cfg(feature = "onnx")]

mod helpers;
mod outreach;
mod parity;
mod refused;
