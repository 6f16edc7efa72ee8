"""The GitLab emulator answers in GitLab's shapes: its REST issues and notes validate against
GitLab's own response schemas, its answers carry every field of the published examples but
the ones named here as left out, its hooks carry the fields of the webhook documentation's
examples, and its errors, pagination and rate-limit headers are GitLab's."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jsonschema
import pytest

from connectors.gitlab.emulator import GitLabEmulator
from tests.connectors.kit import load

from .conftest import DEV, ENCODED, GITLAB_SAMPLES, PROJECT

# fields of the published examples the emulator leaves out, and why
LEFT_OUT_ISSUE = {"epic", "iteration", "health_status"}  # Premium / Ultimate features
LEFT_OUT_NOTE = {"upvote", "downvote"}  # not in GitLab's note schema, which forbids extras
# incidents only, and the legacy fields of an issue inside a Note Hook
LEFT_OUT_HOOK = {"escalation_policy", "escalation_status", "branch_name", "position"}
PROJECT_READ = {  # what syncd reads of a project, with the type GitLab gives it
    "id": int, "path_with_namespace": str, "visibility": str, "archived": bool,
    "issues_enabled": bool, "web_url": str, "namespace": dict,
}  # fmt: skip


def _issue(dev: httpx.Client, **kw: Any) -> dict[str, Any]:
    resp = dev.post(f"/projects/{ENCODED}/issues", json={"title": "shape", **kw})
    assert resp.status_code == 201, resp.text
    answer: dict[str, Any] = resp.json()
    return answer


@pytest.mark.vendor_samples
def test_issues_validate_against_gitlabs_issue_schema(dev: httpx.Client) -> None:
    schema = load(GITLAB_SAMPLES / "spec-schemas-v4" / "issue.json")
    made = _issue(dev, description=None, labels="bug,priority::high", assignee_ids=[])
    jsonschema.validate(made, schema)
    closed = dev.put(f"/projects/{ENCODED}/issues/{made['iid']}", json={"state_event": "close"})
    jsonschema.validate(closed.json(), schema)
    assert closed.json()["state"] == "closed" and closed.json()["closed_by"]["username"] == DEV
    for item in dev.get(f"/projects/{ENCODED}/issues", params={"per_page": 5}).json():
        jsonschema.validate(item, schema)


@pytest.mark.vendor_samples
def test_notes_validate_against_gitlabs_notes_schema(dev: httpx.Client) -> None:
    schema = load(GITLAB_SAMPLES / "spec-schemas-v4" / "notes.json")
    iid = _issue(dev)["iid"]
    path = f"/projects/{ENCODED}/issues/{iid}/notes"
    assert dev.post(path, json={"body": "public"}).status_code == 201
    internal = dev.post(path, json={"body": "members only", "internal": True}).json()
    assert internal["internal"] is True and internal["confidential"] is True
    listed = dev.get(path, params={"sort": "asc"}).json()
    jsonschema.validate(listed, schema)
    assert [n["internal"] for n in listed] == [False, True]


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("sample", "left_out"),
    [
        ("gitlab4j-testdata/issue.json", LEFT_OUT_ISSUE),
        ("go-gitlab-testdata/issue_move.json", set()),
        ("gitlab4j-testdata/note.json", LEFT_OUT_NOTE),
    ],
)
def test_answers_carry_every_field_of_the_published_examples(
    dev: httpx.Client, sample: str, left_out: set[str]
) -> None:
    example = load(GITLAB_SAMPLES / sample)
    iid = _issue(dev)["iid"]
    if "note" in sample:
        ours = dev.post(f"/projects/{ENCODED}/issues/{iid}/notes", json={"body": "n"}).json()
    else:
        ours = dev.get(f"/projects/{ENCODED}/issues/{iid}").json()
    assert set(example) - set(ours) == left_out
    for key in set(example) & set(ours):
        if example[key] is not None and ours[key] is not None:
            assert type(ours[key]) is type(example[key]), key


@pytest.mark.vendor_samples
def test_the_project_answer_has_what_syncd_reads_typed_as_gitlab_types_it(
    dev: httpx.Client,
) -> None:
    example = load(GITLAB_SAMPLES / "gitlab4j-testdata" / "project.json")
    ours = dev.get(f"/projects/{ENCODED}").json()
    for key, kind in PROJECT_READ.items():
        assert isinstance(example[key], kind) and isinstance(ours[key], kind), key
    assert ours["permissions"]["project_access"]["access_level"] == 30


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("event", "sample"),
    [("Issue Hook", "issue-hook.payload.json"), ("Note Hook", "note-hook-issue.payload.json")],
)
def test_hooks_carry_the_fields_of_the_documented_payloads(
    emu: GitLabEmulator, dev: httpx.Client, event: str, sample: str
) -> None:
    docs = GITLAB_SAMPLES / "docs-webhook-events"
    example = load(docs / sample)
    assert load(docs / "headers.json")[sample] == {"X-Gitlab-Event": event}
    iid = _issue(dev, labels="bug")["iid"]
    dev.post(f"/projects/{ENCODED}/issues/{iid}/notes", json={"body": "hook me"})
    dev.put(f"/projects/{ENCODED}/issues/{iid}", json={"add_labels": "api"})
    _, headers, body = next(c for c in reversed(emu.control.webhooks.captured) if c[0] == event)
    ours = json.loads(body)
    assert headers["X-Gitlab-Event"] == event and headers["X-Gitlab-Token"]
    assert uuid.UUID(headers["Idempotency-Key"]) and headers["X-Gitlab-Event-UUID"]
    for part in ("", "object_attributes", "project", "issue", "user"):
        theirs = example.get(part) if part else example
        mine = ours.get(part) if part else ours
        if isinstance(theirs, dict):
            assert set(theirs) - set(mine) <= LEFT_OUT_HOOK, (part, set(theirs) - set(mine))
    if event == "Issue Hook":
        assert ours["changes"]["labels"]["current"][0].keys() == example["labels"][0].keys()
        assert set(ours["changes"]["updated_at"]) == {"previous", "current"}


def test_errors_are_gitlabs(base_url: str, dev: httpx.Client) -> None:
    anon = httpx.get(f"{base_url}/api/v4/user", headers={"PRIVATE-TOKEN": "nope"})
    assert (anon.status_code, anon.json()) == (401, {"message": "401 Unauthorized"})
    gone = dev.get(f"/projects/{ENCODED}/issues/999999")
    assert (gone.status_code, gone.json()) == (404, {"message": "404 Issue Not Found"})
    nowhere = dev.get("/projects/acme%2Fnowhere")
    assert nowhere.json() == {"message": "404 Project Not Found"}
    unencoded = dev.get(f"/projects/{PROJECT}/issues")  # the path must be URL-encoded
    assert (unencoded.status_code, unencoded.json()) == (404, {"error": "404 Not Found"})
    untitled = dev.post(f"/projects/{ENCODED}/issues", json={"description": "x"})
    assert (untitled.status_code, untitled.json()) == (400, {"error": "title is missing"})
    blank = dev.post(f"/projects/{ENCODED}/issues", json={"title": " "})
    assert blank.json() == {"message": {"title": ["can't be blank"]}}
    wrong = dev.put(f"/projects/{ENCODED}/issues/1", json={"state_event": "reopened"})
    assert wrong.json() == {"error": "state_event does not have a valid value"}


def test_offset_pagination_headers_and_links(emu: GitLabEmulator, dev: httpx.Client) -> None:
    project = f"acme/pages-{uuid.uuid4().hex[:6]}"
    emu.add_project(project)
    encoded = project.replace("/", "%2F")
    for n in range(5):
        assert dev.post(f"/projects/{encoded}/issues", json={"title": f"i{n}"}).status_code == 201
    first = dev.get(f"/projects/{encoded}/issues", params={"per_page": 2, "sort": "asc"})
    h = first.headers
    assert (h["x-page"], h["x-per-page"], h["x-next-page"], h["x-prev-page"]) == ("1", "2", "2", "")
    assert (h["x-total"], h["x-total-pages"]) == ("5", "3")
    assert 'rel="next"' in h["link"] and 'rel="last"' in h["link"] and "acme%2F" in h["link"]
    titles = [i["title"] for i in first.json()]
    nxt = first.links["next"]["url"]
    while nxt:
        page = httpx.get(nxt, headers={"PRIVATE-TOKEN": "dev-token"})
        titles += [i["title"] for i in page.json()]
        nxt = page.links.get("next", {}).get("url")
    assert titles == [f"i{n}" for n in range(5)]


def test_a_spent_budget_answers_429_with_retry_after(
    emu: GitLabEmulator, dev: httpx.Client
) -> None:
    ok = dev.get("/user")
    assert int(ok.headers["ratelimit-limit"]) == emu.control.budget.limit
    emu.exhaust_budget(DEV, for_seconds=30)
    try:
        limited = dev.get("/user")
    finally:
        emu.control.budget.used.clear()
    assert limited.status_code == 429 and limited.text == "Retry later\n"
    assert 1 <= int(limited.headers["retry-after"]) <= 30
    assert limited.headers["ratelimit-remaining"] == "0" and limited.headers["ratelimit-resettime"]
