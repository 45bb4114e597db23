"""Search folding (tide/search/fold.py): what readers type and what articles say meet in one form."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tide.search import client, ready
from tide.search.fold import client_table, fold, table
from tide.search.terms import tables


def test_traditional_width_and_case_fold_to_one_form() -> None:
    assert fold("京東") == fold("京东") == "京东"
    assert fold("雷軍") == "雷军" and fold("臺灣") == fold("台湾") == "台湾"
    assert fold("ＳＵ７") == fold("SU7") == "su7" and fold("小米ＳＵ７　Ｕltra") == "小米su7 ultra"
    assert fold("4S店") == "4s店" and fold("新能源車") == "新能源车"
    assert fold("偽") == fold("僞") == fold("伪")  # a Taiwan variant, the standard traditional form, the simplified one


def test_folding_twice_changes_nothing() -> None:
    folds = table()
    assert not [chr(k) for k, v in folds.items() if v in folds]


@given(st.text(alphabet=st.sampled_from("京東东雷軍军台臺灣湾ＳＵ７SU7su 的，。!?AZaz09０９\u3000新能源車车") | st.characters(), max_size=60))
def test_folding_keeps_every_position(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)  # (excerpts and highlights are cut from the text by positions in the folded text)
    assert fold(folded) == folded


def test_the_browser_gets_the_same_table() -> None:
    source, target = client_table()
    assert {ord(k): ord(v) for k, v in zip(source, target, strict=True)} == table()


def test_the_tables_are_kept_for_the_next_process(tmp_path: Path) -> None:
    """A build's process reads the folding tables and the client's script from the cache instead
    of making them (55 ms of a one-article edit); a damaged file is made again."""
    kept = tmp_path / "search-tables.npz"
    script = ready(kept, "engine")
    fold_table, classes = tables()
    assert script == client() and kept.exists()
    expected = script + b"|%d|%d" % (int(fold_table.sum()), int(classes.sum()))
    read_only = "import tide.search as s\ndef never(*a): raise AssertionError('made, not read')\ns.terms._tables = s.client = never\n"
    assert _in_a_new_process(read_only, kept) == expected
    kept.write_bytes(b"not a table")  # (a torn write, another version's file ...)
    assert _in_a_new_process("", kept) == expected
    assert _in_a_new_process(read_only, kept) == expected


def _in_a_new_process(setup: str, kept: Path) -> bytes:
    """``ready(kept, "engine")`` in a new process, after ``setup``: the script, then the tables' sums."""
    code = setup + (
        'import sys, pathlib\nfrom tide.search import ready, terms\nscript = ready(pathlib.Path(sys.argv[1]), "engine")\n'
        "fold, classes = terms.tables()\nsys.stdout.buffer.write(script + b'|%d|%d' % (int(fold.sum()), int(classes.sum())))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(kept)], capture_output=True, cwd=Path(__file__).parent.parent, check=True)
    return done.stdout
