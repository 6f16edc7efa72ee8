"""The shapes a GitHub delivery is decoded into name every field the mapping reads.

``connectors.github.webhooks.Payload`` skips whatever it does not name, and hands the
mapping the issue and comment it declares. A field the mapping reads but a shape leaves out
would reach the mapping as missing, and the change would be wrong without an error. So the
issue and comment of each of GitHub's published payloads are mapped here whole, with every
key the mapping looks at recorded, and each recorded key must be one the shape names (or lie
below a field it keeps whole); mapped from the shape, they must give the same values (those
tests are marked ``vendor_samples``).
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from connectors.github import mapping, webhooks
from syncd.errors import WebhookError
from tests.conftest import sample_files
from tests.payloads import github_issues_event

from .webhook_support import EXAMPLES, RULES
from .webhook_support import signed_headers as _headers

PUBLISHED = "github/payload-examples/api.github.com"

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


def _unwrap(annotation: Any) -> Any:
    """The model, list or leaf under ``Annotated`` and ``| None``."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _covered(shape: Any, path: Path_) -> bool:
    """Whether ``path`` is a field ``shape`` names, or lies below one it keeps whole."""
    current = shape
    for step in path:
        current = _unwrap(current)
        if current is Any or typing.get_origin(current) is dict:
            return True
        if step == "[]":
            if typing.get_origin(current) is not list:
                return False
            current = typing.get_args(current)[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return False
        if step not in current.model_fields:
            return False
        current = current.model_fields[step].annotation
    return True


def _variants(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload as published, and closed as not planned: no published example closes an
    issue, and only a closed one has its ``state_reason`` read."""
    issue = doc.get("issue")
    if not isinstance(issue, dict):
        return [doc]
    closed = {**doc, "issue": {**issue, "state": "closed", "state_reason": "not_planned"}}
    return [doc, closed]


def _map(doc: dict[str, Any]) -> list[Any]:
    """What the webhook path asks the mapping for, from a payload's issue and comment."""
    repo = doc["repository"]["full_name"]
    issue, comment = doc["issue"], doc.get("comment")
    out = [mapping.is_pull_request(issue), mapping.issue_ref(issue, RULES.instance, repo)]
    if "state" in issue:
        out.append(mapping.issue_from_raw(issue, RULES, repo))
    if comment is not None:
        out.append(mapping.comment_from_raw(comment, RULES, repo))
    return out


def _read_paths(payload: dict[str, Any]) -> set[Path_]:
    seen: set[Path_] = set()
    for doc in _variants(payload):
        if "issue" in doc:
            _map(_recording(doc, (), seen))
    return seen


def _payloads() -> list[Path]:
    """GitHub's published payloads of the events syncd reads."""
    paths = [p for event in webhooks.EVENTS for p in (EXAMPLES / event).glob("*.json")]
    assert paths, f"no published payloads in {EXAMPLES}"
    return sorted(paths)


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_bytes())
    return doc


@pytest.mark.vendor_samples
def test_the_shape_names_every_field_the_mapping_reads() -> None:
    left_out = {
        (p.name, ".".join(read))
        for p in _payloads()
        for read in _read_paths(_load(p))
        if not _covered(webhooks.Payload, read)
    }
    assert not left_out


def test_the_recorder_sees_a_field_the_shape_leaves_out() -> None:
    # the check above can fail: a read of a field the shape skips is reported
    assert not _covered(webhooks.Payload, ("issue", "user", "login"))
    assert not _covered(webhooks.Payload, ("repository", "id"))
    assert _covered(webhooks.Payload, ("issue", "labels", "[]", "name"))
    assert _covered(webhooks.Payload, ("issue", "pull_request", "url"))
    assert ("issue", "number") in _read_paths(github_issues_event("opened"))


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    "path", sample_files(PUBLISHED, *(f"{event}/*.json" for event in sorted(webhooks.EVENTS)))
)
def test_shaped_decode_maps_as_the_whole_payload_does(path: Path) -> None:
    for doc in _variants(_load(path)):
        shaped = webhooks.decode(json.dumps(doc).encode(), webhooks.Payload)
        whole = {**doc, "issue": shaped.issue.raw()}
        if shaped.comment is not None:
            whole["comment"] = shaped.comment.raw()
        assert _map(whole) == _map(doc)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'{"action": "opened", "issue": "7"}', "body: issue:"),
        (b'{"action": "opened", "issue": {"number": 1}, "sender": 5}', "body: sender:"),
        (b'{"action": "opened", "issue": {"number": 1, "labels": "bug"}}', "body: issue.labels:"),
        (
            b'{"action": "opened", "issue": {"number": 1, "labels": [{"name": 5}]}}',
            "body: issue.labels[0].name:",
        ),
    ],
)
def test_a_body_off_the_shape_is_400_with_the_field_named(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookError) as err:
        webhooks.parse(_headers("issues", body), body, RULES)
    assert err.value.status == 400
    assert err.value.reason.startswith(reason)
