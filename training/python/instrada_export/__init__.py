"""Helpers shared by instrada's export scripts: reading the same data files as `instrada train`,
the same validation report and `unknown` threshold, and the same artefact (manifest.json,
MODEL_CARD.md, checksums) as the Rust trainer writes, with backend "onnx"."""
