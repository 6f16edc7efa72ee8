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
            └── ReadOnly       the object is there but can no longer be written (archived)

Connectors translate every vendor error into one of these in their ``client.py``; the runner
decides retry / dead-letter / unhealthy from the class alone.
"""

from __future__ import annotations


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


def classify_status(status: int, message: str, *, retry_after: float | None = None) -> RemoteError:
    """Map an HTTP status to the exception the runner understands."""
    if status == 429 or (retry_after is not None and status in (403, 503)):
        return RateLimited(message, retry_after=retry_after or 60.0, status=status)
    if status == 401:
        return AuthError(message, status=status)
    if status == 403:
        return Forbidden(message, status=status)
    if status in (404, 410):
        return NotFound(message, status=status)
    if status == 408 or status >= 500:
        return TransientError(message, status=status)
    return PermanentError(message, status=status)
