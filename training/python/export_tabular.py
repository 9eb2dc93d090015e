"""Trains a scikit-learn outreach model on the CSV `instrada train outreach --data FILE` reads and
exports it to ONNX: `model.onnx`, `manifest.json` (the outreach manifest of src/outreach/manifest.rs,
backend "onnx") and `MODEL_CARD.md`, in `--out`.

Columns are read as src/outreach/table.rs reads them: a column is numeric when every value that is
not missing parses as a number (`,` as decimal separator too), categorical otherwise; blanks and
na/n/a/nan/null/none/?/- are missing; a column with no value is left out; rows without a label are
skipped. Numeric columns: median imputation; categorical: the constant `missing`, then one-hot
(unknown levels ignored). The graph has one input per column ([N,1] float or string) and an output
`probabilities` ([N,2]); instrada serves the positive class's.

    export_tabular.py --data FILE --label-col C [--positive V] [--id-col C] --out DIR
                      [--model logistic|trees] [--dump-probabilities FILE.csv]
"""

import argparse
import csv
import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import skl2onnx
import sklearn
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
DEFAULT_POSITIVE = {"yes", "true", "1"}
MISSING_LEVEL = "missing"
OUTPUT = "probabilities"
FOLDS, SEED = 5, 42


def is_missing(v):
    return v is None or v.strip().lower() in MISSING


def number(v):
    v = v.strip()
    for s in (v, v.replace(",", ".")):
        try:
            x = float(s)
        except ValueError:
            continue
        if np.isfinite(x):
            return x
    return None


def read(path, label_col, positive, id_col):
    """Definitions, the frame of feature values (NaN / None when missing), labels, notes, SHA-256."""
    raw = Path(path).read_bytes()
    delim = "\t" if Path(path).suffix == ".tsv" else ","
    rows = list(csv.reader(raw.decode("utf-8").splitlines(), delimiter=delim))
    headers = [h.strip() for h in rows[0]]
    if label_col not in headers:
        raise SystemExit(f"{path}: no label column `{label_col}` (columns: {', '.join(headers)})")
    li = headers.index(label_col)
    ii = headers.index(id_col) if id_col else None
    cells, labels, notes, unlabelled = [], [], [], 0
    for r in rows[1:]:
        lab = r[li] if li < len(r) else ""
        if is_missing(lab):
            unlabelled += 1
            continue
        lab = lab.strip().lower()
        labels.append(lab == positive.strip().lower() if positive else lab in DEFAULT_POSITIVE)
        cells.append(r)
    if unlabelled:
        notes.append(f"{unlabelled} rows without a label skipped")
    defs, columns = [], {}
    for k, name in enumerate(headers):
        if k in (li, ii):
            continue
        vals = [c[k] if k < len(c) else "" for c in cells]
        present = [v for v in vals if not is_missing(v)]
        if not present:
            notes.append(f"column `{name}` has no values: left out")
            continue
        numeric = all(number(v) is not None for v in present)
        kind = "numeric" if numeric else "categorical"
        defs.append({"name": name, "kind": kind, "en": name, "it": name})
        if numeric:
            columns[name] = [np.nan if is_missing(v) else number(v) for v in vals]
        else:
            columns[name] = ["" if is_missing(v) else v.strip() for v in vals]
    frame = pd.DataFrame(columns)
    for d in defs:
        frame[d["name"]] = frame[d["name"]].astype(np.float32 if d["kind"] == "numeric" else object)
    return defs, frame, np.array(labels, dtype=int), notes, hashlib.sha256(raw).hexdigest()


def feature_hash(defs):
    """FeatureSet::hash: SHA-256 of serde_json's compact JSON of `(definitions, None)`."""
    body = json.dumps([defs, None], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def pipeline(defs, model):
    num = [d["name"] for d in defs if d["kind"] == "numeric"]
    cat = [d["name"] for d in defs if d["kind"] == "categorical"]
    parts = []
    if num:
        parts.append(("num", SimpleImputer(strategy="median"), num))
    if cat:
        parts.append(
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(missing_values="", strategy="constant", fill_value=MISSING_LEVEL)),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                cat,
            )
        )
    est = (
        LogisticRegression(max_iter=2000, C=1.0)
        if model == "logistic"
        else GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=SEED)
    )
    return Pipeline([("columns", ColumnTransformer(parts)), ("model", est)])


