"""The shape a GitHub delivery is decoded into names every field the mapping reads.

``connectors.github.webhooks.PAYLOAD`` lets the parser skip whatever it does not name. A
field the mapping reads but the shape leaves out would reach the mapping as missing, and
the change would be wrong without an error. So each of GitHub's published payloads is
mapped here from the whole document, with every key the mapping looks at recorded, and
each recorded key must be one the shape names (or lie below a field it keeps whole).
"""

from __future__ import annotations

import contextlib
import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import is_typeddict

from connectors.github import webhooks
from syncd.errors import WebhookError

from .test_webhooks import ALL_PAYLOADS, RULES, _headers

Path_ = tuple[str, ...]


class _Recording(dict[str, Any]):
    """A payload object that notes the path of every key read from it."""

    def __init__(self, data: dict[str, Any], path: Path_, seen: set[Path_]) -> None:
        super().__init__(data)
        self._path = path
        self._seen = seen

    def _child(self, key: str, value: Any) -> Any:
        return _recording(value, (*self._path, key), self._seen)

    def __getitem__(self, key: str) -> Any:
        self._seen.add((*self._path, key))
        return self._child(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._seen.add((*self._path, key))
        return self._child(key, super().__getitem__(key)) if key in self.keys() else default

    def __contains__(self, key: object) -> bool:
        self._seen.add((*self._path, str(key)))
        return super().__contains__(key)


def _recording(value: Any, path: Path_, seen: set[Path_]) -> Any:
    if isinstance(value, dict):
        return _Recording(value, path, seen)
    if isinstance(value, list):
        return [_recording(v, (*path, "[]"), seen) for v in value]
    return value


def _covered(shape: Any, path: Path_) -> bool:
    """Whether ``path`` is a field ``shape`` names, or lies below one it keeps whole."""
    current = shape
    for step in path:
        if current is Any:
            return True
        if typing.get_origin(current) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(current) if a is not type(None)]
            current = members[0] if len(members) == 1 else current
        if not is_typeddict(current):
            return False
        hints = typing.get_type_hints(current)
        if step not in hints:
            return False
        current = hints[step]
    return True


def _variants(path: Path) -> list[bytes]:
    """The payload as published, and closed as not planned: no published example closes an
    issue, and only a closed one has its ``state_reason`` read."""
    doc = json.loads(path.read_bytes())
    issue = doc.get("issue")
    if not isinstance(issue, dict):
        return [path.read_bytes()]
    closed = {**doc, "issue": {**issue, "state": "closed", "state_reason": "not_planned"}}
    return [path.read_bytes(), json.dumps(closed).encode()]


def _read_paths(path: Path) -> set[Path_]:
    seen: set[Path_] = set()
    for body in _variants(path):
        payload = _recording(json.loads(body), (), seen)
        # a payload the mapping refuses still shows what it read
        with contextlib.suppress(WebhookError):
            webhooks.changes_of(path.parent.name, payload, RULES)
    return seen


def test_the_shape_names_every_field_the_mapping_reads() -> None:
    left_out = {
        (p.name, ".".join(read))
        for p in ALL_PAYLOADS
        for read in _read_paths(p)
        if not _covered(webhooks._Payload, read)
    }
    assert not left_out


def test_the_recorder_sees_a_field_the_shape_leaves_out() -> None:
    # the check above can fail: a read of a field the shape skips is reported
    assert not _covered(webhooks._Payload, ("issue", "user", "login"))
    assert not _covered(webhooks._Payload, ("repository", "id"))
    assert _covered(webhooks._Payload, ("issue", "labels", "[]", "name"))
    opened = next(p for p in ALL_PAYLOADS if p.name == "opened.payload.json")
    assert ("issue", "number") in _read_paths(opened)


@pytest.mark.parametrize("path", ALL_PAYLOADS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shaped_decode_maps_as_the_whole_payload_does(path: Path) -> None:
    event = path.parent.name
    for body in _variants(path):
        shaped = webhooks.parse(_headers(event, body), body, RULES).changes
        assert shaped == tuple(webhooks.changes_of(event, json.loads(body), RULES))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'{"action": "opened", "issue": "7"}', "body: issue:"),
        (b'{"action": "opened", "issue": {"number": 1}, "sender": 5}', "body: sender:"),
    ],
)
def test_a_body_off_the_shape_is_400_with_the_field_named(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookError) as err:
        webhooks.parse(_headers("issues", body), body, RULES)
    assert err.value.status == 400
    assert err.value.reason.startswith(reason)
