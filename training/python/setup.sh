#!/usr/bin/env bash
# Creates training/python/.venv with requirements.txt installed (from PyPI only), and prints the
# path of the ONNX Runtime shared library it provides (for ORT_DYLIB_PATH).
# Idempotent: when the venv exists and requirements.txt has not changed since it was installed,
# it only prints the path (well under a second).
# Usage: training/python/setup.sh        then: export ORT_DYLIB_PATH="$(training/python/setup.sh)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv" >&2
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  echo "$want" >"$stamp"
fi
lib="$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so* 2>/dev/null | head -1)"
if [[ -z "$lib" ]]; then
  echo "setup.sh: onnxruntime installed but no libonnxruntime.so* under $venv" >&2
  exit 1
fi
echo "$lib"
