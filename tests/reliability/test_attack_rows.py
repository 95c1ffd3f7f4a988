"""The "found by attacking it" rows of docs/fault-matrix.md are the ones of
``tests/reliability/attacks.py``, and each names a test file that exists; the HTTP and SOAP
conformance rows are the ones of ``tests/reliability/conformance.py``."""

from __future__ import annotations

import re
from pathlib import Path

from tests.reliability.attacks import ATTACKS, section
from tests.reliability.conformance import SECTION

ROOT = Path(__file__).resolve().parents[2]


def test_every_attack_row_names_a_test_that_exists() -> None:
    for _, _, test in ATTACKS:
        assert (ROOT / test).is_file(), test


def test_the_fault_matrix_document_lists_the_attacks() -> None:
    doc = (ROOT / "docs" / "fault-matrix.md").read_text(encoding="utf-8")
    assert section() in doc


def test_the_fault_matrix_document_lists_the_conformance_rows() -> None:
    """The HTTP and SOAP conformance rows are in the document as the matrix renders them, and
    every test file they name exists."""
    doc = (ROOT / "docs" / "fault-matrix.md").read_text(encoding="utf-8")
    assert SECTION in doc
    for name in re.findall(r"`(tests/[^`:]+\.py)", SECTION):
        assert (ROOT / name).is_file(), name
