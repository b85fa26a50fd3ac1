"""A damaged results store — a page overwritten, random bytes, plain text, a truncated file — is refused, not trusted.

The library raises a StoreError naming the file; ``eval run``, ``eval status`` and ``eval report``
print it as one line and exit 2. Either way the file is left byte for byte as it was, with no
``-wal``, ``-shm`` or ``-journal`` file created beside it.
"""

from __future__ import annotations

import random
import sqlite3

import pytest
from clihelpers import run_main
from rich.console import Console

from ftaudit.cli import EXIT_USAGE
from ftaudit.evaluate.store import AuditRow, ResultsStore, StoreError, check_store


def _row(job: str, repeat: int = 0) -> AuditRow:
    return AuditRow(config="screens", job=job, repeat=repeat, label="adversarial", attack="aoa", score=9.0,
                    verdict="adversarial", report_json="x" * 200)


# -- damaged stores: refused with a StoreError naming the file, and left byte for byte as they were ------------


def _sound_store(path, rows: int = 300) -> bytes:
    """A real store with enough audits to span many pages, closed (its log checkpointed away); its bytes."""
    with ResultsStore(path) as s:
        for i in range(rows):
            s.record(_row(f"job-{i}"))
    return path.read_bytes()


def _page_size(data: bytes) -> int:
    return int.from_bytes(data[16:18], "big")


def damaged_page(path):
    data = bytearray(_sound_store(path))
    size = _page_size(data)
    data[size:2 * size] = random.Random(2).randbytes(size)  # page 2, the first table's b-tree page
    path.write_bytes(bytes(data))


def random_bytes(path):
    path.write_bytes(random.Random(1).randbytes(16384))


def plain_text(path):
    path.write_text("config,job,score\nscreens,aoa,9.5\n" * 200, encoding="utf-8")


def truncated_mid_page(path):
    data = _sound_store(path)
    path.write_bytes(data[: len(data) // 2 + 123])


def truncated_at_a_page(path):
    data = _sound_store(path)
    pages = len(data) // _page_size(data)
    path.write_bytes(data[: (pages // 2) * _page_size(data)])


DAMAGE = [damaged_page, random_bytes, plain_text, truncated_mid_page, truncated_at_a_page]


def corrupt_store(tmp_path, damage):
    """A damaged ``eval.sqlite`` alone in a fresh folder; its bytes and the folder's listing."""
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "eval.sqlite"
    damage(path)
    for side in ("-wal", "-shm", "-journal"):
        assert not (folder / f"eval.sqlite{side}").exists()
    return path, path.read_bytes(), sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_store_is_refused_and_left_untouched(tmp_path, damage, readonly):
    path, before, listing = corrupt_store(tmp_path, damage)
    with pytest.raises(StoreError) as info:
        check_store(path)
    assert str(info.value).startswith(f"{path}: cannot use this results store: ")
    with pytest.raises(StoreError):
        ResultsStore(path, readonly=readonly)
    assert path.read_bytes() == before  # not a byte rewritten, the header included
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # no -wal, -shm or -journal left beside it


def test_what_the_check_says_about_each_kind_of_damage(tmp_path):
    said = {}
    for damage in DAMAGE:
        (tmp_path / damage.__name__).mkdir()
        path, _, _ = corrupt_store(tmp_path / damage.__name__, damage)
        with pytest.raises(StoreError) as info:
            check_store(path)
        said[damage.__name__] = info.value.problem
    assert said["random_bytes"] == said["plain_text"] == "not an SQLite database"
    assert said["truncated_mid_page"].startswith("truncated (") and said["truncated_at_a_page"].startswith("truncated (")
    assert said["damaged_page"].startswith("damaged (")


def test_another_programs_database_is_not_taken_for_a_store(tmp_path):
    path = tmp_path / "other.sqlite"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"not an ftaudit results store \(tables: notes\)"):
        ResultsStore(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


def test_a_sound_store_opened_read_only_is_not_written(tmp_path):
    path = tmp_path / "eval.sqlite"
    before = _sound_store(path, rows=5)
    with ResultsStore(path, readonly=True) as s:
        assert s.count() == 5 and len(s.rows()) == 5
        with pytest.raises(StoreError, match="readonly"):
            s.record(_row("new"))
    assert path.read_bytes() == before


def test_an_empty_file_is_a_new_store_for_a_run_but_not_a_store_to_read(tmp_path):
    path = tmp_path / "eval.sqlite"
    path.touch()
    with pytest.raises(StoreError, match="empty database"):
        ResultsStore(path, readonly=True)
    assert path.read_bytes() == b""
    with ResultsStore(path) as s:
        assert s.count() == 0


# -- the CLI ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    from ftaudit.suite.build import build_suite

    folder = tmp_path_factory.mktemp("damaged-store") / "suite"
    build_suite(folder, attacks=["aoa"], benign=["alpaca"], size=10)
    return folder



@pytest.mark.parametrize("command", ["run", "status", "report"])
@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_store_gives_one_line_and_exit_2_and_stays_as_it_was(suite, tmp_path, monkeypatch, capsys,
                                                                        command, damage):
    import ftaudit.cli

    # Wide enough that the one line is not wrapped (rich wraps at 80 columns when not on a terminal).
    monkeypatch.setattr(ftaudit.cli, "err_console", Console(stderr=True, width=1000, highlight=False))
    configs = tmp_path / "configs.yaml"
    configs.write_text("name: screens\nkind: screens\n", encoding="utf-8")
    path, before, listing = corrupt_store(tmp_path, damage)
    args = {
        "run": ["eval", "run", "--suite", str(suite), "--config", str(configs), "--store", str(path)],
        "status": ["eval", "status", "--store", str(path)],
        "report": ["eval", "report", "--store", str(path), "--out", str(tmp_path / "report")],
    }[command]
    assert run_main(monkeypatch, *args) == EXIT_USAGE
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err + captured.out, captured.err
    assert lines[0].startswith(f"error: {path}: cannot use this results store: ")
    assert lines[0].endswith("(the file was left unchanged)")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # no -wal/-shm/-journal, no blinded job copies
    assert not (tmp_path / "report").exists()
