"""Personal codes: the rules of registries.md §1.3, property-tested."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tilts.kernel.logsafe import scrub
from tilts.kernel.personal_code import (
    birth_date,
    invalid_reason,
    is_valid,
    mask,
    old_format_check_digit,
)


def _old(day: dt.date, serial: int) -> str | None:
    century = {18: "0", 19: "1", 20: "2"}[day.year // 100]
    first = f"{day:%d%m}{day.year % 100:02d}{century}{serial:03d}"
    check = old_format_check_digit(first)
    return None if check is None else first + str(check)


@given(st.dates(dt.date(1850, 1, 1), dt.date(2017, 6, 30)), st.integers(0, 999))
def test_generated_old_codes_are_valid_and_carry_the_birth_date(day: dt.date, serial: int) -> None:
    code = _old(day, serial)
    if code is None:
        return
    assert is_valid(code)
    assert birth_date(code) == day
    wrong = code[:10] + str((int(code[10]) + 1) % 10)
    assert invalid_reason(wrong) == "check digit does not match"


@given(st.integers(2, 9), st.integers(0, 10**9 - 1))
def test_new_format_never_rejected_for_its_last_digit(second: int, rest: int) -> None:
    code = f"3{second}{rest:09d}"
    assert is_valid(code)
    assert birth_date(code) is None


def test_bad_codes_name_the_reason_without_the_code() -> None:
    assert invalid_reason("3112991") == "must be 11 digits"
    assert invalid_reason("3112991000a") == "must be 11 digits"
    # a day of 30 or 31 starts an old-format code with 3: still the old rules
    assert invalid_reason("30029910001") == "birth date part is not a real date"
    assert invalid_reason("01019051234") == "century digit must be 0, 1 or 2"


@given(st.text(alphabet="0123456789-", max_size=14))
def test_mask_never_leaks_more_than_seven_digits(code: str) -> None:
    shown = mask(code)
    assert sum(ch.isdigit() for ch in shown) <= 7


def test_scrub_masks_codes_in_free_text() -> None:
    assert (
        scrub("asked for 01019012345 and 321234-56789") == "asked for 010190-1**** and 321234-5****"
    )
