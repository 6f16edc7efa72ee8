"""Parts the emulators of vendors reached by API tokens share, and their actors.

:class:`TokenAccounts` is the accounts side of such an emulator: every token names an
account, a reset forgets the records but keeps the accounts, a revoked token is refused, and
webhooks are pointed at a URL with a secret. :class:`EmulatorActor` is the start of an actor
(an emulator, the instance name syncd knows it by, the URL it is served at);
:func:`served` shows an in-process answer at that URL; :data:`DEFAULT_TOKENS` are the accounts
such an emulator starts with, :func:`token_credentials` how a person signs in to it, and
:func:`bot_settings` is what syncd's own account is configured with against an emulator.
:class:`VendorLimits` reads a vendor's limits from config, or lifts them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from .emulation import EmulatorControl

UNLIMITED = 10**9  # a limit no run reaches
PLACEHOLDER = "http://127.0.0.1"  # the host of answers built in process, before a request
# the accounts such an emulator starts with (token -> account name): syncd's own, the
# developer the actors act as, and a project manager
BOT_TOKEN, BOT_LOGIN = "syncd-token", "syncd-bot"
DEV_TOKEN, DEV_LOGIN = "dev-token", "dev-alice"
DEFAULT_TOKENS = {BOT_TOKEN: BOT_LOGIN, DEV_TOKEN: DEV_LOGIN, "pm-token": "pm-bob"}
E = TypeVar("E")


class VendorLimits:
    """The start of a frozen dataclass of a vendor's limits (the vendor's own by default):
    read from config, or lifted for runs that measure syncd alone."""

    KEPT: ClassVar[tuple[str, ...]] = ()  # the fields lifting leaves as they are

    @classmethod
    def of(cls, value: Self | Mapping[str, Any] | None) -> Self:
        """Limits from config (a mapping of the fields), as given, or the vendor's."""
        if value is None:
            return cls()
        return cls(**dict(value)) if isinstance(value, Mapping) else value

    @classmethod
    def lifted(cls) -> Self:
        """No limit worth the name: every field but the kept ones at :data:`UNLIMITED`."""
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]  # a dataclass
        return cls(**{name: UNLIMITED for name in names if name not in cls.KEPT})


class TokenStore(Protocol):
    """The part of an emulator's store that keeps accounts and their tokens."""

    lock: threading.RLock
    tokens: dict[str, str]


class TokenAccounts:
    """Accounts by token, reset, revocation and webhook targets of one emulator; it sets
    ``tokens``, ``webhook_secret``, ``control`` and ``store`` (from :meth:`new_store`)."""

    tokens: dict[str, str]  # token -> account name, kept by a reset
    webhook_secret: str | None
    control: EmulatorControl
    store: Any

    def new_store(self) -> Any:
        """An empty store."""
        raise NotImplementedError

    def _add_tokens(self) -> None:
        for token, name in self.tokens.items():
            self.store.add_user(name, token, bot="bot" in name)

    def reset(self) -> None:
        """Forget every record; keep the accounts and their tokens."""
        with self.store.lock:
            self.store = self.new_store()
            self._add_tokens()

    def revoke(self, token: str) -> None:
        """Refuse ``token`` from now on (401)."""
        with self.store.lock:
            self.store.tokens.pop(token, None)
            self.tokens.pop(token, None)

    def configure_webhooks(self, url: str | None, secret: str | None = None) -> None:
        """Point deliveries at ``url``, with ``secret`` when given."""
        if secret is not None:
            self.webhook_secret = secret
        self.control.webhooks.configure(url)


class EmulatorActor(Generic[E]):
    """An actor's emulator, the instance name syncd knows it by, and its served URL."""

    def __init__(self, emulator: E, instance: str, base_url: str) -> None:
        self.emulator = emulator
        self.instance = instance
        self.base_url = base_url

    def served(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``raw`` (an answer built in process) with its URLs at the served host."""
        return served(raw, self.base_url)


def served(raw: dict[str, Any], base_url: str) -> dict[str, Any]:
    """An answer built in process carries the emulator's placeholder host; its top-level
    URLs at ``base_url`` instead."""
    return {
        k: v.replace(PLACEHOLDER, base_url, 1)
        if isinstance(v, str) and v.startswith(f"{PLACEHOLDER}/")
        else v
        for k, v in raw.items()
    }


def token_credentials(login_field: str) -> dict[str, dict[str, str]]:
    """What the demo shows to sign in with on such an emulator: syncd's token, and the
    developer's with their login (``login_field``: the vendor's word for it)."""
    return {
        "syncd": {"token": BOT_TOKEN},
        "developer": {"token": DEV_TOKEN, login_field: DEV_LOGIN},
    }


def bot_settings(
    kind: str, base_url: str, webhook_secret: str | None, **account: Any
) -> dict[str, Any]:
    """The connector settings syncd's own account uses against an emulator: ``account``
    holds its credentials and names (the vendor's field names)."""
    return {"kind": kind, "base_url": base_url, "webhook_secret": webhook_secret, **account}
