"""Building blocks of a connector's ``diagnose`` (``syncd connectors test``): the findings
list, the findings every vendor shares (cannot reach, no public URL, webhooks off), the
first call that reaches the vendor with syncd's credentials (:func:`first_call`) and the
webhook URL there is to check (:func:`webhook_target`).

:mod:`syncd.selftest` gives connectors their context and runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from syncd.connector import CheckStatus, DiagnoseContext, Finding
from syncd.errors import AuthError, RemoteError, TransientError

T = TypeVar("T")

# what a failed connection says, in the words an admin searches for
_REASONS = (
    ("connection refused", "connection refused"),
    ("timed out", "timed out"),
    ("timeout", "timed out"),
    ("name or service not known", "host name not found"),
    ("nodename nor servname", "host name not found"),
    ("getaddrinfo failed", "host name not found"),
    ("temporary failure in name resolution", "host name not found"),
    ("certificate verify failed", "TLS certificate not trusted"),
    ("connection reset", "connection reset"),
    ("network is unreachable", "network unreachable"),
    ("no route to host", "no route to host"),
)


class Checks(list[Finding]):
    """The findings of one connector, in the order they were made."""

    def ok(self, check: str, detail: str = "") -> None:
        """Record a check that passed."""
        self.append(Finding(check, CheckStatus.OK, detail))

    def missing(self, check: str, detail: str, fix: str) -> None:
        """Record something syncd needs and does not have."""
        self.append(Finding(check, CheckStatus.MISSING, detail, fix))

    def warning(self, check: str, detail: str, fix: str = "") -> None:
        """Record something that works, but less well than it could."""
        self.append(Finding(check, CheckStatus.WARNING, detail, fix))

    def unknown(self, check: str, detail: str, fix: str = "") -> None:
        """Record a check the vendor would not answer."""
        self.append(Finding(check, CheckStatus.UNKNOWN, detail, fix))

    def failed(self, check: str, exc: RemoteError, fix: str = "") -> None:
        """Record a check whose call failed for another reason than what it checks."""
        self.unknown(check, f"the call failed: {exc}", fix or "run the test again later")


def unreachable(base_url: str, exc: BaseException) -> Finding:
    """The one finding of a connector that cannot be reached at all."""
    return Finding(
        "reach",
        CheckStatus.MISSING,
        f"cannot reach {shown_url(base_url)}: {why_unreachable(exc)}",
        "check base_url, and that this host can open it (DNS, firewall, proxy, TLS)",
    )


def why_unreachable(exc: BaseException) -> str:
    """A short reason from an exception and its causes: "connection refused", "timed out"."""
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 8:
        seen.append(str(current))
        current = current.__cause__ or current.__context__
    text = " ".join(seen).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    first = seen[0].splitlines()[0] if seen and seen[0] else type(exc).__name__
    return first[:200]


def shown_url(url: str) -> str:
    """``url`` without a user name or password in it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def webhook_unknown(check: str = "webhook") -> Finding:
    """The webhook check when ``server.public_url`` is empty: syncd cannot know its URL."""
    return Finding(
        check,
        CheckStatus.UNKNOWN,
        "server.public_url is empty, so syncd does not know the URL the vendor should call",
        "set server.public_url to the address the vendor reaches syncd at "
        "(e.g. https://syncd.example.com, or SYNCD_SERVER__PUBLIC_URL) and test again",
    )


def webhooks_off(check: str = "webhook") -> Finding:
    """The webhook check of a connector whose webhooks are switched off."""
    return Finding(check, CheckStatus.OK, "webhooks: false: syncd polls only; nothing to register")


def first_call(
    checks: Checks, url: str, call: Callable[[], T], *, check: str, fix: str, refused: str = ""
) -> T | None:
    """The answer of a diagnose's first call, the one that reaches the vendor at ``url`` with
    syncd's credentials; None once ``checks`` says why there is none: the vendor cannot be
    reached (:func:`unreachable`, then the only finding) or it refuses the credentials
    (``check`` missing, ``refused`` before the vendor's words, and ``fix``). Any other error
    is the caller's to read."""
    try:
        return call()
    except TransientError as exc:
        checks.append(unreachable(url, exc))
    except AuthError as exc:
        checks.missing(check, f"{refused}: {exc}" if refused else str(exc), fix)
    return None


def webhook_target(context: DiagnoseContext, checks: Checks, check: str = "webhook") -> str | None:
    """The URL the vendor should deliver to, when there is a webhook to check there; None once
    ``checks`` says why there is none (webhooks off, or server.public_url empty)."""
    if not context.webhooks:
        checks.append(webhooks_off(check))
        return None
    if context.webhook_url is None:
        checks.append(webhook_unknown(check))
        return None
    return context.webhook_url
