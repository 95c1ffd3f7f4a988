"""The house's shape: one import root, layers that never run back up, no import circle.

The layers are import-linter contracts in pyproject.toml (``[tool.importlinter]``); this module
runs them, looks for circles between modules (import-linter's layers do not), and checks what an
installed Tilts puts on the import path from outside the repository.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("flows", "connectors", "schemas", "mocks", "store", "assessment")


def test_the_layer_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected sets of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_circle_between_modules() -> None:
    """Function-local imports count too: a circle held apart by one is still a circle."""
    assert _circles(grimp.build_graph("tilts")) == []


def test_the_circle_finder_finds_a_circle(tmp_path: Path) -> None:
    pkg = tmp_path / "circ"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from circ import b\n")
    (pkg / "b.py").write_text("from circ import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        assert _circles(grimp.build_graph("circ", cache_dir=None)) == [["circ.a", "circ.b"]]
    finally:
        sys.path.remove(str(tmp_path))


def test_an_installed_tilts_puts_only_tilts_on_the_import_path(tmp_path: Path) -> None:
    """From outside the repository the folders are reachable as ``tilts.<folder>`` only."""
    probe = (
        "import importlib.util as u\n"
        f"for name in {FOLDERS!r}:\n"
        "    assert u.find_spec(name) is None, name\n"
        "    assert u.find_spec('tilts.' + name) is not None, name\n"
        "import tilts.flows.nightly, tilts.shell.cli, tilts.kernel.errors\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_nothing_imports_a_folder_by_its_bare_name() -> None:
    """``import store`` would load a second copy of the module beside ``tilts.store``."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in (".venv", "node_modules", "tilts") or ".git" in rel.parts:
            continue  # tilts/<folder> are links to the folders themselves
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{rel}:{node.lineno} {n}" for n in names if n.split(".")[0] in FOLDERS]
    assert offenders == []
