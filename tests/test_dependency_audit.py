"""scripts/audit.py, the dependency audit scripts/test runs: it says plainly when no vulnerability
database answers and does not fail then, never takes a mirror's silence for a clean bill, gives
up on a database that does not answer in time, and fails on a known vulnerability."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "audit.py"
SKIPPED = "pip-audit: vulnerability database not reachable, skipped"


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _serve(answer: tuple[int, dict]) -> Iterator[str]:
    status, body = answer

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mirror() -> Iterator[str]:
    """What this machine's package mirror does: PyPI's address, but no per-release JSON (404)."""
    yield from _serve((404, {}))


@pytest.fixture
def silent_mirror() -> Iterator[str]:
    """Answers every release, with no advisories: a mirror, not a vulnerability database."""
    yield from _serve((200, {"info": {"name": "requests"}, "vulnerabilities": [], "vulns": []}))


def _run(base: str, **extra: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "AUDIT_PYPI_URL": f"{base}/pypi", "AUDIT_OSV_URL": f"{base}/v1/query", **extra}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return done, time.monotonic() - started


def test_no_database_is_said_plainly_and_does_not_fail_the_tests(mirror):
    done, _ = _run(mirror)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == SKIPPED
    assert "404" in done.stdout  # and why, for each database tried


def test_a_mirror_without_advisories_is_not_taken_for_a_clean_bill(silent_mirror):
    done, _ = _run(silent_mirror)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == SKIPPED
    assert "answered without advisories" in done.stdout


def test_a_database_that_never_answers_is_given_up_on_in_time():
    with socket.socket() as listener:  # accepts connections, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        done, took = _run(f"http://127.0.0.1:{listener.getsockname()[1]}", AUDIT_TIMEOUT="1")
    assert done.returncode == 0 and done.stdout.splitlines()[0] == SKIPPED
    assert took < 15


def test_a_database_that_names_the_probes_advisories_is_used():
    advisories = {
        "vulnerabilities": [{"id": "GHSA-9wx4-h78v-vm56"}],
        "vulns": [{"id": "GHSA-9wx4-h78v-vm56"}],
    }
    for base in _serve((200, advisories)):
        audit = _audit()
        settings = audit.Settings(f"{base}/pypi", f"{base}/v1/query", 5, 60)
        assert audit.reachable_service(settings) == ("pypi", [])


def test_every_package_skipped_means_not_reachable_not_clean():
    # What pip-audit 2.10 writes (and exits 0 with "No known vulnerabilities found") when the
    # mirror answers 404 for every release.
    report = {
        "dependencies": [
            {"name": n, "skip_reason": f"Dependency not found on PyPI and could not be audited: {n} (1.0)"}
            for n in ("flask", "rq")
        ],
        "fixes": [],
    }
    outcome = _audit().summarise(report)
    assert outcome.lines[0] == SKIPPED and not outcome.reachable and not outcome.vulnerable


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix():
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "jinja2",
                "version": "3.1.2",
                "vulns": [
                    {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"]}
                ],
            },
            {"name": "private-tool", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        ],
        "fixes": [],
    }
    outcome = _audit().summarise(report)
    assert outcome.vulnerable and outcome.reachable
    assert outcome.lines[0] == "pip-audit: 1 known vulnerability in 2 packages"
    assert "  jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195), fixed in 3.1.3" in outcome.lines
    assert any(line.startswith("  not audited: private-tool") for line in outcome.lines)
    clean = _audit().summarise({"dependencies": report["dependencies"][:1], "fixes": []})
    assert clean.lines == ["pip-audit: no known vulnerabilities in 1 packages"] and not clean.vulnerable
