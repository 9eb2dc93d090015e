"""A tiny client for a running instrada, checked against the committed OpenAPI contract.

Every call names a path and a method of ``api/openapi.json``; a call the contract does not have
raises ``ContractError`` before anything is sent, and a non-2xx answer raises ``ApiError`` with
the body's stable ``error.code``. The contract is the schema: nothing here repeats it.

    from instrada_client import Instrada
    api = Instrada("http://127.0.0.1:8080")
    api.post("/v1/route", json={"text": "Come pago la TARI?"})
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import requests

#: The contract committed beside the code (``api/openapi.json``), found from this file.
DEFAULT_CONTRACT = Path(__file__).resolve().parent.parent / "api" / "openapi.json"


class ContractError(RuntimeError):
    """A call the OpenAPI contract does not have (a wrong path, method or query parameter)."""


class ApiError(RuntimeError):
    """A non-2xx answer: its status, the error body's ``code`` and ``message``."""

    def __init__(self, method: str, path: str, status: int, code: str, message: str):
        super().__init__(f"{method} {path}: {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Instrada:
    """Calls to one instrada at ``base_url`` (default ``$INSTRADA_URL`` or 127.0.0.1:8080)."""

    def __init__(self, base_url: str | None = None, contract: str | Path | None = None,
                 timeout: float = 120.0):
        self.base_url = (base_url or os.environ.get("INSTRADA_URL")
                         or "http://127.0.0.1:8080").rstrip("/")
        path = Path(contract or os.environ.get("INSTRADA_OPENAPI") or DEFAULT_CONTRACT)
        self.contract = json.loads(path.read_text(encoding="utf-8"))
        self.timeout = timeout
        self.session = requests.Session()

    def operation(self, method: str, path: str) -> dict:
        """The contract's operation for ``method path`` (``/v1/outreach/F1/review`` matches
        ``/v1/outreach/{flag_id}/review``), or ``ContractError``."""
        for template, ops in self.contract["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path):
                op = ops.get(method.lower())
                if op is None:
                    raise ContractError(
                        f"{method} {path}: the contract has only "
                        f"{', '.join(m.upper() for m in ops)} for {template}")
                return op
        raise ContractError(f"{method} {path}: no such path in the OpenAPI contract")

    def request(self, method: str, path: str, *, params: dict | None = None,
                json: object = None, raw: bool = False):
        """Sends one call; the decoded JSON (or the ``requests.Response`` with ``raw``)."""
        op = self.operation(method, path)
        known = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        unknown = sorted(set(params or {}) - known)
        if unknown:
            raise ContractError(f"{method} {path}: unknown query parameter(s) {unknown}")
        r = self.session.request(method, self.base_url + path, params=params, json=json,
                                 timeout=self.timeout)
        if not 200 <= r.status_code < 300:
            try:
                err = r.json()["error"]
                code, message = err.get("code", "?"), err.get("message", "")
            except (ValueError, KeyError, TypeError):
                code, message = "not_json", r.text[:200]
            raise ApiError(method, path, r.status_code, code, message)
        if raw:
            return r
        return r.json() if r.content else None

    def get(self, path: str, **kw):
        """``GET path``."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        """``POST path``."""
        return self.request("POST", path, **kw)

    def wait_ready(self, seconds: float = 60.0) -> None:
        """Waits until ``GET /readyz`` answers 2xx (the models are loaded)."""
        import time

        deadline = time.monotonic() + seconds
        while True:
            try:
                self.get("/readyz")
                return
            except (requests.ConnectionError, ApiError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
