"""Resolve a descriptor's dotted reference (``"tilts.connectors.nva:NvaClient"``).

Descriptors name code by path so that the bottom layer imports nothing above it; the layer
that uses a reference calls :func:`resolve` with the prefix the reference must have (a
connector layer resolves only ``tilts.connectors.`` references, and so on), so a descriptor
cannot make a layer import one above it at run time.
"""

from __future__ import annotations

import importlib
from typing import Any


class UnresolvedReference(LookupError):
    """A descriptor's reference names nothing, or code outside the layer asked for."""


def resolve(ref: str, within: str) -> Any:
    """The object ``ref`` (``"package.module:attribute"`` or a module path) names; ``within``
    is the package prefix the reference must lie in (``"tilts.connectors."``)."""
    module_name, _, attribute = ref.partition(":")
    if not module_name.startswith(within):
        raise UnresolvedReference(f"{ref}: not within {within.rstrip('.')}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnresolvedReference(f"{ref}: {exc}") from exc
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise UnresolvedReference(f"{ref}: no attribute {attribute!r}") from exc
