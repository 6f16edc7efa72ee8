"""The real Redmine's answers, as syncd reads them, validate against the Redmine REST
description in the vendors' samples (``redmine/openapi``), and the fields syncd maps from are
the ones that description names (tests marked ``vendor_samples``)."""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest

from connectors.redmine import mapping
from syncd.model import IssueStatus, Ref
from tests.conftest import SAMPLES
from tests.connectors.kit import nullable

from .harness import RedmineHarness

pytestmark = [pytest.mark.vendor_samples, pytest.mark.realserver]

OPENAPI = SAMPLES / "redmine" / "openapi" / "redmine-openapi.issues-subset.json"


# fields the description (written against Redmine 7) requires that Redmine 5.0 does not send
# yet: a journal's updated_on (5.1, with note editing) and an issue status's description (5.1);
# syncd reads neither (a note's time falls back to created_on)
NEWER_THAN_5_0 = {
    ("issue", "journals"): "updated_on",
    ("issue_status",): "description",
}


def _relax(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    journal = schemas["issue"]["properties"]["journals"]["items"]
    journal["required"].remove(NEWER_THAN_5_0[("issue", "journals")])
    schemas["issue_status"]["required"].remove(NEWER_THAN_5_0[("issue_status",)])
    return spec


@cache
def _spec() -> dict[str, Any]:
    return _relax(dict(nullable(json.loads(OPENAPI.read_text()))))


def _answer(path: str, status: str = "200") -> dict[str, Any]:
    """The JSON schema of an answer, with the description's components to resolve in."""
    op = _spec()["paths"][path]["get"]["responses"][status]
    schema = op["content"]["application/json"]["schema"]
    return {**schema, "components": _spec()["components"]}


def _schema(name: str) -> dict[str, Any]:
    return _spec()["components"]["schemas"][name]  # type: ignore[no-any-return]


def _get(h: RedmineHarness, path: str, **params: str) -> Any:
    r = httpx.get(
        f"{h.info['base_url']}{path}",
        params=params,
        headers={"X-Redmine-API-Key": h.info["syncd_key"]},
    )
    r.raise_for_status()
    return r.json()


def test_issue_with_journals_validates_and_maps(harness: RedmineHarness) -> None:
    ref = harness.human_create(f"shapes {uuid.uuid4().hex[:6]}", "body")
    harness.human_comment(ref, "public word", public=True)
    harness.human_comment(ref, "private word", public=False)
    answer = _get(harness, f"/issues/{ref.key}.json", include="journals")
    jsonschema.validate(answer, _answer("/issues/{issue_id}.{format}"))
    rules = mapping.Rules("redmine", harness.connector.settings, harness.info["base_url"], None)  # type: ignore[arg-type]
    issue = mapping.issue_from_raw(answer["issue"], rules)
    assert issue.ref == Ref.issue("redmine", ref.key) and issue.status == IssueStatus.TODO
    notes = mapping.notes_of(answer["issue"], rules)
    assert [(n.body, n.public) for n in notes] == [("public word", True), ("private word", False)]


def test_lists_and_names_validate(harness: RedmineHarness) -> None:
    listed = _get(harness, "/issues.json", status_id="*", limit="2")
    jsonschema.validate(listed, _answer("/issues.{format}"))
    for path in ("/issue_statuses.{format}", "/trackers.{format}",
                 "/enumerations/issue_priorities.{format}", "/users/current.{format}"):  # fmt: skip
        answer = _get(harness, path.replace("{format}", "json"))
        jsonschema.validate(answer, _answer(path))
    project = _get(harness, "/projects/widgets.json", include="trackers,issue_custom_fields")
    jsonschema.validate(project, _answer("/projects/{project_id}.{format}"))


def test_the_fields_syncd_reads_are_described() -> None:
    issue = _schema("issue")["properties"]
    for name in ("subject", "description", "status", "priority", "custom_fields", "journals",
                 "created_on", "updated_on", "author", "assigned_to", "fixed_version"):  # fmt: skip
        assert name in issue, name
    journal = issue["journals"]["items"]["properties"]
    assert {"id", "user", "notes", "private_notes", "created_on"} <= set(journal)
    assert "is_closed" in _schema("issue_status.summary")["properties"]
    assert "is_public" in _schema("project")["properties"]
    # a multiple-value custom field answers a list: syncd joins it
    value = _schema("custom_field_value")["properties"]["value"]
    assert {"type": "array", "items": {"type": "string"}} in value["oneOf"]
    raw = {"custom_fields": [{"id": 1, "name": "Labels", "value": ["a", "b"]}]}
    assert mapping.split_labels(mapping.custom_value(raw, "Labels")) == {"a", "b"}
