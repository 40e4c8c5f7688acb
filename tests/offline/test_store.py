from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from offline.store import SqliteStore, get_setting, set_setting


class Store(SqliteStore):
    schema = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "nested" / "store.sqlite3")


def names(store: Store) -> list[str]:
    with store.read() as conn:
        return [row[0] for row in conn.execute("SELECT name FROM items ORDER BY id")]


def test_a_write_commits_on_success(store: Store) -> None:
    with store.write() as conn:
        conn.execute("INSERT INTO items (name) VALUES ('a')")
    assert names(store) == ["a"]
    assert Store(store.path) and names(Store(store.path)) == ["a"]  # reopening keeps it


def test_a_write_rolls_back_entirely_on_an_exception(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO items (name) VALUES ('a')")
        set_setting(conn, "k", 1)
        raise RuntimeError("boom")
    assert names(store) == []
    with store.read() as conn:
        assert get_setting(conn, "k") is None


def test_a_failing_statement_rolls_back_the_earlier_ones(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
        conn.execute("INSERT INTO items (name) VALUES ('a')")
        conn.execute("INSERT INTO items (name) VALUES (NULL)")
    assert names(store) == []


def test_settings_round_trip_json_values(store: Store) -> None:
    with store.write() as conn:
        assert get_setting(conn, "faults", []) == []
        set_setting(conn, "faults", [{"type": "down", "id": 1}])
        set_setting(conn, "faults", [{"type": "slow", "seconds": 1.5}])
    with store.read() as conn:
        assert get_setting(conn, "faults") == [{"type": "slow", "seconds": 1.5}]


def test_writes_from_threads_never_interleave(store: Store) -> None:
    def bump() -> None:
        for _ in range(25):
            with store.write() as conn:
                value = get_setting(conn, "n", 0)
                set_setting(conn, "n", value + 1)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.read() as conn:
        assert get_setting(conn, "n") == 100
