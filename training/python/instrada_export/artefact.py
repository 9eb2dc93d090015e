"""Writes a model directory that `instrada serve` loads: `manifest.json` (the schema of
src/classify/manifest.rs, backend "onnx"), `MODEL_CARD.md` (the sections of src/classify/card.rs),
and every file's SHA-256 in the manifest so that a truncated or edited file is refused by name."""

import hashlib
import json
import struct
from datetime import datetime, timezone
from pathlib import Path

FORMAT_VERSION = 1

INTENDED_USE = {
    "topic": "Suggests which service or office a citizen's request is about, so that a contact centre "
    "can route it. Every answer comes with a probability, alternatives and, where the exported graph "
    "allows it, the words that weighed most; answers below the threshold are `unknown` and go to a "
    "person. It advises routing: it does not decide on a citizen's rights.",
    "urgency": "Estimates how fast a request must be handled (low, normal, high, critical). A "
    "transparent lexicon of urgency signals can raise the level, never lower it, and every signal is "
    "reported by name. Low-confidence answers should be reviewed by a person.",
}


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_safetensors(path, tensors):
    """A safetensors file of float32 tensors: {name: (shape, flat list or numpy array)}."""
    header, blobs, offset = {}, [], 0
    for name, (shape, values) in tensors.items():
        blob = struct.pack(f"<{len(values)}f", *[float(v) for v in values])
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def manifest(*, name, kind, labels, oos_label, threshold, data, params, validation, n_features, onnx):
    """The manifest, without `model_version` and `files` (filled in by `save`)."""
    return {
        "format_version": FORMAT_VERSION,
        "name": name,
        "kind": kind,
        "backend": "onnx",
        "model_version": "",
        "created_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "instrada_version": "export_text.py",
        "labels": list(labels),
        "oos_label": oos_label,
        "unknown_threshold": float(threshold),
        # The graph's probabilities are served as they are: no temperature on top.
        "temperature": 1.0,
        "features": params["features"],
        "hyperparameters": params,
        "training_data": {
            "file": data.file,
            "sha256": data.sha256,
            "rows": len(data.texts),
            "text_columns": data.text_columns,
            "label_column": data.label_column,
            **({"label_map": data.label_map} if data.label_map else {}),
            "label_counts": {l: data.labels.count(l) for l in sorted(set(data.labels))},
        },
        "validation": validation,
        "n_features": int(n_features),
        "files": {},
        "onnx": onnx,
    }


def save(out, m, files, card_notes=""):
    """Hashes `files` (names inside `out`, already written), sets the version, writes card and manifest."""
    out = Path(out)
    m["files"] = {f: sha256_file(out / f) for f in sorted(files)}
    stamp = m["created_at"][:10].replace("-", "")
    m["model_version"] = f"{m['name']}@{stamp}-{m['files'][m['onnx']['model']][:8]}"
    (out / "MODEL_CARD.md").write_text(render_card(m, card_notes), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def render_card(m, notes):
    """MODEL_CARD.md with the sections of the Rust-trained models' cards."""
    o, r, d = m["onnx"], m["validation"]["report"], m["training_data"]
    s = [f"# Model card: {m['name']} ({m['kind']})\n"]
    s.append(
        f"- **Version:** `{m['model_version']}`\n- **Created:** {m['created_at']}\n"
        f"- **Trained by:** scikit-learn {o['sklearn_version']}, exported by skl2onnx "
        f"{o['skl2onnx_version']} (training/python/{o['exporter']})\n"
        f"- **Format:** ONNX (`{o['model']}`, served by ONNX Runtime), {m['n_features']} features × "
        f"{len(m['labels'])} labels\n- **Pipeline:** {o['pipeline']}\n"
    )
    s.append("## Intended use\n\n" + INTENDED_USE[m["kind"]] + "\n")
    cols = " + ".join(f"`{c}`" for c in d["text_columns"])
    s.append(
        f"## Data\n\n- File `{d['file']}` (SHA-256 `{d['sha256']}`), {d['rows']} examples; text from "
        f"{cols}, labels from `{d['label_column']}`.\n- Examples per label: "
        + ", ".join(f"{l} {n}" for l, n in d["label_counts"].items())
        + ".\n"
    )
    if notes.strip():
        s.append(notes.strip() + "\n")
    s.append(
        f"## Quality on validation data\n\nMethod: {m['validation']['method']} ({m['validation']['size']} "
        "texts never seen by the model that predicted them).\n\n| metric | value |\n|---|---|\n"
        f"| accuracy (top label, no abstention) | {100 * m['validation']['argmax_accuracy']:.2f} % |\n"
        f"| accuracy (with `unknown` answers) | {100 * r['accuracy']:.2f} % |\n"
        f"| macro-F1 | {r['macro_f1']:.3f} |\n| macro-recall | {r['macro_recall']:.3f} |\n"
        f"| answered `unknown` | {100 * r['abstention_rate']:.1f} % (threshold {m['unknown_threshold']:.3f}) |"
    )
    if "in_scope_accuracy" in r:
        s.append(
            f"| in-scope accuracy | {100 * r['in_scope_accuracy']:.2f} % |\n"
            f"| out-of-scope recall | {r['oos_recall']:.3f} |"
        )
    s.append("\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|")
    for c in r["per_class"]:
        s.append(f"| {c['label']} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    if r["most_confused"]:
        pairs = "; ".join(f"{c['gold']} → {c['predicted']} ({c['count']})" for c in r["most_confused"][:5])
        s.append(f"\nMost confused (gold → predicted): {pairs}.")
    evidence = (
        "- Evidence words are computed by instrada from the exported vocabulary, IDF and coefficients "
        "(`explain.json`, `explain.safetensors`) on the words as the request writes them."
        if o.get("explain")
        else "- This backend gives no evidence words: answers carry an empty `evidence` list."
    )
    s.append(
        "\n## Known limits\n\n- A bag of words and word bigrams: it does not understand negation or irony, "
        "and it knows only the vocabulary of its training data.\n" + evidence + "\n"
        "- Validation figures come from a split of the training data, which is more similar to the "
        "training data than tomorrow's requests will be."
    )
    return "\n".join(s) + "\n"
