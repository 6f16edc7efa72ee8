"""Jira fields by name: the catalog of ``GET /rest/api/{2,3}/field``, and mapped values read
from an issue's fields and written back in the shape each field's schema asks for, and the
connector's part that reads and writes them (:class:`FieldMethods`).

Routes name fields as people see them: a custom field by its display name ("Customer
Impact"), a system field by its id (``fixVersions``) or its name in either flavour ("Fix
Version/s" on Data Center, "Fix versions" on Cloud; "Affects Version" finds ``versions``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.jira.mapping import unwrap_fields
from syncd.errors import Forbidden, NotFound, PermanentError
from syncd.model import Issue, Ref

if TYPE_CHECKING:
    from connectors.jira.client import JiraClient
    from connectors.jira.settings import JiraSettings

log = logging.getLogger(__name__)

Json = dict[str, Any]
RELOAD = 60.0  # seconds before a name that was not found is looked up again


def _norm(name: str) -> str:
    """A name as compared: case, a trailing ``/s`` or ``s`` and spacing aside."""
    n = " ".join(name.casefold().split()).removesuffix("/s")
    return n.removesuffix("s")


@dataclass(frozen=True)
class JiraField:
    id: str
    name: str
    schema: Json

    @property
    def kind(self) -> str:
        return str(self.schema.get("type") or "string")

    @property
    def items(self) -> str:
        return str(self.schema.get("items") or "")


class FieldCatalog:
    """The instance's fields, read once (and again when a name is not found, at most once a
    minute, so a field an admin just created is found)."""

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get
        self._fields: list[JiraField] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._fields is not None

    def fields(self, *, fresh: bool = False) -> list[JiraField]:
        """Every field of the instance (``GET field``)."""
        with self._lock:
            stale = fresh and time.monotonic() - self._read_at > RELOAD
            if self._fields is None or stale:
                raw = self._get("field") or []
                self._fields = [
                    JiraField(
                        str(f["id"]), str(f.get("name") or f["id"]), dict(f.get("schema") or {})
                    )
                    for f in raw
                    if isinstance(f, Mapping) and f.get("id")
                ]
                self._read_at = time.monotonic()
            return self._fields

    def find(self, name: str) -> JiraField | None:
        """The field ``name`` names: by id, by exact name, then by name loosely."""
        for fresh in (False, True):
            known = self.fields(fresh=fresh)
            for test in (
                lambda f: f.id == name,
                lambda f: f.name.casefold() == name.casefold(),
                lambda f: _norm(f.name) == _norm(name) or _norm(f.id) == _norm(name),
            ):
                found = [f for f in known if test(f)]
                if found:
                    return found[0]
        return None

    def resolve(self, name: str) -> JiraField:
        """The field ``name`` names; PermanentError when the instance has none."""
        found = self.find(name)
        if found is None:
            raise PermanentError(
                f"no Jira field named {name!r} (GET /field lists none by that id or name)"
            )
        return found


def text_of(value: Any) -> str:
    """A field's value as mapped text: options, versions, components and users by their
    name, lists joined with ", ", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(t for t in (text_of(v) for v in value) if t)
    if isinstance(value, Mapping):
        for key in ("value", "name", "displayName", "key", "accountId"):
            if value.get(key):
                child = value.get("child")
                own = str(value[key])
                return f"{own} / {text_of(child)}" if isinstance(child, Mapping) else own
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def date_of(value: Any) -> str | None:
    """The release date of a version field's first version, if it has one."""
    first = value[0] if isinstance(value, list) and value else value
    if isinstance(first, Mapping) and first.get("releaseDate"):
        return str(first["releaseDate"])[:10]
    return None


def read(
    raw_fields: Mapping[str, Any], found: Iterable[tuple[str, JiraField]]
) -> tuple[Json, Json]:
    """The mapped values (by config name) and their dates, for the fields present."""
    values: dict[str, str] = {}
    dates: dict[str, str] = {}
    for name, f in found:
        if f.id not in raw_fields:
            continue
        values[name] = text_of(raw_fields[f.id])
        if (when := date_of(raw_fields[f.id])) is not None:
            dates[name] = when
    return values, dates


def payload(f: JiraField, value: str, flavour: str) -> Any:
    """``value`` in the shape field ``f`` takes in an edit (``""`` empties it)."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    who = "accountId" if flavour == "cloud" else "name"
    if f.kind == "array":
        if f.items in ("version", "component"):
            return [{"name": p} for p in parts]
        if f.items == "option":
            return [{"value": p} for p in parts]
        if f.items == "user":
            return [{who: p} for p in parts]
        return parts
    if not value:
        return None
    if f.kind == "option":
        return {"value": value}
    if f.kind in ("version", "component", "priority"):
        return {"name": value}
    if f.kind == "user":
        return {who: value}
    if f.kind == "number":
        try:
            return float(value)
        except ValueError:
            raise PermanentError(f"Jira field {f.name!r} takes a number, not {value!r}") from None
    return value


class FieldMethods:
    """The connector's ``Capability.FIELDS``: the fields routes map, read on every issue read
    and written by name in one edit."""

    settings: JiraSettings
    client: JiraClient
    catalog: FieldCatalog
    _lock: threading.Lock
    _mapped: list[str]  # field names routes map, read on every issue read
    _unknown: set[str]  # mapped names the instance has no field for (logged)

    if TYPE_CHECKING:

        def get_issue(self, ref: Ref) -> Issue: ...

    def map_fields(self, names: Sequence[str]) -> None:
        """Also read these fields (by display name or id) on every issue read."""
        with self._lock:
            self._mapped += [n for n in names if n not in self._mapped]

    def _found(self) -> list[tuple[str, JiraField]]:
        if not self._mapped:
            return []
        out = []
        for name in list(self._mapped):
            f = self.catalog.find(name)
            if f is None:
                if name not in self._unknown:
                    self._unknown.add(name)
                    log.warning("jira.field_unknown: Jira has no field named %r", name)
                continue
            out.append((name, f))
        return out

    def field_ids(self) -> list[str]:
        """The ids of the mapped fields, for the ``fields`` of issue reads and searches."""
        return list(dict.fromkeys(f.id for _, f in self._found()))

    def _with_fields(self, issue: Issue, raw: Mapping[str, Any]) -> Issue:
        found = self._found()
        if not found:
            return issue
        values, dates = read(unwrap_fields(raw.get("fields") or {}), found)
        return issue.model_copy(update={"fields": values, "dates": {**issue.dates, **dates}})

    def set_fields(self, ref: Ref, values: Mapping[str, str]) -> Issue:
        """Write fields by name in one edit; a field Jira does not have or that refuses its
        value is a PermanentError naming the field, the value and Jira's reason."""
        edit: dict[str, Any] = {}
        named: dict[str, str] = {}
        for name, value in values.items():
            f = self.catalog.resolve(name)
            edit[f.id] = payload(f, value, self.settings.flavour)
            named[f.id] = f"{name!r} = {value!r}"
        try:
            self.client.send("PUT", f"issue/{ref.key}", {"fields": edit})
        except PermanentError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            reason = str(exc)
            for fid, said in named.items():
                reason = reason.replace(fid, said)
            raise PermanentError(f"Jira refused {', '.join(named.values())}: {reason}") from exc
        return self.get_issue(ref)
