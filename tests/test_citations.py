"""Every contract the code cites travels with it: each `registries.md §1.4`-style citation in the
code and docs names a file of docs/contracts/ and a section that file has.

A short citation (`spolis.md §4`) means `docs/contracts/spolis.md` (docs/contracts/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "docs" / "contracts"
CITED = re.compile(
    r"(?<![\w/.-])(?:docs/contracts/)?([a-z]+)\.md\b(?: (?:§|section )(\d+(?:\.\d+)*))?"
)
SKIP = {".venv", "node_modules", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tilts"}


def _sources() -> list[Path]:
    links = {p.name for p in (ROOT / "tilts").iterdir() if p.is_symlink()}
    files = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if SKIP & set(rel.parts) or (
            rel.parts[0] == "tilts" and rel.parts[1:2] in ([n] for n in links)
        ):
            continue  # tilts/<folder> links lead to the folders themselves
        wanted = path.suffix in (".py", ".md", ".toml", ".yaml") and path.is_file()
        if wanted and CONTRACTS not in path.parents and path != Path(__file__).resolve():
            files.append(path)
    return files


def _sections(contract: Path) -> set[str]:
    """`## 2. PMLP …` → "2", `### 1.4 Limits` → "1.4"."""
    heads = re.findall(r"^#{2,4} (\d+(?:\.\d+)*)\.?\s", contract.read_text(encoding="utf-8"), re.M)
    return set(heads)


def _citations(text: str) -> list[tuple[str, str | None]]:
    return [(name, section or None) for name, section in CITED.findall(text)]


def test_every_citation_names_a_contract_and_one_of_its_sections() -> None:
    contracts = {p.stem: _sections(p) for p in CONTRACTS.glob("*.md") if p.stem != "README"}
    docs = {p.stem for p in (ROOT / "docs").glob("*.md")} | {"README", "ARCHITECTURE", "BENCHMARKS"}
    sources = _sources()
    here = {p.stem for p in sources if p.suffix == ".md"}
    unknown, missing, seen = [], [], 0
    for path in sources:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, section in _citations(line):
                where = f"{path.relative_to(ROOT)}:{lineno}"
                if name in contracts:
                    seen += 1
                    if section is not None and section not in contracts[name]:
                        missing.append(f"{where} {name}.md §{section}")
                elif section is not None or name not in docs | here:
                    unknown.append(f"{where} {name}.md")
    assert seen > 100  # the code does cite the contracts
    assert missing == [], f"cited sections the contract does not have: {missing}"
    assert unknown == [], f"cited files that are not in this repository: {unknown}"


def test_the_citation_check_catches_a_wrong_section() -> None:
    assert _citations("see registries.md §1.4 and spolis.md section 9") == [
        ("registries", "1.4"),
        ("spolis", "9"),
    ]
    assert "9" not in _sections(CONTRACTS / "spolis.md")
    assert "1.4" in _sections(CONTRACTS / "registries.md")
