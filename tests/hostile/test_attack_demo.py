"""Found by attacking it (issue 18, item 1): ``tilts demo --workdir`` deletes only what it made."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import tilts
from tilts.shell.demo_workdir import MARKER, prepare_workdir


def test_demo_refuses_a_non_empty_directory_it_did_not_create(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    (live / "tilts.db").write_text("a live store", encoding="utf-8")
    proc = tilts("demo", "--workdir", str(live), "--persons", "100", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "not created by `tilts demo`" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (live / "tilts.db").read_text(encoding="utf-8") == "a live store"


def test_demo_refuses_the_current_directory_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    proc = tilts("demo", "--workdir", ".", "--persons", "100", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / MARKER).exists()


def test_a_demo_directory_loses_only_what_the_demo_created(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    prepare_workdir(work)  # new: created, marked
    assert (work / MARKER).is_file()
    (work / "tilts.db").write_text("old demo store", encoding="utf-8")
    (work / "prefect").mkdir()
    (work / "prefect" / "prefect.db").write_text("x", encoding="utf-8")
    (work / "mine.txt").write_text("the user's", encoding="utf-8")
    prepare_workdir(work)
    assert not (work / "tilts.db").exists()
    assert not (work / "prefect").exists()
    assert (work / "mine.txt").read_text(encoding="utf-8") == "the user's"
    assert (work / MARKER).is_file()


def test_an_empty_directory_is_taken_and_marked(tmp_path: Path) -> None:
    prepare_workdir(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MARKER]
