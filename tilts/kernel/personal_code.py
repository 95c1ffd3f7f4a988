"""Latvian personal codes (personas kods): validation, masking, birth date.

Rules are those of ``registries.md`` §1.3. The old format (issued until 2017-06-30) is
``DDMMYY`` + century digit + three digits + check digit; the new format starts with ``3`` and
a second digit 2-9 and carries no birth date. Tilts never rejects a new-format code for its
last digit: no public source confirms that checksum, and the register answers ``NOT_FOUND``
for a code that does not exist.

python-stdnum's ``lv.pvn`` treats a remainder of 10 as check digit 0 and applies the checksum
to new-format codes too; the spec says otherwise on both points, so the rule is written here.
"""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DIGITS = re.compile(r"^[0-9]{11}\Z")  # ASCII digits only: ``\d`` takes "０１０１９０…" too
_CENTURY = {"0": 1800, "1": 1900, "2": 2000}


def normalise(code: str) -> str:
    """Return the wire form (11 digits, no hyphen) of a display- or wire-form code."""
    return code.replace("-", "").strip()


def old_format_check_digit(first_ten: str) -> int | None:
    """Check digit of an old-format code, or ``None`` when the remainder is 10 (no valid code)."""
    total = sum(int(d) * w for d, w in zip(first_ten, _WEIGHTS, strict=True))
    check = (1101 - total) % 11
    return None if check == 10 else check


def is_new_format(code: str) -> bool:
    """True for a new-format (since 2017-07-01) code: ``3`` then a digit 2-9."""
    return len(code) == 11 and code[0] == "3" and code[1] in "23456789"


def birth_date(code: str) -> dt.date | None:
    """Birth date encoded in an old-format code; ``None`` for new-format or impossible dates."""
    code = normalise(code)
    if not _DIGITS.match(code) or is_new_format(code):
        return None
    century = _CENTURY.get(code[6])
    if century is None:
        return None
    try:
        return dt.date(century + int(code[4:6]), int(code[2:4]), int(code[0:2]))
    except ValueError:
        return None


def invalid_reason(code: str) -> str | None:
    """Why ``code`` is not a valid personal code, or ``None`` when it is valid.

    The reason never repeats the code itself, so it is safe in logs and errors.
    """
    code = normalise(code)
    if not _DIGITS.match(code):
        return "must be 11 digits"
    if is_new_format(code):
        return None
    if code[6] not in _CENTURY:
        return "century digit must be 0, 1 or 2"
    if birth_date(code) is None:
        return "birth date part is not a real date"
    check = old_format_check_digit(code[:10])
    if check is None or check != int(code[10]):
        return "check digit does not match"
    return None


def is_valid(code: str) -> bool:
    """True when ``code`` is a valid old- or new-format personal code."""
    return invalid_reason(code) is None


def looks_like_code(code: str) -> bool:
    """True when an 11-digit run could be someone's personal code, so a log must mask it.

    A new-format code (``3`` then 2-9), or an old-format one whose birth date is real and whose
    century digit is 0-2 — the check digit is not asked for: a mistyped code is still masked.
    Any other 11-digit run (a part of a UUID, an amount, a counter) is not a personal code and
    stays quotable. Digits of other scripts are read as their ASCII values here.
    """
    code = normalise(code)
    if len(code) != 11 or not all(ch.isdigit() for ch in code):
        return False
    ascii_code = "".join(str(int(ch)) for ch in code)  # int() reads any script's digits
    return is_new_format(ascii_code) or birth_date(ascii_code) is not None


def mask(code: str | None) -> str:
    """Display form with the last four digits hidden: ``010190-1****``.

    Anything that is not 11 digits is masked completely, so a malformed code never leaks.
    """
    if code is None:
        return "<none>"
    code = normalise(str(code))
    if not _DIGITS.match(code):
        return "*" * min(len(code), 11) or "<empty>"
    return f"{code[:6]}-{code[6]}****"


def display(code: str) -> str:
    """Display form with the hyphen after the sixth digit (for UIs that may show codes)."""
    code = normalise(code)
    return f"{code[:6]}-{code[6:]}"
