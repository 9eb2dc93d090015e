#!/usr/bin/env python3
"""Trains a topic or urgency model in scikit-learn (TfidfVectorizer + LogisticRegression) on the same
data files as `instrada train`, exports it to ONNX with skl2onnx, and writes a model directory that
`instrada serve` loads beside or instead of a Rust-trained one (manifest backend "onnx").

    training/python/.venv/bin/python training/python/export_text.py topic \
        --data training/starter/comune.csv --oos-label fuori_ambito --out models-onnx/topic

Written beside `model.onnx`: `explain.json` + `explain.safetensors` (vocabulary, IDF, coefficients:
instrada computes evidence words from them), `manifest.json`, `MODEL_CARD.md`, and for urgency the
lexicon. `--dump-probabilities FILE` also writes scikit-learn's own probabilities for the texts of
`--dump-data` (the parity test compares instrada's answers with them).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import skl2onnx
import sklearn
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import StringTensorType
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instrada_export import artefact, data, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_LEXICON = REPO / "training" / "lexicon" / "urgency.toml"
LEVELS = {"low", "normal", "high", "critical"}
# Words of two or more letters or digits, Latin-1 letters included. Not scikit-learn's default
# `(?u)\b\w\w+\b`: onnxruntime's Tokenizer runs RE2, whose `\w` is ASCII-only, so accented words
# and the bigrams around a dropped `l'` would be cut differently from scikit-learn's.
TOKEN_PATTERN = "[0-9A-Za-z_À-ÖØ-öø-ÿ]{2,}"


def arguments(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["topic", "urgency"])
    p.add_argument("--data", required=True, help="CSV/TSV/JSONL, as for `instrada train`")
    p.add_argument("--out", required=True, help="model directory to write")
    p.add_argument("--name", help="model name (default KIND-FILESTEM)")
    p.add_argument("--text-col", default="text", help="text columns, comma-separated (joined by newlines)")
    p.add_argument("--label-col", help="label column (default: the kind's name, then `label`)")
    p.add_argument("--label-map", help="rename labels, e.g. P1=critical,P2=high")
    p.add_argument("--delimiter", help="CSV field delimiter (default , or tab for .tsv)")
    p.add_argument("--oos-label", help="out-of-scope label (topic only)")
    p.add_argument("--lexicon", help=f"urgency lexicon (default {DEFAULT_LEXICON.relative_to(REPO)})")
    p.add_argument("--card-notes", help="Markdown file inserted in the model card under Data")
    p.add_argument("--folds", type=int, help="k-fold validation (default: a 20 %% hold-out)")
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--c", type=float, default=20.0, help="LogisticRegression C (default 20)")
    p.add_argument("--min-df", type=int, default=1)
    p.add_argument("--min-precision", type=float, default=0.3)
    p.add_argument("--max-chars", type=int, default=10_000, help="texts are cut here before the model")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--dump-data", help="texts (a data file) whose scikit-learn probabilities to dump")
    p.add_argument("--dump-probabilities", help="JSON file for {texts, labels, probabilities}")
    a = p.parse_args(argv)
    if a.kind == "urgency" and a.oos_label:
        p.error("--oos-label is for topic models: urgency always answers a level")
    if a.kind == "topic" and a.lexicon:
        p.error("--lexicon is for urgency models")
    return a


def pipeline(a, kind):
    # Word unigrams and bigrams: skl2onnx converts the word analyzer (not char n-grams) exactly.
    # No sublinear_tf: skl2onnx 1.20 exports it as log(tf + 1), scikit-learn computes 1 + log(tf).
    tfidf = TfidfVectorizer(
        lowercase=True, ngram_range=(1, 2), sublinear_tf=False, min_df=a.min_df, token_pattern=TOKEN_PATTERN
    )
    clf = LogisticRegression(C=a.c, max_iter=2000, class_weight="balanced" if kind == "urgency" else None)
    return Pipeline([("tfidf", tfidf), ("clf", clf)])


def validate(a, texts, y):
    """Out-of-fold (k-fold) or hold-out probabilities: (indices, probabilities, method)."""
    texts = np.array(texts, dtype=object)
    if a.folds:
        k = min(a.folds, int(np.bincount(y).min()))
        if k < 2:
            sys.exit("--folds: some label has a single example")
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=a.seed)
        probs = cross_val_predict(pipeline(a, a.kind), texts, y, cv=cv, method="predict_proba")
        return np.arange(len(y)), probs, f"stratified {k}-fold, out-of-fold predictions"
    idx = np.arange(len(y))
    tr, va = train_test_split(idx, test_size=a.val_fraction, stratify=y, random_state=a.seed)
    probs = pipeline(a, a.kind).fit(texts[tr], y[tr]).predict_proba(texts[va])
    return va, probs, f"stratified hold-out of {100 * a.val_fraction:.0f} %"


def export_onnx(pipe, path):
    tfidf, clf = pipe.named_steps["tfidf"], pipe.named_steps["clf"]
    # No ZipMap (a plain probability tensor), and the C.UTF-8 locale: the only one on some machines
    # (the default en_US.UTF-8 makes onnxruntime fail to load the StringNormalizer).
    options = {id(clf): {"zipmap": False}, id(tfidf): {"locale": "C.UTF-8"}}
    model = convert_sklearn(
        pipe, "instrada-text", initial_types=[("input", StringTensorType([None, 1]))], options=options
    )
    onnx.save(model, str(path))
    names = [o.name for o in model.graph.output]
    return next(n for n in names if "prob" in n)


def export_explain(pipe, out):
    """Vocabulary, IDF and coefficients, so that instrada can say which words weighed most."""
    tfidf, clf = pipe.named_steps["tfidf"], pipe.named_steps["clf"]
    terms = [None] * len(tfidf.vocabulary_)
    for t, i in tfidf.vocabulary_.items():
        terms[i] = t
    coef = clf.coef_
    if coef.shape[0] == 1:  # binary: scikit-learn keeps one row, for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
    spec = {
        "analyzer": "word",
        "lowercase": True,
        "token_pattern": tfidf.token_pattern,
        "ngram_range": list(tfidf.ngram_range),
        "sublinear_tf": bool(tfidf.sublinear_tf),
        "norm": tfidf.norm,
        "terms": terms,
    }
    (out / "explain.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    artefact.write_safetensors(
        out / "explain.safetensors",
        {"idf": ([len(terms)], tfidf.idf_), "coef": (list(coef.shape), coef.ravel())},
    )


def main(argv=None):
    a = arguments(argv)
    fallbacks = [a.kind, "label"]
    d = data.load(a.data, a.text_col.split(","), a.label_col, fallbacks, data.parse_label_map(a.label_map), a.delimiter)
    labels = sorted(set(d.labels))
    if "unknown" in labels:
        sys.exit("`unknown` is reserved (instrada answers it when unsure): rename that label")
    if len(labels) < 2:
        sys.exit(f"{len(labels)} label found: a classifier needs at least 2")
    if a.kind == "urgency" and set(labels) - LEVELS:
        sys.exit(f"urgency labels must be low, normal, high, critical (use --label-map): {sorted(set(labels) - LEVELS)}")
    if a.oos_label and a.oos_label not in labels:
        sys.exit(f"--oos-label {a.oos_label} is not a label of the data")
    texts = [t[: a.max_chars] for t in d.texts]
    y = np.array([labels.index(l) for l in d.labels])
    oos_class = labels.index(a.oos_label) if a.oos_label else None
    min_precision = a.min_precision if a.kind == "topic" else 0.0

    val_idx, val_probs, method = validate(a, texts, y)
    threshold = report.pick_threshold(val_probs, y[val_idx], oos_class, min_precision)
    gold = [labels[c] for c in y[val_idx]]
    predicted = [report.decide(p, labels, threshold, a.oos_label) for p in val_probs]
    argmax_acc = float(np.mean(val_probs.argmax(axis=1) == y[val_idx]))

    pipe = pipeline(a, a.kind).fit(np.array(texts, dtype=object), y)
    assert list(pipe.classes_) == list(range(len(labels)))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    prob_output = export_onnx(pipe, out / "model.onnx")
    export_explain(pipe, out)
    files = ["model.onnx", "explain.json", "explain.safetensors"]
    if a.kind == "urgency":
        shutil.copyfile(a.lexicon or DEFAULT_LEXICON, out / "lexicon.toml")
        files.append("lexicon.toml")

    tfidf, clf = pipe.named_steps["tfidf"], pipe.named_steps["clf"]
    params = {
        "features": {"word_ngram_max": 2, "char_ngram_min": 0, "char_ngram_max": 0, "sublinear_tf": False,
                     "char_weight": 0.0, "max_chars": a.max_chars},
        "min_df": a.min_df, "l2": None, "c": a.c, "epochs": clf.max_iter, "learning_rate": 0.0,
        "class_weight": "balanced" if a.kind == "urgency" else "none",
        "validation": {"k_fold": a.folds} if a.folds else {"holdout": a.val_fraction},
        "oos_label": a.oos_label, "min_precision": min_precision, "seed": a.seed,
    }
    onnx_spec = {
        "model": "model.onnx", "input": "input", "probabilities": prob_output, "explain": "explain.json",
        "pipeline": f"TfidfVectorizer(word 1-2 grams, min_df={a.min_df}) + LogisticRegression(C={a.c}"
                    + (", class_weight=balanced)" if a.kind == "urgency" else ")"),
        "sklearn_version": sklearn.__version__, "skl2onnx_version": skl2onnx.__version__,
        "exporter": "export_text.py",
    }
    validation = {"method": method, "size": len(val_idx), "argmax_accuracy": argmax_acc,
                  "report": report.evaluate(gold, predicted, a.oos_label)}
    stem = Path(a.data).stem
    m = artefact.manifest(
        name=a.name or f"{a.kind}-{stem}", kind=a.kind, labels=labels, oos_label=a.oos_label,
        threshold=threshold, data=d, params=params, validation=validation,
        n_features=len(tfidf.vocabulary_), onnx=onnx_spec,
    )
    notes = Path(a.card_notes).read_text(encoding="utf-8") if a.card_notes else ""
    artefact.save(out, m, files, notes)
    r = validation["report"]
    print(f"{a.kind}: {len(texts)} examples, {len(labels)} labels, {len(tfidf.vocabulary_)} features; "
          f"validation ({method}): accuracy {100 * r['accuracy']:.2f} %, macro-F1 {r['macro_f1']:.3f}, "
          f"unknown below {threshold:.3f}", file=sys.stderr)
    print(f"wrote {out} ({m['model_version']})", file=sys.stderr)
    if a.dump_probabilities:
        dump(a, pipe, labels)


def dump(a, pipe, labels):
    d = data.load(a.dump_data or a.data, a.text_col.split(","), a.label_col, [a.kind, "label"])
    texts = [t[: a.max_chars] for t in d.texts]
    probs = pipe.predict_proba(np.array(texts, dtype=object))
    Path(a.dump_probabilities).write_text(
        json.dumps({"labels": labels, "texts": texts, "probabilities": probs.tolist()}, ensure_ascii=False),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
