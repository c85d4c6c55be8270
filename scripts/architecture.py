"""Print the shape of the code: function-level imports, the largest import cycle, `Any` in
signatures. The closing notes of issue 14 quote these figures; run it before and after a change.

    python scripts/architecture.py [--list]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("coordination", "workflows")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def measure() -> tuple[set[tuple[str, int, str]], list[str], int]:
    """(function-level imports, the largest import cycle, `Any` in signatures)."""
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    local_imports: set[tuple[str, int, str]] = set()
    any_count = 0
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                annotations = [a.annotation for a in args.args + args.kwonlyargs + args.posonlyargs]
                annotations += [args.vararg and args.vararg.annotation, args.kwarg and args.kwarg.annotation]
                annotations.append(node.returns)
                for annotation in annotations:
                    if annotation is not None and "Any" in ast.unparse(annotation):
                        any_count += 1
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and inner is not node:
                        target = (
                            resolve(name, is_package, inner)
                            if isinstance(inner, ast.ImportFrom)
                            else inner.names[0].name
                        )
                        if target.split(".")[0] in PACKAGES:
                            local_imports.add((str(path.relative_to(ROOT)), inner.lineno, target))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = resolve(name, is_package, node)
                # `from package import module` depends on the module, not on the package.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    # The largest strongly connected component (Tarjan), counting function-level imports.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            components.append(component)

    for v in modules:
        if v not in index:
            visit(v)
    largest = max(components, key=len)
    return local_imports, (largest if len(largest) > 1 else []), any_count


def main() -> None:
    local_imports, largest, any_count = measure()
    print(f"function-level imports of project modules: {len(local_imports)}")
    print(f"largest import cycle: {len(largest)} modules")
    print(f"`Any` in signatures: {any_count}")
    if "--list" in sys.argv:
        for path, line, target in sorted(local_imports):
            print(f"  {path}:{line} {target}")
        if largest:
            print("  cycle:", " ".join(sorted(largest)))


if __name__ == "__main__":
    main()
