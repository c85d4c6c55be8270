"""The shape a newcomer relies on: domain events that are declared are sent, imports stay at the
top of modules (so the layer contract in .importlinter sees them), no import cycle."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from blinker import NamedSignal

from coordination import signals

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import architecture  # noqa: E402


def _sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "coordination").rglob("*.py") if p.name != "signals.py"
    )


def test_every_declared_domain_event_is_sent_by_the_code():
    code = _sources()
    declared = [name for name, value in vars(signals).items() if isinstance(value, NamedSignal)]
    assert len(declared) == len(signals.every_signal())
    unsent = [name for name in declared if not re.search(rf"signals\.{name}\b", code)]
    assert unsent == []


def test_function_level_imports_are_few_and_say_why():
    local_imports, _, _ = architecture.measure()
    assert len(local_imports) < 10, sorted(local_imports)
    for path, line, _target in local_imports:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        said = lines[line - 1] + lines[line - 2]
        assert "#" in said, f"{path}:{line} imports inside a function without saying why"


def test_no_import_cycle_between_modules():
    _, cycle, _ = architecture.measure()
    assert cycle == []
