"""Audit the installed packages for known vulnerabilities with pip-audit, when a vulnerability
database can be reached; say so plainly, and do not fail, when none can.

    python scripts/audit.py        (run by scripts/test)

pip-audit asks PyPI for each installed release (https://pypi.org/pypi/NAME/VERSION/json, whose
"vulnerabilities" come from the PyPA advisory database) or OSV (https://api.osv.dev). Neither is
taken on trust: each is first asked about a release with published advisories (requests 2.31.0)
and counts as reachable only if it names them. A package mirror that answers PyPI's address but
not per-release JSON (404) would otherwise make pip-audit skip every package and still print
"No known vulnerabilities found". Every request is bounded (AUDIT_TIMEOUT seconds, 10) and so is
the whole run (AUDIT_DEADLINE, 300). AUDIT_PYPI_URL and AUDIT_OSV_URL point the probes elsewhere
(the tests use a local server). Exit status: 0 when clean or skipped, 1 when a known
vulnerability is found or pip-audit is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIPPED = "pip-audit: vulnerability database not reachable, skipped"
# A release with published advisories: a database that knows of none for it is not one.
PROBE_NAME, PROBE_VERSION = "requests", "2.31.0"


@dataclass(frozen=True)
class Settings:
    pypi_url: str
    osv_url: str
    timeout: float
    deadline: float

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            pypi_url=os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi").rstrip("/"),
            osv_url=os.environ.get("AUDIT_OSV_URL", "https://api.osv.dev/v1/query"),
            timeout=float(os.environ.get("AUDIT_TIMEOUT", "10")),
            deadline=float(os.environ.get("AUDIT_DEADLINE", "300")),
        )


def _json(request: urllib.request.Request, timeout: float) -> Any:
    if not request.full_url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) address: {request.full_url}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310 - http(s) only
        return json.load(response)


def reachable_service(settings: Settings) -> tuple[str | None, list[str]]:
    """('pypi' or 'osv', []) for the first database that answers the probe with its advisories,
    or (None, why each one failed)."""
    reasons = []
    url = f"{settings.pypi_url}/{PROBE_NAME}/{PROBE_VERSION}/json"
    try:
        if _json(urllib.request.Request(url), settings.timeout).get("vulnerabilities"):  # noqa: S310
            return "pypi", []
        reasons.append(f"{url}: answered without advisories")
    except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
        reasons.append(f"{url}: {error}")
    query = {"package": {"name": PROBE_NAME, "ecosystem": "PyPI"}, "version": PROBE_VERSION}
    request = urllib.request.Request(  # noqa: S310 - _json opens http(s) only
        settings.osv_url, data=json.dumps(query).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        if _json(request, settings.timeout).get("vulns"):
            return "osv", []
        reasons.append(f"{settings.osv_url}: answered without advisories")
    except (OSError, ValueError) as error:
        reasons.append(f"{settings.osv_url}: {error}")
    return None, reasons


@dataclass(frozen=True)
class Outcome:
    lines: list[str]
    vulnerable: bool
    reachable: bool


def summarise(report: dict[str, Any]) -> Outcome:
    """Read pip-audit's JSON report: the vulnerable packages, and what could not be audited."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:  # every package skipped: the database did not answer after all
        return Outcome([SKIPPED, f"  every package skipped: {skipped[0]['skip_reason']}"], False, False)
    lines = []
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            aliases = ", ".join(vuln.get("aliases", []))
            lines.append(
                f"  {dependency['name']} {dependency['version']}: {vuln['id']}"
                + (f" ({aliases})" if aliases else "")
                + f", fixed in {fixed}"
            )
    count = len(lines)
    head = (
        f"pip-audit: {count} known vulnerabilit{'y' if count == 1 else 'ies'} in {len(audited)} packages"
        if count
        else f"pip-audit: no known vulnerabilities in {len(audited)} packages"
    )
    notes = [f"  not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}" for d in skipped]
    return Outcome([head, *lines, *notes], bool(count), True)


def run_pip_audit(service: str, settings: Settings) -> Outcome:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--local",
            "--skip-editable",
            "--progress-spinner",
            "off",
            "--timeout",
            str(int(settings.timeout)),
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--output",
            str(output),
        ]
        try:
            done = subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter, fixed arguments
                command, capture_output=True, text=True, timeout=settings.deadline, check=False
            )
        except subprocess.TimeoutExpired:
            return Outcome([SKIPPED, f"  no answer within {settings.deadline:.0f} s"], False, False)
        if not output.exists() or not output.read_text().strip():
            # pip-audit stopped before writing its report: the database went away mid-run.
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return Outcome([SKIPPED, f"  {last[:300]}"], False, False)
        return summarise(json.loads(output.read_text()))


def main() -> int:
    settings = Settings.from_environment()
    service, reasons = reachable_service(settings)
    if service is None:
        print(SKIPPED)
        for reason in reasons:
            print(f"  {reason[:300]}")
        return 0
    try:
        import pip_audit  # noqa: F401
    except ImportError:
        print("pip-audit: not installed; run pip install -r requirements-dev.txt")
        return 1
    outcome = run_pip_audit(service, settings)
    print("\n".join(outcome.lines))
    return 1 if outcome.vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
