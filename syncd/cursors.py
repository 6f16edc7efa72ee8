"""Poll cursors: one rule for reading back what a connector stored as its place in a stream.

The poller stores a connector's cursor with each page it commits and hands it back on the next
poll. Reading it back either gives exactly the place it names or raises
:class:`~syncd.errors.CursorError`. An unreadable cursor is never taken for "start from now"
(the changes since the last good cursor would be skipped) nor for "start from the beginning"
(everything would come again): the poll stops, loudly, until an operator resets the cursor
(``syncd cursor reset``) or repairs through ``syncd reconcile``. ``None``, no cursor stored
yet, is the only way to start from now, and connectors handle it before reading anything.

A cursor has one of two shapes:

- a JSON object with a version ``v`` and a declared shape (a :class:`CursorModel` in a
  :class:`CursorFormat`): not JSON, not an object, an unknown or newer version, a missing or
  unknown key, a value of the wrong type all mean unreadable; an older version the format
  knows how to upgrade is upgraded, not refused;
- a counter (:func:`counter`): a whole number, for vendors with an exact, growing id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from syncd.errors import CursorError

EXCERPT = 40  # characters of a cursor quoted in a message: enough to recognise it
_COUNTER = re.compile(r"[0-9]{1,18}")

# a step from version N to N+1 of a cursor's JSON object; version 0 is an object without "v"
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


class CursorModel(BaseModel):
    """Base of a cursor's declared shape: strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


M = TypeVar("M", bound=CursorModel)


def excerpt(cursor: str) -> str:
    """The start of ``cursor``, quoted, for messages and logs."""
    text = repr(cursor[:EXCERPT])
    return text + "…" if len(cursor) > EXCERPT else text


def counter(connector: str, cursor: str, *, what: str) -> int:
    """A cursor that is a whole number (``what`` names it: "transaction id"), or CursorError."""
    if not _COUNTER.fullmatch(cursor):
        raise CursorError(connector, f"not a {what} (a whole number)", excerpt(cursor))
    return int(cursor)


@dataclass(frozen=True)
class CursorFormat(Generic[M]):
    """A versioned JSON cursor: ``{"v": version, ...the model's fields}``."""

    kind: str  # the connector kind, named in messages ("not a <kind> cursor")
    model: type[M]
    version: int
    upgrades: Mapping[int, Upgrade] = field(default_factory=dict)

    def load(self, connector: str, cursor: str) -> M:
        """The state ``cursor`` names, upgraded to the current version, or CursorError."""
        data = self._object(connector, cursor)
        version = self._version(connector, cursor, data)
        while version < self.version:
            step = self.upgrades.get(version)
            if step is None:
                raise CursorError(
                    connector,
                    f"version {version} of the {self.kind} cursor cannot be upgraded "
                    f"(this syncd reads version {self.version})",
                    excerpt(cursor),
                )
            try:
                data = step({k: v for k, v in data.items() if k != "v"})
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                why = f"cannot upgrade the {self.kind} cursor from version {version}: {exc!r}"
                raise CursorError(connector, why[:200], excerpt(cursor)) from None
            version += 1
        body = {k: v for k, v in data.items() if k != "v"}
        try:
            # validated as JSON: strict types still read ISO times as datetimes
            return self.model.model_validate_json(json.dumps(body))
        except ValidationError as exc:
            raise CursorError(connector, self._shape(exc), excerpt(cursor)) from None

    def dump(self, state: M) -> str:
        """The cursor string of ``state`` at the current version."""
        body = state.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps({"v": self.version, **body}, sort_keys=True)

    def _object(self, connector: str, cursor: str) -> dict[str, Any]:
        try:
            data = json.loads(cursor)
        except (ValueError, RecursionError):
            raise CursorError(connector, "not JSON", excerpt(cursor)) from None
        if not isinstance(data, dict):
            why = f"not a {self.kind} cursor: JSON {type(data).__name__}, not an object"
            raise CursorError(connector, why, excerpt(cursor))
        return data

    def _version(self, connector: str, cursor: str, data: dict[str, Any]) -> int:
        if "v" not in data:
            if 0 in self.upgrades:
                return 0
            raise CursorError(connector, f"not a {self.kind} cursor: no version", excerpt(cursor))
        version = data["v"]
        if type(version) is not int or version < 0:
            why = f"not a {self.kind} cursor: version {version!r} is not a whole number"
            raise CursorError(connector, why, excerpt(cursor))
        if version > self.version:
            why = (
                f"version {version} of the {self.kind} cursor is newer than this syncd reads "
                f"({self.version}); was a newer syncd running?"
            )
            raise CursorError(connector, why, excerpt(cursor))
        return version

    def _shape(self, exc: ValidationError) -> str:
        errors = exc.errors(include_input=False, include_url=False)
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"])[:80] or "the cursor"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        # a pattern is for the code, not for the reader
        msg = (
            "not in the expected form"
            if first["type"] == "string_pattern_mismatch"
            else first["msg"]
        )
        return f"not a {self.kind} cursor: {where}: {msg}{more}"
