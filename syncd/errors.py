"""One exception tree for the whole daemon.

::

    SyncdError
    ├── ConfigError            the configuration is wrong: fix the file or the environment
    ├── WebhookError           a delivery was refused (``status`` says how: 400, 401, 413)
    └── RemoteError            a call to a vendor failed
        ├── AuthError          401/403 on the whole connector: credentials revoked or wrong
        ├── TransientError     5xx, timeouts, resets: retry with backoff
        │   └── RateLimited    429 or an exhausted budget: retry after ``retry_after`` seconds
        └── PermanentError     a 4xx that retrying will not fix: dead letter
            ├── NotFound       404/410 on a direct read or write
            ├── Forbidden      403 on one object or project, not the whole connector
            ├── ReadOnly       the object is there but can no longer be written (archived)
            ├── FileTooLarge   a file is larger than syncd may carry (or the vendor takes)
            └── CursorError    the stored poll cursor cannot be read: an operator resets it

Connectors translate every vendor error into one of these in their ``client.py``, through
:func:`classify_status` (one table of statuses, a connector overriding only its vendor's
differences) and :func:`retry_after`; :func:`resolve` then says what an error calls for,
once for the runner, the poller and the worker's reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum


class SyncdError(Exception):
    """Base of every error syncd raises on purpose."""


class ConfigError(SyncdError):
    """The configuration is invalid; ``problems`` lists ``(file, key path, message)``."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{f}: {k}: {m}" for f, k, m in problems))


class WebhookError(SyncdError):
    """A webhook delivery is refused with ``status``."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status}: {reason}")


class RemoteError(SyncdError):
    """A vendor call failed. ``status`` is the HTTP status when there was one."""

    # the connector the call went to, where it is not the action's target (a file's source)
    connector: str | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class AuthError(RemoteError):
    """The connector's credentials are refused: the connector is unhealthy."""


class TransientError(RemoteError):
    """Worth retrying later."""


class RateLimited(TransientError):
    """The vendor asks us to wait ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)


class PermanentError(RemoteError):
    """Retrying the same request will not help; the action goes to dead letters."""


class NotFound(PermanentError):
    """The object is not there (404/410)."""


class Forbidden(PermanentError):
    """Access to one object or project is refused (403)."""


class ReadOnly(PermanentError):
    """The object can be read but the vendor says it can no longer be written (archived)."""


class FileTooLarge(PermanentError):
    """A file is larger than the limit syncd reads to, or than the vendor accepts (413)."""


class CursorError(PermanentError):
    """The stored poll cursor of ``connector`` cannot be read (``why``); polling from it would
    skip or repeat changes, so the poll stops until an operator resets the cursor.

    ``excerpt`` is the cursor's start, short: cursors hold no secret, but they are not
    written out whole."""

    def __init__(self, connector: str, why: str, excerpt: str = "") -> None:
        self.connector = connector
        self.why = why
        self.excerpt = excerpt
        shown = f" (cursor {excerpt})" if excerpt else ""
        super().__init__(f"poll cursor of {connector} unreadable: {why}{shown}")


# The error table: an HTTP answer's status to the exception that stands for it, in one
# place; a connector passes ``overrides`` for the statuses its vendor uses its own way.
STATUS_TABLE: dict[int, type[RemoteError]] = {
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    408: TransientError,
    410: NotFound,
    429: RateLimited,
}
DEFAULT_RETRY_AFTER = 60.0  # seconds, for a 429 that does not say how long


def classify_status(
    status: int,
    message: str,
    *,
    retry_after: float | None = None,
    overrides: Mapping[int, type[RemoteError]] | None = None,
) -> RemoteError:
    """The exception for an HTTP error answer: the table above with ``overrides`` on top;
    a 403 or 503 that says when to come back is a rate limit; other 5xx are transient and
    other 4xx permanent."""
    cls = (overrides or {}).get(status)
    if cls is None and retry_after is not None and status in (403, 503):
        cls = RateLimited
    if cls is None:
        cls = STATUS_TABLE.get(status)
    if cls is None:
        cls = TransientError if status >= 500 else PermanentError
    if issubclass(cls, RateLimited):
        return cls(message, retry_after=retry_after or DEFAULT_RETRY_AFTER, status=status)
    return cls(message, status=status)


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: a number of seconds or an HTTP date
    (RFC 9110); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class Resolution(StrEnum):
    """What a failed call calls for; the runner, the poller and the worker's reads each act
    on it in their own way (a write is dead-lettered, a poll waits for the next cycle)."""

    RETRY = "retry"  # transient: again later, with backoff
    WAIT = "wait"  # rate limited: no request to the connector until ``retry_after``
    CREDENTIALS = "credentials"  # refused credentials: the connector is unhealthy at once
    GONE = "gone"  # not there, or not ours to write (404, 410, 403 on one object, archived)
    OPERATOR = "operator"  # waits for an operator (an unreadable poll cursor)
    DEAD = "dead"  # retrying will not help: dead letter with the reason


def resolve(exc: BaseException) -> Resolution:
    """The one decision from an exception to what it calls for."""
    if isinstance(exc, RateLimited):
        return Resolution.WAIT
    if isinstance(exc, AuthError):
        return Resolution.CREDENTIALS
    if isinstance(exc, TransientError):
        return Resolution.RETRY
    if isinstance(exc, CursorError):
        return Resolution.OPERATOR
    if isinstance(exc, NotFound | Forbidden | ReadOnly):
        return Resolution.GONE
    if isinstance(exc, PermanentError | ConfigError):
        return Resolution.DEAD
    return Resolution.RETRY  # anything else from a vendor call: not proof of anything


@contextmanager
def transport_errors(where: str) -> Iterator[None]:
    """Map httpx's transport failures inside the block to :class:`TransientError` naming
    ``where`` (in the spirit of httpx's own ``map_exceptions``): a timeout, a refused or
    reset connection, a protocol error. The request may not have arrived; it is tried again."""
    import httpx

    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(f"{where} timed out") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
