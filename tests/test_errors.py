"""The error table: one mapping from an HTTP answer to an exception, and from an exception to
what it calls for; one reader of ``Retry-After``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncd.errors import (
    AuthError,
    ConfigError,
    CursorError,
    Forbidden,
    NotFound,
    PermanentError,
    RateLimited,
    ReadOnly,
    RemoteError,
    Resolution,
    TransientError,
    classify_status,
    resolve,
    retry_after,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, PermanentError),
        (401, AuthError),
        (403, Forbidden),
        (404, NotFound),
        (408, TransientError),
        (409, PermanentError),
        (410, NotFound),
        (422, PermanentError),
        (429, RateLimited),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
    ],
)
def test_statuses_map_to_one_exception_each(status: int, kind: type[RemoteError]) -> None:
    exc = classify_status(status, "m")
    assert type(exc) is kind and exc.status == status


def test_a_wait_turns_403_and_503_into_rate_limits_and_429_has_a_default() -> None:
    assert isinstance(classify_status(503, "m", retry_after=5), RateLimited)
    assert isinstance(classify_status(403, "m", retry_after=5), RateLimited)
    limited = classify_status(429, "m")
    assert isinstance(limited, RateLimited) and limited.retry_after == 60.0


def test_a_connector_overrides_only_its_differences() -> None:
    assert isinstance(classify_status(412, "m"), PermanentError)
    assert isinstance(classify_status(412, "m", overrides={412: TransientError}), TransientError)
    assert isinstance(classify_status(404, "m", overrides={412: TransientError}), NotFound)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("Sun, 06 Dec 2026 12:00:30 GMT", 30.0),
        ("Sun, 06 Dec 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert retry_after(value, now=now) == seconds


@pytest.mark.parametrize(
    ("exc", "resolution"),
    [
        (RateLimited("m", retry_after=3), Resolution.WAIT),
        (AuthError("m"), Resolution.CREDENTIALS),
        (TransientError("m"), Resolution.RETRY),
        (CursorError("gh", "not JSON"), Resolution.OPERATOR),
        (NotFound("m"), Resolution.GONE),
        (Forbidden("m"), Resolution.GONE),
        (ReadOnly("m"), Resolution.GONE),
        (PermanentError("m"), Resolution.DEAD),
        (ConfigError([("f", "k", "m")]), Resolution.DEAD),
    ],
)
def test_each_exception_calls_for_one_resolution(exc: Exception, resolution: Resolution) -> None:
    assert resolve(exc) is resolution
