"""Found by attacking it (issue 18, item 6): mask personal codes, not every 11-digit run."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tilts.kernel.logsafe import MaskingFilter, scrub
from tilts.kernel.personal_code import mask

FAULT_ID = "0b9e5c1a-4f2d-4c3e-9a7b-70123456789c"  # eleven digits in its last group


def test_a_uuid_fault_id_with_eleven_digits_stays_quotable() -> None:
    text = f"Server.InternalError (fault id {FAULT_ID})"
    assert scrub(text) == text


def test_a_log_record_keeps_the_fault_id() -> None:
    record = logging.LogRecord("tilts", logging.ERROR, __file__, 1, "fault %s", (FAULT_ID,), None)
    MaskingFilter().filter(record)
    assert FAULT_ID in record.getMessage()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("id-01019012345c", "id-010190-1****c"),  # old format, real date, glued to letters
        ("x32345678901y", "x323456-7****y"),  # new format, glued
        ("a3f01019012340", "a3f010190-1****"),  # old format, wrong check digit: still masked
        ("uuid 9c4e-391234567890", "uuid 9c4e-391234567890"),  # twelve digits: not a code
    ],
)
def test_codes_are_masked_in_any_context(text: str, masked: str) -> None:
    assert scrub(text) == masked


@given(st.from_regex(r"\A[0-9]{11}\Z"), st.sampled_from(["", "a", "-", "f", " "]))
def test_every_run_is_either_masked_or_not_a_code(run: str, glue: str) -> None:
    cleaned = scrub(f"x{glue}{run}{glue}y") if glue != "-" else scrub(f"x {run} y")
    new_format = run[0] == "3" and run[1] in "23456789"
    century_ok = run[6] in "012"
    if new_format:
        assert mask(run) in cleaned
    elif not century_ok:
        assert run in cleaned
