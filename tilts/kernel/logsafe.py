"""Defence in depth for logs: mask anything that could be a personal code in every log record.

Code paths already log only masked codes or internal ids; this filter, installed on the
handlers of the root and Prefect loggers, catches what slipped through (e.g. a library's
exception text quoting a request).
"""

from __future__ import annotations

import logging
import re

from tilts.kernel.personal_code import looks_like_code, mask

# Not inside a longer run of ASCII digits; a code after "٣" or "５" is still masked.
_CODE = re.compile(r"(?<![0-9])(\d{6})-?(\d{5})(?![0-9])")


def _mask_match(m: re.Match[str]) -> str:
    code = m.group(1) + m.group(2)
    return mask(code) if looks_like_code(code) else m.group(0)


def scrub(text: str) -> str:
    """``text`` with every 11-digit (or ``DDDDDD-DDDDD``) run that could be a code masked.

    A run that cannot be a personal code (an old-format date that does not exist, a century
    digit 3-9 not followed by a new-format second digit) is left alone, so a fault id or a UUID
    holding eleven digits stays quotable (issue 18).
    """
    return _CODE.sub(_mask_match, text)


class MaskingFilter(logging.Filter):
    """Rewrites a record's message so that no personal code survives in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the caller's bug, not ours to hide
            return True
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def guard(name: str) -> None:
    """Mask the records of logger ``name`` where they are made, before any handler (a test's
    capture included) sees them: for a library that logs a URL holding a personal code
    (urllib3's request line of UR's ``GET natural-person/{personCode}``, property.md §4)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())


def install() -> None:
    """Add the filter to every handler of the root, ``prefect`` and ``tilts`` loggers."""
    flt = MaskingFilter()
    for name in (None, "prefect", "tilts", "prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(flt)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(flt)
    follow_prefect_extra_level()


def follow_prefect_extra_level() -> None:
    """Let ``tilts.*`` INFO lines reach Prefect's API when ``tilts`` is an extra logger.

    Prefect 3.8 gives each of ``PREFECT_LOGGING_EXTRA_LOGGERS`` the API handler but no level,
    so ``tilts`` stayed at the root's WARNING and its INFO lines (a run's "finished" figures)
    never reached the UI. An unconfigured ``tilts`` logger takes ``prefect.extra``'s level
    (``PREFECT_LOGGING_LEVEL``); one a logging configuration sets is left alone.
    """
    from prefect.settings import PREFECT_LOGGING_EXTRA_LOGGERS

    logger = logging.getLogger("tilts")
    if "tilts" in PREFECT_LOGGING_EXTRA_LOGGERS.value() and logger.level == logging.NOTSET:
        logger.setLevel(logging.getLogger("prefect.extra").level or logging.INFO)
