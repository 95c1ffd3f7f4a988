"""The "found by attacking it" rows of docs/fault-matrix.md are the ones of
``tests/reliability/attacks.py``, and each names a test file that exists."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.attacks import ATTACKS, section

ROOT = Path(__file__).resolve().parents[2]


def test_every_attack_row_names_a_test_that_exists() -> None:
    for _, _, test in ATTACKS:
        assert (ROOT / test).is_file(), test


def test_the_fault_matrix_document_lists_the_attacks() -> None:
    doc = (ROOT / "docs" / "fault-matrix.md").read_text(encoding="utf-8")
    assert section() in doc
