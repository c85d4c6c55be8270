"""The shape a newcomer relies on: imports stay at the top of modules, where a reader (and the
layer contract in .importlinter) sees them, and no module imports itself round a cycle.
The domain events are tested as users cause them: tests/test_demo.py, test_domain_events.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import architecture  # noqa: E402


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
