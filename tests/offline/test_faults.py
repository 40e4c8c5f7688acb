"""The fault model: validation, counting, sampling, matching; stored in a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offline.faults import DOWN, FaultModel, FaultType, Fired, slow_type, status_type
from offline.store import SqliteStore


def _types(spec: Any, fault: dict[str, Any]) -> None:
    if "types" in spec:
        fault["types"] = list(spec["types"])


SAMPLED = FaultModel(
    [status_type(default=503, rate_limit=True), slow_type(), FaultType("drop", _types)],
    in_scope=lambda path: not path.startswith("/auth/"),
    sampling=True,
)
PLAIN = FaultModel(
    [status_type(default=500, rate_limit=False), DOWN, slow_type(max_seconds=120)],
    in_scope=lambda path: path.startswith("/api/"),
)


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "faults.sqlite3")


def take(store: SqliteStore, model: FaultModel, kind: str, **match: str) -> Fired | None:
    with store.write() as conn:
        return model.take(conn, kind, **match)


def add(store: SqliteStore, model: FaultModel, *specs: Any) -> list[dict[str, Any]]:
    with store.write() as conn:
        return model.add(conn, list(specs))


def test_validation_normalises_defaults_per_model() -> None:
    assert SAMPLED.validate({"type": "status"}) == {
        "type": "status",
        "hits": 0,
        "fired": 0,
        "seed": 0,
        "status": 503,
        "retry_after": 1,
    }
    assert PLAIN.validate({"type": "status", "ratio": 0.5}) == {
        "type": "status",
        "fired": 0,
        "status": 500,
    }  # no sampling: ratio and seed are not this model's keys
    assert PLAIN.validate({"type": "down", "count": 3}) == {"type": "down", "fired": 0}


@pytest.mark.parametrize(
    ("model", "spec", "message"),
    [
        (SAMPLED, [], "a fault is a JSON object"),
        (SAMPLED, {"type": ["status"]}, "type must be one of ['status', 'slow', 'drop']"),
        (PLAIN, {"type": "drop"}, "type must be one of ['status', 'down', 'slow']"),
        (SAMPLED, {"type": "status", "status": 404}, "status must be 429 or 5xx"),
        (PLAIN, {"type": "status", "status": 429}, "status must be 5xx"),
        (SAMPLED, {"type": "slow", "count": 0}, "count must be >= 1"),
        (SAMPLED, {"type": "slow", "ratio": 0}, "ratio must be in (0, 1]"),
        (PLAIN, {"type": "slow", "seconds": 121}, "seconds must be 0..120"),
        (PLAIN, {"type": "slow", "path": "api"}, "path is a path prefix starting with /"),
    ],
)
def test_invalid_specs_say_why(model: FaultModel, spec: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        model.validate(spec)
    assert str(error.value) == message


def test_a_bad_spec_in_a_batch_adds_none_of_it(store: SqliteStore) -> None:
    with pytest.raises(ValueError):
        add(store, PLAIN, {"type": "down"}, {"type": "nope"})
    with store.read() as conn:
        assert PLAIN.current(conn) == []


def test_count_fires_that_many_times_then_the_fault_is_gone(store: SqliteStore) -> None:
    add(store, PLAIN, {"type": "status", "count": 2})
    fired = [take(store, PLAIN, "status", path="/api/x") for _ in range(3)]
    assert [f is not None for f in fired] == [True, True, False]
    assert fired[1] is not None and fired[1].fault["fired"] == 2
    with store.read() as conn:
        assert PLAIN.current(conn) == []


def test_without_count_a_fault_fires_until_cleared(store: SqliteStore) -> None:
    add(store, PLAIN, {"type": "down"})
    assert all(take(store, PLAIN, "down", path="/api/x") for _ in range(5))
    with store.write() as conn:
        PLAIN.clear(conn)
    assert take(store, PLAIN, "down", path="/api/x") is None


def test_default_scope_and_path_prefix(store: SqliteStore) -> None:
    add(store, PLAIN, {"type": "status"}, {"type": "slow", "path": "/_sim/"})
    assert take(store, PLAIN, "status", path="/_sim/state") is None
    assert take(store, PLAIN, "status", path="/api/orders") is not None
    assert take(store, PLAIN, "slow", path="/api/orders") is None
    assert take(store, PLAIN, "slow", path="/_sim/state") is not None


def test_event_types_limit_what_a_journal_fault_hits(store: SqliteStore) -> None:
    add(store, SAMPLED, {"type": "drop", "count": 1, "types": ["PAID"]})
    assert take(store, SAMPLED, "drop", event_type="BOUGHT") is None
    assert take(store, SAMPLED, "drop", event_type="PAID") is not None
    assert take(store, SAMPLED, "drop", event_type="PAID") is None


def test_ratio_is_reproducible_for_a_seed_and_count_caps_it(store: SqliteStore) -> None:
    def pattern(seed: int) -> list[bool]:
        with store.write() as conn:
            SAMPLED.clear(conn)
        add(store, SAMPLED, {"type": "status", "ratio": 0.5, "seed": seed})
        return [take(store, SAMPLED, "status", path="/me") is not None for _ in range(40)]

    first = pattern(1)
    assert first == pattern(1) != pattern(2)
    assert 5 <= sum(first) <= 35
    with store.write() as conn:
        SAMPLED.clear(conn)
    add(store, SAMPLED, {"type": "status", "ratio": 0.5, "seed": 1, "count": 3})
    fired = [take(store, SAMPLED, "status", path="/me") is not None for _ in range(40)]
    assert sum(fired) == 3


def test_the_rng_handed_out_is_seeded_by_the_match(store: SqliteStore) -> None:
    add(store, SAMPLED, {"type": "drop", "seed": 9})
    first = take(store, SAMPLED, "drop")
    second = take(store, SAMPLED, "drop")
    assert first is not None and second is not None
    draws = (first.rng.random(), second.rng.random())
    with store.write() as conn:
        SAMPLED.clear(conn)
    add(store, SAMPLED, {"type": "drop", "seed": 9})
    again = take(store, SAMPLED, "drop")
    assert again is not None and again.rng.random() == draws[0] != draws[1]
