"""The base of every connector's typed settings (:class:`ConnectorSettings`): what all
connector instances are configured with alike (the base URL, the poll interval, webhooks on
or off, the webhook secret, the vendor's rate limits) and how a secret is read from the
setting itself or from its ``_file`` twin. A connector's ``settings.py`` subclasses it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from syncd.errors import ConfigError
from syncd.ratelimit import Limit


class ConnectorSettings(BaseModel):
    """Base of every connector's typed settings; subclasses add ``kind: Literal[...]``."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    base_url: str
    poll_interval: float = Field(default=60.0, gt=0)
    webhooks: bool = True
    timeout: float = Field(default=10.0, gt=0)
    # the account syncd writes with; its own comments and edits are recognised as echoes
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path | None = None
    # the vendor's rate limits syncd keeps under (None: the ones it documents, see
    # ``documented_limits``); give your plan's figures here
    limits: list[Limit] | None = None

    @property
    def root(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")

    def has_secret(self, name: str) -> bool:
        """Whether secret ``name`` is given, in the setting itself or as ``<name>_file``."""
        return any(getattr(self, key, None) is not None for key in (name, f"{name}_file"))

    def documented_limits(self) -> list[Limit]:
        """The limits the vendor documents for this kind of account (none by default)."""
        return []

    def rate_limits(self) -> list[Limit]:
        """The limits syncd spaces its calls by: the configured ones, else the documented."""
        return list(self.limits) if self.limits is not None else self.documented_limits()

    def field_problem(self, name: str) -> str | None:
        """Why this helpdesk cannot read a ticket field called ``name`` (None: it can). A
        helpdesk that knows its fields by id says so when a name has no id in its config."""
        return None

    def issue_field_problem(self, name: str) -> str | None:
        """Why this tracker cannot map an issue field called ``name``, as far as its settings
        tell (None: it may; a field known only to the live system is checked by
        ``syncd connectors test``). By default only the canonical issue's own fields."""
        if name in ("labels", "milestone", "assignee"):
            return None
        return f"no issue field {name!r} here (this tracker maps labels, milestone, assignee)"

    def secret(self, name: str, *, required: bool = True) -> str | None:
        """The value of secret ``name``, from the setting itself or from ``<name>_file``."""
        value = getattr(self, name, None)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        path = getattr(self, f"{name}_file", None)
        if path is not None:
            try:
                return Path(path).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    [(str(path), f"{name}_file", f"cannot read: {exc.strerror}")]
                ) from exc
        if required:
            raise ConfigError(
                [("", name, f"missing: set {name} (or {name}_file, or the environment)")]
            )
        return None
