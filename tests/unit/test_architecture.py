"""Dependencies point one way (STYLE.md): the import-linter contracts in pyproject.toml hold, no
two packages of daigou import each other (even through others), a purchasing core knows no
platform, and the tests share helpers only through tests/support."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
TESTS = ROOT / "tests"


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# --- no cycle between the packages of daigou ---------------------------------------------------
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("daigou", cache_dir=None)


def package_of(module: str) -> str | None:
    """daigou.<package> for a module inside a subpackage of daigou; None for daigou's own
    top-level modules (app, cli, deps, config, models, health...), which are not packages."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return ".".join(parts[:2])


def package_edges(graph: grimp.ImportGraph) -> dict[tuple[str, str], list[str]]:
    """(importer package, imported package) -> the module imports behind it ("a -> b (line)"),
    for every direct import from one subpackage of daigou into another."""
    packages = {m for m in graph.modules if m.count(".") == 1 and graph.find_children(m)}
    edges: dict[tuple[str, str], list[str]] = {}
    for module in sorted(graph.modules):
        a = package_of(module)
        if a not in packages:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            b = package_of(imported)
            if b is None or b == a or b not in packages:
                continue
            for d in graph.get_import_details(importer=module, imported=imported):
                edges.setdefault((a, b), []).append(
                    f"{module} -> {imported} (l.{d['line_number']})"
                )
    return edges


def package_cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), sorted."""
    succ: dict[str, set[str]] = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
        succ.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
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
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return sorted(out)


def describe(cycles: list[list[str]], edges: dict[tuple[str, str], list[str]]) -> str:
    lines = []
    for component in cycles:
        lines.append(" <-> ".join(component))
        for (a, b), why in sorted(edges.items()):
            if a in component and b in component:
                lines.extend(f"    {w}" for w in why)
    return "\n".join(lines)


def test_no_import_cycle_between_packages():
    edges = package_edges(_graph())
    cycles = package_cycles(edges)
    assert cycles == [], "import cycles between packages:\n" + describe(cycles, edges)


def test_the_cycle_finder_finds_a_cycle_through_three_packages():
    edges = {
        ("p.a", "p.b"): ["x"],
        ("p.b", "p.c"): ["y"],
        ("p.c", "p.a"): ["z"],
        ("p.c", "p.d"): [],
    }
    assert package_cycles(edges) == [["p.a", "p.b", "p.c"]]
    assert package_cycles({("p.a", "p.b"): [], ("p.b", "p.c"): []}) == []


# --- the purchasing core knows no platform -----------------------------------------------------
PLATFORM_PACKAGE = re.compile(r"^daigou\.(orders|cart)(1688|taobao)\w*$")


def test_the_purchasing_core_imports_no_platform_module():
    """daigou.purchasing (once it exists) imports no platform package (orders1688, cart1688,
    orderstaobao, ...), directly or through another module. import-linter refuses contracts
    on absent modules, hence this test."""
    graph = _graph()
    if "daigou.purchasing" not in graph.modules:
        pytest.skip("no daigou.purchasing yet")
    platforms = sorted(m for m in graph.modules if m.count(".") == 1 and PLATFORM_PACKAGE.match(m))
    assert platforms, "no platform package found: the pattern is out of date"
    chains = [
        chain
        for platform in platforms
        if (
            chain := graph.find_shortest_chain(
                importer="daigou.purchasing", imported=platform, as_packages=True
            )
        )
    ]
    assert chains == [], chains


# --- tests share helpers only through tests/support --------------------------------------------
def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "." * node.level + (node.module or "")))
    return out


def _is_allowed(name: str) -> bool:
    if name == "tests" or not name.startswith("tests."):
        return not name.startswith(".")  # a relative import reaches another test module
    return name == "tests.support" or name.startswith("tests.support.")


def test_no_test_module_imports_another_test_module():
    """Helpers shared by several test modules live in tests/support; a test module (or a
    conftest) never imports a test module or a conftest (tests.api.*, tests.conftest, ...)."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, name in _imported_modules(tree):
            if not _is_allowed(name):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert offenders == [], "\n".join(offenders)
