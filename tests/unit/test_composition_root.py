"""One composition root (STYLE "One composition root", "Name the seam, don't reach through
it"): only ``daigou.bootstrap`` (and the CLI) build the sandbox adapter, and nothing reaches
into a marketplace adapter by ``getattr``. import-linter keeps the first for module-level
imports too; this test also sees imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import daigou

SRC = Path(daigou.__file__).parent
SANDBOX = "daigou.marketplace.sandbox"
# who may import the sandbox adapter: the composition root, the CLI, the sandbox itself, and
# the module that gathers every table for Alembic (the sandbox keeps its state in tables)
ALLOWED = ("bootstrap.py", "cli.py", "models.py", "marketplace/sandbox/")


def modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        found.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    assert len(found) > 50  # the scan sees the package
    return found


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_only_the_composition_root_imports_the_sandbox_adapter():
    offenders = {
        rel: sorted(n for n in imported(tree) if n == SANDBOX or n.startswith(SANDBOX + "."))
        for rel, tree in modules()
        if not rel.startswith(ALLOWED)
    }
    assert {rel: names for rel, names in offenders.items() if names} == {}


def test_the_scan_would_see_a_lazy_import():
    tree = ast.parse("def f():\n    from daigou.marketplace.sandbox import faults\n")
    assert "daigou.marketplace.sandbox.faults" in imported(tree)


def _reaches_into_a_marketplace(node: ast.AST) -> bool:
    """``getattr(market, ...)``, ``getattr(self.marketplace, ...)``, ``getattr(seller, ...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    if node.func.id not in ("getattr", "hasattr") or not node.args:
        return False
    target = ast.unparse(node.args[0]).lower()
    return any(word in target for word in ("market", "seller", "sandbox", "adapter"))


def test_nothing_reaches_into_a_marketplace_by_getattr():
    offenders = [
        f"{rel}:{node.lineno}"
        for rel, tree in modules()
        for node in ast.walk(tree)
        if _reaches_into_a_marketplace(node)
    ]
    assert offenders == []


def test_the_getattr_check_would_see_one():
    tree = ast.parse('seller = getattr(self.marketplace, "seller", None)')
    assert any(_reaches_into_a_marketplace(n) for n in ast.walk(tree))
