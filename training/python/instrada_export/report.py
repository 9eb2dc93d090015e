"""The validation report and the `unknown` threshold, computed as the Rust trainer computes them
(src/classify/eval.rs `evaluate`, src/classify/calibrate.rs `pick_threshold`), so that a model card
reads the same whichever side trained the model."""

from collections import Counter

UNKNOWN = "unknown"


def _ratio(a, b):
    return a / b if b else 0.0


def decide(probs, labels, threshold, oos_label):
    """The label answered for one probability row, or `unknown`."""
    k = max(range(len(probs)), key=lambda i: (probs[i], -i))
    if labels[k] == oos_label or probs[k] < threshold:
        return UNKNOWN
    return labels[k]


def pick_threshold(probs, y, oos_class, min_precision):
    """The top probability under which answers are withheld (see calibrate.rs for the rule)."""
    n_classes = max(len(probs[0]) if len(probs) else 1, 1)
    n_oos = sum(1 for c in y if c == oos_class)
    oos_weight = (len(y) - n_oos) / max(n_classes - 1, 1) / n_oos if n_oos else 1.0
    items = []
    for p, c in zip(probs, y):
        k = max(range(len(p)), key=lambda i: (p[i], -i))
        if k == oos_class:
            continue
        w = oos_weight if c == oos_class else 1.0
        items.append((float(p[k]), w * (1.0 - min_precision) if k == c else -w * min_precision))
    items.sort(key=lambda t: t[0])
    best, best_t, gain = 0.0, 0.0, 0.0
    for i, (prob, delta) in enumerate(items):
        gain -= delta
        nxt = items[i + 1][0] if i + 1 < len(items) else 1.0
        if gain > best + 1e-9 and nxt > prob:
            best, best_t = gain, (prob + nxt) / 2.0
    return best_t


def evaluate(gold, predicted, oos_label):
    """The same report as eval.rs `evaluate` (an `EvalReport` as JSON)."""
    pred = [oos_label if (oos_label is not None and p == UNKNOWN) else p for p in predicted]
    support = Counter(gold)
    predicted_count = Counter(pred)
    tp = Counter(g for g, p in zip(gold, pred) if g == p)
    confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p)
    per_class = []
    for label in sorted(support):
        precision = _ratio(tp[label], predicted_count[label])
        recall = _ratio(tp[label], support[label])
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        per_class.append(
            {"label": label, "precision": precision, "recall": recall, "f1": f1, "support": support[label]}
        )
    k = max(len(per_class), 1)
    abstained = sum(1 for p in predicted if p == UNKNOWN or p == oos_label)
    report = {
        "n": len(gold),
        "accuracy": _ratio(sum(tp.values()), len(gold)),
        "macro_f1": sum(c["f1"] for c in per_class) / k,
        "macro_recall": sum(c["recall"] for c in per_class) / k,
        "abstention_rate": _ratio(abstained, len(gold)),
    }
    if oos_label is not None:
        ins = [(g, p) for g, p in zip(gold, pred) if g != oos_label]
        oos = [(g, p) for g, p in zip(gold, pred) if g == oos_label]
        oos_ok = sum(1 for _, p in oos if p == oos_label)
        report["in_scope_accuracy"] = _ratio(sum(1 for g, p in ins if g == p), len(ins))
        report["oos_recall"] = _ratio(oos_ok, len(oos))
        report["oos_precision"] = _ratio(oos_ok, abstained)
    most = sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    report["per_class"] = per_class
    report["most_confused"] = [{"gold": g, "predicted": p, "count": n} for (g, p), n in most]
    return report
