"""The demo's working directory: it only ever deletes what it created.

``tilts demo --workdir DIR`` writes a marker file (:data:`MARKER`) into a directory it created
(or found empty). On the next demo run it removes only the entries it creates itself
(:data:`CREATED`), and only in a directory holding its marker; a non-empty directory without
the marker — a live store, a home directory, ``--workdir .`` in a project — is refused (exit 2)
and left untouched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tilts.kernel.errors import InputError

MARKER = ".tilts-demo"
MARKER_TEXT = "This directory was created by `tilts demo`; the next demo run replaces it.\n"
CREATED = ("tilts.toml", "tilts.db", "tilts.db-journal", "tilts.db-wal", "tilts.db-shm", "prefect")


def prepare_workdir(workdir: Path) -> None:
    """Make ``workdir`` ready for a fresh demo, deleting only what an earlier demo created."""
    if workdir.exists() and not workdir.is_dir():
        raise InputError(f"--workdir {workdir}: exists and is not a directory")
    if workdir.is_dir():
        entries = list(workdir.iterdir())
        if entries and not (workdir / MARKER).is_file():
            raise InputError(
                f"--workdir {workdir}: not empty and not created by `tilts demo` "
                f"(no {MARKER} in it); give an empty or new directory"
            )
        for name in CREATED:
            target = workdir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