def metrics(y, p):
    order = np.argsort(-p, kind="stable")
    top = order[: int(np.ceil(len(p) / 10))]
    both = len(set(y)) == 2
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both else 0.5,
        "pr_auc": float(average_precision_score(y, p)) if both else float(np.mean(y)),
        "brier": float(brier_score_loss(y, p)),
        "top_decile_precision": float(np.mean(y[top])),
        "n": int(len(y)),
        "positive_rate": float(np.mean(y)),
    }


def best_f1_threshold(y, p):
    best, at = -1.0, 0.5
    for t in np.unique(p):
        pred = p >= t
        tp = int(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (int(np.sum(pred)) + int(np.sum(y)) or 1)
        if f1 > best:
            best, at = f1, float(t)
    return at


def reference(defs, frame):
    """Medians of numbers, most frequent levels of categories: the row reasons perturb towards."""
    ref = {}
    for d in defs:
        col = frame[d["name"]]
        if d["kind"] == "numeric":
            ref[d["name"]] = float(np.nanmedian(col.to_numpy(dtype=float)))
        else:
            ref[d["name"]] = str(col.replace("", MISSING_LEVEL).value_counts().index[0])
    return ref


def encoding(defs, pipe):
    ct = pipe.named_steps["columns"]
    out = []
    medians = dict(zip(ct.transformers_[0][2], ct.named_transformers_["num"].statistics_)) if "num" in ct.named_transformers_ else {}
    levels = {}
    if "cat" in ct.named_transformers_:
        oh = ct.named_transformers_["cat"].named_steps["onehot"]
        cats = [t for t in ct.transformers_ if t[0] == "cat"][0][2]
        levels = {c: [str(v) for v in lv] for c, lv in zip(cats, oh.categories_)}
    for d in defs:
        if d["kind"] == "numeric":
            out.append({"kind": "numeric", "name": d["name"], "median": float(medians[d["name"]]), "indicator": False})
        else:
            out.append({"kind": "categorical", "name": d["name"], "levels": levels[d["name"]]})
    return {"columns": out}


def card(m, notes):
    d, v, o = m["training_data"], m["validation"], m["onnx"]
    c = v["candidates"][0]["metrics"]
    s = [
        f"# Model card: {m['name']} (outreach)\n",
        f"- **Version:** `{m['model_version']}`\n- **Created:** {m['created_at']}\n"
        f"- **Trained by:** scikit-learn {o['sklearn_version']}, exported by skl2onnx {o['skl2onnx_version']} "
        f"(training/python/export_tabular.py)\n- **Format:** ONNX (`{o['model']}`, served by ONNX Runtime)\n"
        f"- **Pipeline:** {o['pipeline']}\n",
        "## Intended use\n\nSuggests which citizens a case worker could contact before they call again. "
        "Every score comes with the reasons that raised it. It is advice to a person, never a decision "
        "on a citizen's rights or services.\n",
        f"## Data\n\n- File `{d['source']}` (SHA-256 `{d['sha256']}`), {d['rows']} rows, {d['positives']} positive "
        f"(label `{m['label']['name']}`).\n- Features: "
        + ", ".join(f"`{f['name']}` ({f['kind']})" for f in m["features"]["definitions"])
        + ".\n"
        + "".join(f"- {n}\n" for n in notes),
        f"## Quality on validation data\n\nMethod: {v['method']}.\n\n| metric | value |\n|---|---|\n"
        f"| ROC AUC | {c['roc_auc']:.3f} |\n| PR AUC | {c['pr_auc']:.3f} |\n| Brier | {c['brier']:.4f} |\n"
        f"| precision in the top decile | {c['top_decile_precision']:.3f} |\n"
        f"| flag threshold (best F1) | {m['flag_threshold']:.3f} |\n",
        "## Known limits\n\n- Reasons are computed by instrada by perturbation: each feature replaced by the "
        "reference row's value (median or most frequent level), one extra prediction per feature.\n"
        "- The probabilities are the model's own (no recalibration); validation comes from the training data.",
    ]
    return "\n".join(s) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--label-col", required=True)
    ap.add_argument("--positive")
    ap.add_argument("--id-col")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="outreach")
    ap.add_argument("--model", choices=["logistic", "trees"], default="logistic")
    ap.add_argument("--dump-probabilities", help="CSV of scikit-learn's probabilities of every training row")
    a = ap.parse_args()

    defs, frame, y, notes, sha = read(a.data, a.label_col, a.positive, a.id_col)
    if len(set(y)) < 2:
        raise SystemExit(f"{a.data}: the label `{a.label_col}` needs both positive and negative rows")
    folds = min(FOLDS, int(min(np.sum(y), np.sum(1 - y))))
    t0 = time.time()
    oof = cross_val_predict(
        pipeline(defs, a.model), frame, y, cv=StratifiedKFold(folds, shuffle=True, random_state=SEED), method="predict_proba"
    )[:, 1]
    seconds = time.time() - t0
    pipe = pipeline(defs, a.model).fit(frame, y)

    inputs = [
        (d["name"], FloatTensorType([None, 1]) if d["kind"] == "numeric" else StringTensorType([None, 1])) for d in defs
    ]
    onx = convert_sklearn(
        pipe, initial_types=inputs, options={id(pipe.named_steps["model"]): {"zipmap": False}}, target_opset=17
    )
    for o in onx.graph.output:
        if o.name == "probabilities":
            break
    else:
        prob = [o for o in onx.graph.output if o.name != "label"][0]
        for n in onx.graph.node:
            n.output[:] = [OUTPUT if x == prob.name else x for x in n.output]
        prob.name = OUTPUT
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.onnx").write_bytes(onx.SerializeToString())

    created = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    files = {"model.onnx": hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()}
    params = {"alpha": 1.0, "max_iterations": 2000}
    m = {
        "format_version": 1,
        "name": a.name,
        "kind": "outreach",
        "backend": "onnx",
        "model_version": f"{a.name}@{created[:10].replace('-', '')}-{files['model.onnx'][:8]}",
        "created_at": created,
        "instrada_version": "export_tabular.py",
        "features": {"spec": None, "definitions": defs, "sha256": feature_hash(defs)},
        "encoding": encoding(defs, pipe),
        "label": {"name": a.label_col, "positive": a.positive, "as_of": None},
        "training_data": {
            "source": Path(a.data).name,
            "sha256": sha,
            "rows": int(len(y)),
            "positives": int(np.sum(y)),
            "notes": notes,
        },
        "calibration": {"a": 1.0, "b": 0.0},
        "flag_threshold": best_f1_threshold(y, oof),
        "validation": {
            "method": f"{folds}-fold stratified cross-validation (scikit-learn, seed {SEED})",
            "candidates": [{"backend": "onnx", "metrics": metrics(y, oof), "seconds": seconds}],
            "chosen": "onnx",
        },
        "hyperparameters": {
            "folds": folds,
            "seed": SEED,
            "logistic": params,
            "trees": {
                "n_trees": 100,
                "learning_rate": 0.1,
                "max_depth": 3,
                "min_leaf": 1,
                "lambda": 0.0,
                "max_bins": 255,
                "subsample": 1.0,
                "seed": SEED,
            },
        },
        "files": files,
        "onnx": {
            "model": "model.onnx",
            "probabilities": OUTPUT,
            "reference": reference(defs, frame),
            "sklearn_version": sklearn.__version__,
            "skl2onnx_version": skl2onnx.__version__,
            "pipeline": f"ColumnTransformer(median imputation; 'missing' + one-hot) → {type(pipe.named_steps['model']).__name__}",
        },
    }
    (out / "MODEL_CARD.md").write_text(card(m, notes), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if a.dump_probabilities:
        p = pipe.predict_proba(frame)[:, 1]
        with open(a.dump_probabilities, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["row", "probability"])
            for i, x in enumerate(p):
                w.writerow([i, repr(float(x))])
    print(f"{out}: {m['model_version']} ({len(defs)} features, {len(y)} rows)")


if __name__ == "__main__":
    main()
