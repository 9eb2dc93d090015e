"""Labelled examples from CSV/TSV or JSON Lines, read as `instrada train` reads them
(src/classify/dataset.rs): text columns joined with a newline, rows with empty text skipped,
an empty label refused with its line, labels renamed with a label map."""

import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Loaded:
    """The examples of one file and what describes it in a manifest."""

    texts: list
    labels: list
    file: str
    sha256: str
    text_columns: list
    label_column: str
    label_map: dict = field(default_factory=dict)


def parse_label_map(spec):
    """`"P1=critical,P2=high"` → {"P1": "critical", "P2": "high"}."""
    if not spec:
        return {}
    out = {}
    for pair in spec.split(","):
        if "=" not in pair:
            sys.exit(f"--label-map: `{pair}` is not FROM=TO")
        k, v = pair.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _records(path, raw, delimiter):
    if path.suffix in (".jsonl", ".ndjson"):
        for i, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if line.strip():
                yield i, json.loads(line)
        return
    delim = delimiter or ("\t" if path.suffix == ".tsv" else ",")
    reader = csv.DictReader(raw.decode("utf-8").splitlines(keepends=True), delimiter=delim)
    for row in reader:
        yield reader.line_num, row


def load(path, text_cols, label_col, fallbacks, label_map=None, delimiter=None):
    """Reads `path`; `label_col` or else the first of `fallbacks` present is the label."""
    path = Path(path)
    raw = path.read_bytes()
    texts, labels = [], []
    chosen = label_col
    for line, rec in _records(path, raw, delimiter):
        if chosen is None:
            chosen = next((c for c in fallbacks if c in rec), None)
            if chosen is None:
                sys.exit(f"{path}: none of the label columns {fallbacks} (columns are: {', '.join(rec)})")
        for c in list(text_cols) + [chosen]:
            if c not in rec:
                sys.exit(f"{path}: no column `{c}` (columns are: {', '.join(rec)})")
        text = "\n".join(str(rec[c] or "").strip() for c in text_cols if str(rec[c] or "").strip())
        label = str(rec[chosen] if rec[chosen] is not None else "").strip()
        if not text:
            continue
        if not label:
            sys.exit(f"{path}:{line}: empty label in column `{chosen}`")
        label = (label_map or {}).get(label, label)
        texts.append(text)
        labels.append(label)
    if not texts:
        sys.exit(f"{path}: no labelled rows with text")
    return Loaded(
        texts=texts,
        labels=labels,
        file=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        text_columns=list(text_cols),
        label_column=chosen,
        label_map=dict(label_map or {}),
    )
