"""The shared paging helpers: the connectors' walk and the emulators' pages."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.emulator_kit import last_page, link_header, page_of, retry_after
from syncd.paging import next_link, next_offset, walk
from syncd.ratelimit import RateBudget, read_reset


def test_walk_follows_until_no_next_page() -> None:
    pages = {1: [1, 2], 2: [3, 4], 3: [5]}
    got = list(walk(pages.__getitem__, 1, lambda page, at: at + 1 if at < 3 else None))
    assert got == [[1, 2], [3, 4], [5]]


def test_walk_stops_after_max_pages() -> None:
    got = list(walk(lambda at: at, 0, lambda page, at: at + 1, max_pages=4))
    assert got == [0, 1, 2, 3]


def test_next_link_reads_rfc8288() -> None:
    header = '<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"'
    assert next_link(header) == "https://x/a?page=2"
    assert next_link(header, "last") == "https://x/a?page=9"
    assert next_link(None) is None and next_link('<https://x/a>; rel="prev"') is None


def test_next_offset() -> None:
    assert next_offset(0, 100, 250) == 100
    assert next_offset(200, 50, 250) is None
    assert next_offset(0, 0, None) is None and next_offset(0, 3, None) == 3


def test_emulator_pages_and_links() -> None:
    items = list(range(7))
    assert page_of(items, 2, 3) == [3, 4, 5] and page_of(items, 4, 3) == []
    assert last_page(7, 3) == 3 and last_page(0, 3) == 1
    link = link_header(lambda n: f"u?page={n}", 2, 3)["Link"]
    assert next_link(link) == "u?page=3" and next_link(link, "prev") == "u?page=1"
    assert link_header(lambda n: "u", 1, 1) == {}
    assert retry_after(0.4) == {"Retry-After": "1"}
    assert retry_after(0.4, minimum=0) == {"Retry-After": "0"}


def test_rate_budget_from_headers() -> None:
    seen = RateBudget.from_headers(
        {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "60"},
        limit=("x-ratelimit-limit",),
        remaining=("x-ratelimit-remaining",),
        reset=("x-ratelimit-reset",),
        reset_form="epoch",
    )
    assert seen == RateBudget(100, 7, datetime.fromtimestamp(60, UTC))
    fallback = RateBudget.from_headers(
        {"ratelimit-remaining": "3"},
        limit=("x-limit",),
        remaining=("x-left", "ratelimit-remaining"),
    )
    assert fallback == RateBudget(None, 3, None)
    assert RateBudget.from_headers({}, limit=("a",), remaining=("b",)) is None


def test_read_reset_forms() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    assert read_reset("30", "seconds", now) == datetime(2024, 5, 1, 0, 0, 30, tzinfo=UTC)
    assert read_reset("2024-05-01T00:01:00Z", "iso") == datetime(2024, 5, 1, 0, 1, tzinfo=UTC)
    assert read_reset("soon", "epoch") is None and read_reset(None, "iso") is None
