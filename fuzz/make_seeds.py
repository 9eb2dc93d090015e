#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/TARGET/) from the repository's own
fixtures: the starter corpus (training/starter/*.csv), the signal phrasings
(tests/fixtures/signal_phrasings.toml), the load test's requests (benches/requests.jsonl), the
events of tests/api/{events,cli_import}.rs and the shipped models (models/), cut to a few rows.
Nothing from ../shared/data. Standard library only; deterministic: run it again and the files are
the same. Files named `regression-*` are inputs a fuzzing run found (README, "Fuzzing"): kept.

    python3 fuzz/make_seeds.py
"""

import csv
import hashlib
import json
import struct
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "fuzz" / "seeds"


def starter_rows():
    rows = []
    for name in ("comune.csv", "unseen.csv", "unseen-short.csv"):
        with open(REPO / "training" / "starter" / name, newline="", encoding="utf-8") as f:
            rows.extend(csv.DictReader(f))
    return rows


def write(target, name, data):
    path = SEEDS / target / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def text_seeds(rows):
    # Every 50th starter text, a few phrasings of urgency signals, and the same texts written the
    # ways clean() undoes: invisible characters, fullwidth letters, a word spelled out.
    texts = [r["text"] for r in rows[::50]]
    phrasings = tomllib.loads(
        (REPO / "tests" / "fixtures" / "signal_phrasings.toml").read_text(encoding="utf-8")
    )
    for signal in list(phrasings)[:8]:
        texts.append(phrasings[signal]["positive"][0])
    base = texts[0]
    texts += [
        "\u200b".join(base[:40]),
        "\ufeff" + base.replace(" ", "\u00a0") + "\u202e",
        "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in base[:30]),
        "c'\u00e8 odore di G A S in cantina, " + " ".join("INCENDIO") + "!",
        "odore di g.a.s. in cantina\r\nriga due\tTARI",
        "\U0001f525\U0001f525 \U0001f692",
    ]
    for i, t in enumerate(texts):
        write("text", f"text-{i:02}", t)


def route_json_seeds():
    lines = (REPO / "benches" / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    requests = [json.loads(line) for line in lines if line.strip()][:30]
    for i, r in enumerate(requests):
        write("route_json", f"request-{i:02}", json.dumps(r, ensure_ascii=False))
    # The optional fields, each once.
    extra = [
        {"subject": "Richiesta informazioni"},
        {"language": "it"},
        {"language": "EN"},
        {"received_at": "2026-12-01T09:30:00+01:00"},
        {"attributes": {"canale_origine": "app", "priorita": "alta"}},
        {"citizen_id": "RSSMRA80A01H501U"},
    ]
    for i, fields in enumerate(extra):
        write("route_json", f"fields-{i:02}", json.dumps({**requests[i], **fields}, ensure_ascii=False))
    write("route_json", "batch", json.dumps({"requests": requests[:3]}, ensure_ascii=False))
    write("route_json", "bom", b"\xef\xbb\xbf" + json.dumps(requests[3]).encode())


def events(rows, n, start=0):
    # Events as tests/api/events.rs sends them, with the starter rows' channel, topic, urgency.
    out = []
    for i, r in enumerate(rows[start : start + n]):
        out.append(
            {
                "event_id": f"e{start + i}",
                "occurred_at": f"2026-11-{1 + i % 28:02}T{8 + i % 10:02}:{i % 60:02}:00+01:00",
                "channel": r["channel"],
                "queue": r["topic"],
                "topic": r["topic"],
                "urgency": r["urgency"],
                "handle_seconds": 30 + 17 * i,
                "outcome": "resolved",
                "citizen_id": "RSSMRA80A01H501U" if i % 3 == 0 else None,
            }
        )
    return [{k: v for k, v in e.items() if v is not None} for e in out]


def events_body_seeds(rows):
    for i in range(8):
        batch = events(rows, 1 + i, start=40 * i)
        write("events_body", f"ndjson-{i:02}", "\n".join(json.dumps(e) for e in batch) + "\n")
        write("events_body", f"array-{i:02}", json.dumps(batch))
    good = events(rows, 3, start=500)
    bad = [
        {**good[0], "event_id": "bad-channel", "channel": "fax"},
        {**good[0], "event_id": "future", "occurred_at": "2099-01-01T00:00:00Z"},
        {**good[0], "event_id": "negative", "handle_seconds": -3},
        {"event_id": "e7"},
        {**good[0], "event_id": "attrs", "attributes": {"operatore": "17"}},
    ]
    write("events_body", "mixed-array", json.dumps(good + bad))
    write("events_body", "mixed-ndjson", "\r\n".join(json.dumps(e) for e in good + bad) + "\n\n")
    write("events_body", "not-json-line", json.dumps(good[0]) + "\n{not json\n")


def events_csv_seeds(rows):
    # The file of tests/api/cli_import.rs, with its --map.
    calls = (
        "id,quando,canale,coda,cf,durata,operatore\n"
        "c1,2026-11-23T09:15:00+01:00,phone,tributi,RSSMRA80A01H501U,214,17\n"
        "c2,2026-11-23T09:16:00+01:00,email,anagrafe,,,\n"
        "c3,ieri,phone,tributi,,90,\n"
        "c4,2026-11-23T09:20:00+01:00,fax,tributi,,90,\n"
        "c5,2026-11-23T09:21:00+01:00,phone,tributi,,-4,\n"
        "c6,2026-11-23T09:22:00+01:00,chat,urp,VRDLGI75B02F205X,30,3\n"
    )
    renames = (
        "id=event_id,quando=occurred_at,canale=channel,coda=queue,cf=citizen_id,"
        "durata=handle_seconds,operatore=attributes.operatore"
    )
    write("events_csv", "cli-import", f"#map {renames}\n{calls}")
    write("events_csv", "unmapped", calls)
    fields = ["event_id", "occurred_at", "channel", "queue", "topic", "urgency",
              "citizen_id", "handle_seconds", "outcome"]
    for i in range(10):
        batch = events(rows, 1 + i, start=700 + 30 * i)
        lines = [",".join(fields)]
        for e in batch:
            lines.append(",".join(csv_field(str(e.get(f, ""))) for f in fields))
        write("events_csv", f"events-{i:02}", "\n".join(lines) + "\n")
    write(
        "events_csv",
        "quoted",
        '#map note=attributes.note\nevent_id,occurred_at,channel,note\n'
        'q1,2026-11-23T09:15:00Z,phone,"una nota, con virgola"\n'
        'q2,2026-11-23T09:16:00Z,email,"su due\nrighe"\n'
        "q3,2026-11-23T09:17:00Z,chat\n",
    )


def csv_field(value):
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def shrink_model(kind, rows, lexicon_signals):
    """The shipped model of `kind` cut to `rows` feature rows (evenly spaced), as a seed of the
    model_load target: manifest, lexicon (its first signals), weights."""
    model = REPO / "models" / kind
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    raw = (model / "weights.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]

    def tensor(name):
        a, b = header[name]["data_offsets"]
        return data[a:b]

    total = header["idf"]["shape"][0]
    classes = header["bias"]["shape"][0]
    keep = [i * total // rows for i in range(rows)] if rows else []
    width = {"weights": 4 * classes, "idf": 4, "keys": 4, "blocks": 1}
    tensors = {"bias": (tensor("bias"), "F32", [classes])}
    for name, w in width.items():
        t = tensor(name)
        cut = b"".join(t[i * w : (i + 1) * w] for i in keep)
        shape = [rows, classes] if name == "weights" else [rows]
        tensors[name] = (cut, header[name]["dtype"], shape)
    weights = safetensors(tensors)

    manifest["n_features"] = rows
    manifest["files"] = {"weights.safetensors": hashlib.sha256(weights).hexdigest()}
    lexicon = b""
    if lexicon_signals is not None:
        text = (model / "lexicon.toml").read_text(encoding="utf-8")
        signals = text.split("\n[[signal]]\n")[1 : 1 + lexicon_signals]
        lexicon = "".join("[[signal]]\n" + s.strip() + "\n\n" for s in signals).encode("utf-8")
        manifest["files"]["lexicon.toml"] = hashlib.sha256(lexicon).hexdigest()
    out = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    if lexicon_signals is not None:
        out += b"\n%%lexicon\n" + lexicon
    return out + b"\n%%weights\n" + weights


def safetensors(tensors):
    header, offset, blobs = {}, 0, []
    for name, (blob, dtype, shape) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def model_load_seeds():
    for rows in (0, 8, 64):
        write("model_load", f"topic-{rows}", shrink_model("topic", rows, None))
        write("model_load", f"urgency-{rows}", shrink_model("urgency", rows, 3))
    write("model_load", "urgency-no-lexicon", shrink_model("urgency", 8, None))
    onnx = shrink_model("topic", 8, None).replace(b'"backend": "linear"', b'"backend": "onnx"', 1)
    write("model_load", "topic-onnx", onnx)


def main():
    for target in ("text", "route_json", "events_body", "events_csv", "model_load"):
        # Inputs a run found and kept as regressions (`regression-*`) are not made here.
        (SEEDS / target).mkdir(parents=True, exist_ok=True)
        for old in (SEEDS / target).iterdir():
            if not old.name.startswith("regression-"):
                old.unlink()
    rows = starter_rows()
    text_seeds(rows)
    route_json_seeds()
    events_body_seeds(rows)
    events_csv_seeds(rows)
    model_load_seeds()
    for target in sorted(p.name for p in SEEDS.iterdir()):
        files = list((SEEDS / target).iterdir())
        print(f"{target}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
