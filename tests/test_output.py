"""The output folder after incremental builds: changed files written over in place, other names kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Project, tree_digest

from tide import output


def test_a_changed_page_is_written_over_in_place(project: Project) -> None:
    """On a disk that trims freed blocks, replacing a file costs far more than writing over it."""
    project.article("a", body="第一版。\n")
    project.build()
    page = project.site / "articles/a/index.html"
    before = page.stat().st_ino
    project.article("a", body="第二版，长一些的正文。\n")
    result = project.build()
    assert "articles/a/index.html" in result.written
    assert page.stat().st_ino == before and "第二版" in page.read_text()
    assert not list(project.root.glob(".site.*"))  # the staging folder is gone after the commit


def test_a_page_with_other_hard_links_is_replaced_and_the_other_names_keep_their_bytes(project: Project) -> None:
    """A deploy tool may keep hard-linked snapshots of site/: writing over would change them too."""
    project.article("a", body="第一版。\n")
    project.build()
    page = project.site / "articles/a/index.html"
    snapshot = project.root / "snapshot.html"
    os.link(page, snapshot)
    project.article("a", body="第二版。\n")
    project.build()
    assert "第二版" in page.read_text() and "第一版" in snapshot.read_text()
    assert not list(project.site.rglob("*.tide-new"))


def test_a_build_that_dies_in_its_commit_is_healed_by_the_next(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are written over one by one: a crash half way leaves some new, so the next build may
    not trust the records, even when the edit has been undone meanwhile."""
    for name in ("a", "b", "c"):
        project.article(name)
    project.build()
    before = tree_digest(project.site)
    base = project.root / "templates/base.html"
    original = base.read_text()
    base.write_text(original.replace("订阅 RSS", "订阅 RSS！"))
    real = output._write_over
    calls = [0]

    def dies_on_the_third(path: Path, data: bytes) -> None:
        calls[0] += 1
        if calls[0] == 3:
            raise OSError("the machine went down")
        real(path, data)

    monkeypatch.setattr(output, "_write_over", dies_on_the_third)
    with pytest.raises(OSError):
        project.build()
    monkeypatch.setattr(output, "_write_over", real)
    base.write_text(original)  # the edit undone before the next build
    project.build()
    assert tree_digest(project.site) == before


def test_a_page_deleted_by_hand_is_written_again_when_its_page_is_looked_at(project: Project) -> None:
    """Even when the page drawn again has the bytes the record remembers (a template comment
    changed its signature, not its text), the missing file is written."""
    project.article("a")
    project.build()
    page = project.site / "articles/a/index.html"
    before = page.read_bytes()
    page.unlink()
    base = project.root / "templates/base.html"
    base.write_text(base.read_text() + "{# a note for theme editors #}\n")
    result = project.build()
    assert page.read_bytes() == before and result.written == ["articles/a/index.html"]


def test_a_process_that_takes_the_number_of_one_that_ended_appends_after_its_bytes(tmp_path: Path) -> None:
    """Staging files are named by process number: the draw's workers end before the search's
    start, and a new worker may get the number (and so the staging file) of one that ended."""
    site = tmp_path / "site"
    site.mkdir()
    with output.Writer(site, [], fresh=False) as writer:
        writer.note("a.html", writer.store("a.html", b"first process"))
        writer.flush()
        output._STAGES.pop(str(writer.staging))  # that process ended; this one has its number
        writer.note("b.html", writer.store("b.html", b"second"))
        writer.commit()
    assert (site / "a.html").read_bytes() == b"first process" and (site / "b.html").read_bytes() == b"second"
