"""Finds hand-written lists of registries: list, tuple, set and dict displays (dict keys) whose
string-literal elements name two or more registries (by service, scope or fact source).

The table of descriptors (``registries/``) is the one list; everything else derives from it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tilts.registries import REGISTRIES

SKIPPED_DIRS = {".venv", ".git", "tests", "registries", "build", "dist", "node_modules"}


@dataclass(frozen=True)
class Offender:
    """A display naming several registries: where, and which registries."""

    path: str
    line: int
    registries: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.path}:{self.line} names {', '.join(self.registries)}"


def names() -> dict[str, str]:
    """Every string that names a registry → the registry's service."""
    out: dict[str, str] = {}
    for r in REGISTRIES:
        for name in (r.service, r.scope, r.source):
            out[name] = r.service
    return out


def _elements(node: ast.AST) -> list[ast.expr | None]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return list(node.keys)
    return []


def offenders_in(source: str, path: str, known: dict[str, str] | None = None) -> list[Offender]:
    """The displays of one module's source that name two or more registries."""
    known = names() if known is None else known
    found = []
    for node in ast.walk(ast.parse(source, path)):
        named = {
            known[e.value]
            for e in _elements(node)
            if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in known
        }
        if len(named) >= 2:
            found.append(Offender(path, getattr(node, "lineno", 0), tuple(sorted(named))))
    return found


def python_files(root: Path) -> Iterator[Path]:
    """The project's Python files outside the descriptor package and the tests (links to
    folders are not followed: ``tilts/flows`` is ``flows/``)."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIPPED_DIRS and not d.startswith(".") and not d.endswith(".egg-info")
        )  # fmt: skip
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder, name)


def scan(root: Path, files: Iterable[Path] | None = None) -> list[Offender]:
    """Every offender under ``root``."""
    known = names()
    out: list[Offender] = []
    for path in files if files is not None else python_files(root):
        rel = path.relative_to(root).as_posix()
        out += offenders_in(path.read_text(encoding="utf-8"), rel, known)
    return out
