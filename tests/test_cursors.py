"""The one rule for reading poll cursors back (syncd.cursors), and the health state an
unreadable one puts its connector in."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import AwareDatetime
from structlog.testing import capture_logs

from syncd.cursors import CursorFormat, CursorModel, counter, excerpt
from syncd.engine.health import Health
from syncd.errors import CursorError, PermanentError


class Place(CursorModel):
    at: AwareDatetime
    ids: list[int] = []


def _v1_to_v2(body: dict[str, object]) -> dict[str, object]:
    return {"at": body["when"], "ids": body.get("ids", [])}


FORMAT = CursorFormat("demo", Place, version=2, upgrades={1: _v1_to_v2})


def test_a_cursor_reads_back_what_was_dumped() -> None:
    place = Place(at=datetime.fromisoformat("2024-05-01T10:00:00+00:00"), ids=[3, 4])
    text = FORMAT.dump(place)
    assert json.loads(text)["v"] == 2
    assert FORMAT.load("d1", text) == place


def test_an_older_version_is_upgraded_not_refused() -> None:
    old = json.dumps({"v": 1, "when": "2024-05-01T10:00:00Z", "ids": [1]})
    assert FORMAT.load("d1", old).ids == [1]


@pytest.mark.parametrize(
    ("cursor", "why"),
    [
        ("garbage", "not JSON"),
        ('{"v": 2, "at": "2024-05-01T10:00:00Z"', "not JSON"),
        ("[1]", "not an object"),
        ('{"at": "2024-05-01T10:00:00Z"}', "no version"),
        ('{"v": "2", "at": "2024-05-01T10:00:00Z"}', "not a whole number"),
        ('{"v": true, "at": "2024-05-01T10:00:00Z"}', "not a whole number"),
        ('{"v": 3, "at": "2024-05-01T10:00:00Z"}', "newer than this syncd reads"),
        ('{"v": 0, "at": "2024-05-01T10:00:00Z"}', "cannot be upgraded"),
        ('{"v": 1, "at": "2024-05-01T10:00:00Z"}', "cannot upgrade"),
        ('{"v": 2, "at": "2024-05-01T10:00:00"}', "at: Input should have timezone info"),
        ('{"v": 2, "at": 1714557600}', "at:"),
        ('{"v": 2, "at": "2024-05-01T10:00:00Z", "ids": ["1"]}', "ids.0"),
        ('{"v": 2, "at": "2024-05-01T10:00:00Z", "more": 1}', "more: Extra inputs"),
        ('{"v": 2}', "at: Field required"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_unreadable_means_the_same_everywhere(cursor: str, why: str) -> None:
    with pytest.raises(CursorError) as err:
        FORMAT.load("demo-1", cursor)
    assert isinstance(err.value, PermanentError)
    assert err.value.connector == "demo-1" and why in err.value.why
    assert str(err.value).startswith("poll cursor of demo-1 unreadable: ")
    assert len(err.value.excerpt) <= 44


def test_the_excerpt_is_short_and_quoted() -> None:
    assert excerpt("abc") == "'abc'"
    long = excerpt("x" * 500)
    assert long.endswith("…") and len(long) == 43


@pytest.mark.parametrize("good", ["0", "7", "4242", "007"])
def test_a_counter_is_a_whole_number(good: str) -> None:
    assert counter("rt", good, what="transaction id") == int(good)


@pytest.mark.parametrize("bad", ["", "-1", "1.5", " 12", "12\n", "1_000", "0x10", "١٢", "9" * 40])
def test_anything_else_is_not_a_counter(bad: str) -> None:
    with pytest.raises(CursorError, match="not a transaction id"):
        counter("rt", bad, what="transaction id")


def test_stuck_is_unhealthy_at_once_logged_once_and_kept_until_released() -> None:
    health = Health(["gh"])
    with capture_logs() as logs:
        health.stuck("gh", "poll cursor of gh unreadable: not JSON")
        health.stuck("gh", "poll cursor of gh unreadable: not JSON")
        health.ok("gh")  # a write succeeded meanwhile: the cursor is still unreadable
        health.failed("gh", "poll failed: 502")
        state = health.snapshot()["gh"]
        assert not state["healthy"] and state["stuck"] and state["since"]
        assert state["reason"] == "poll cursor of gh unreadable: not JSON"
        assert health.stuck_names() == ["gh"] and not health.all_healthy()
        health.release("gh", "poll cursor replaced; waiting for a poll to succeed")
        assert not health.snapshot()["gh"]["healthy"] and health.stuck_names() == []
        health.ok("gh")
    assert health.snapshot()["gh"]["healthy"]
    events = [e["event"] for e in logs]
    assert events == ["connector.failing", "connector.recovered"]
