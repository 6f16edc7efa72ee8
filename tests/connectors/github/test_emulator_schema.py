"""The emulator answers in GitHub's published shapes.

REST answers are validated against GitHub's OpenAPI description (3.0, so ``nullable`` is
rewritten into JSON Schema first; ``format`` is not asserted), webhook deliveries against both
GitHub's webhook description and octokit's payload schemas (those tests are marked
``vendor_samples``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from connectors.github.emulator import GitHubEmulator
from tests.connectors.kit import load

from .conftest import DEV, GITHUB_SAMPLES, REPO

REST_URI = "urn:github-rest"
HOOKS_URI = "urn:github-webhooks"
OCTOKIT = "https://octokit.invalid/"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as plain JSON Schema."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def rest() -> dict[str, Any]:
    return _nullable(load(GITHUB_SAMPLES / "openapi" / "api.github.com.issues-subset.json"))


@pytest.fixture(scope="module")
def registry(rest: dict[str, Any]) -> Registry:
    hooks = load(GITHUB_SAMPLES / "openapi" / "api.github.com.issues-webhooks-subset.json")
    resources = [
        (REST_URI, Resource.from_contents(rest, default_specification=DRAFT7)),
        (HOOKS_URI, Resource.from_contents(hooks, default_specification=DRAFT202012)),
    ]
    root = GITHUB_SAMPLES / "payload-schemas" / "api.github.com"
    for path in root.glob("*/*.schema.json"):
        schema = json.loads(path.read_text())
        schema["$id"] = OCTOKIT + schema.get("$id", path.relative_to(root).as_posix())
        resources.append((schema["$id"], DRAFT7.create_resource(schema)))
    return Registry().with_resources(resources)


def _response_schema(rest: dict[str, Any], path: str, method: str, status: int) -> Any:
    response = rest["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = rest["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def _check(registry: Registry, schema: Any, uri: str, instance: Any) -> None:
    """Validate ``instance``; a ``$ref`` in ``schema`` resolves inside the document ``uri``."""
    wrapper = _rebase(schema, uri) if uri else schema
    cls = Draft202012Validator if uri == HOOKS_URI else Draft7Validator
    validator = cls(wrapper, registry=registry)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


def _rebase(node: Any, uri: str) -> Any:
    """Point local ``#/...`` references at the document they came from."""
    if isinstance(node, list):
        return [_rebase(n, uri) for n in node]
    if isinstance(node, dict):
        return {
            k: (f"{uri}{v}" if k == "$ref" and v.startswith("#") else _rebase(v, uri))
            for k, v in node.items()
        }
    return node


@pytest.fixture
def bot(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=base_url, headers={"Authorization": "Bearer syncd-token"}, timeout=5
    ) as client:
        yield client


@pytest.mark.vendor_samples
def test_rest_answers_match_the_openapi_description(
    rest: dict[str, Any], registry: Registry, bot: httpx.Client, emu: GitHubEmulator
) -> None:
    def check(path: str, method: str, resp: httpx.Response) -> None:
        schema = _response_schema(rest, path, method, resp.status_code)
        _check(registry, schema, REST_URI, resp.json())

    issues = "/repos/{owner}/{repo}/issues"
    made = bot.post(
        f"/repos/{REPO}/issues",
        json={"title": "schema", "body": "b", "labels": ["bug"], "assignees": [DEV]},
    )
    assert made.status_code == 201
    check(issues, "post", made)
    number = made.json()["number"]
    one = f"/repos/{REPO}/issues/{number}"
    check(issues + "/{issue_number}", "get", bot.get(one))
    check(issues, "get", bot.get(f"/repos/{REPO}/issues", params={"state": "all"}))
    closed = bot.patch(one, json={"state": "closed", "state_reason": "not_planned"})
    check(issues + "/{issue_number}", "patch", closed)
    labels = issues + "/{issue_number}/labels"
    check(labels, "post", bot.post(f"{one}/labels", json={"labels": ["priority: high"]}))
    check(labels + "/{name}", "delete", bot.delete(f"{one}/labels/priority%3A%20high"))
    comments = issues + "/{issue_number}/comments"
    note = bot.post(f"{one}/comments", json={"body": "hi"})
    assert note.status_code == 201
    check(comments, "post", note)
    check(comments, "get", bot.get(f"{one}/comments"))
    cid = note.json()["id"]
    repo_comments = "/repos/{owner}/{repo}/issues/comments"
    check(repo_comments, "get", bot.get(f"/repos/{REPO}/issues/comments"))
    single = repo_comments + "/{comment_id}"
    check(single, "get", bot.get(f"/repos/{REPO}/issues/comments/{cid}"))
    check(single, "patch", bot.patch(f"/repos/{REPO}/issues/comments/{cid}", json={"body": "x"}))
    assert bot.delete(f"/repos/{REPO}/issues/comments/{cid}").status_code == 204
    check("/repos/{owner}/{repo}/labels", "get", bot.get(f"/repos/{REPO}/labels"))
    check("/rate_limit", "get", bot.get("/rate_limit"))


@pytest.mark.vendor_samples
def test_error_answers_match(rest: dict[str, Any], registry: Registry, bot: httpx.Client) -> None:
    missing = bot.get(f"/repos/{REPO}/issues/987654")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    _check(
        registry,
        _response_schema(rest, "/repos/{owner}/{repo}/issues/{issue_number}", "get", 404),
        REST_URI,
        missing.json(),
    )
    invalid = bot.post(f"/repos/{REPO}/issues", json={"body": "no title"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0] == {
        "resource": "Issue",
        "code": "missing_field",
        "field": "title",
    }
    _check(
        registry,
        _response_schema(rest, "/repos/{owner}/{repo}/issues", "post", 422),
        REST_URI,
        invalid.json(),
    )
    bad = httpx.get(f"{bot.base_url}/user", headers={"Authorization": "token nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"


def test_rate_headers_etag_and_pagination(bot: httpx.Client, emu: GitHubEmulator) -> None:
    repo = f"acme/paged-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    for i in range(7):
        emu.create_issue_as(DEV, repo, f"n{i}")
    first = bot.get(f"/repos/{repo}/issues", params={"per_page": 3})
    for name in ("limit", "remaining", "reset", "used", "resource"):
        assert f"x-ratelimit-{name}" in first.headers
    assert 'rel="next"' in first.headers["link"] and 'rel="last"' in first.headers["link"]
    numbers = [i["number"] for i in first.json()]
    assert numbers == [7, 6, 5]
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = bot.get(
        f"/repos/{repo}/issues",
        params={"per_page": 3},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    last = bot.get(f"/repos/{repo}/issues", params={"per_page": 3, "page": 3})
    assert [i["number"] for i in last.json()] == [1] and 'rel="next"' not in last.headers["link"]


@pytest.mark.vendor_samples
def test_webhook_deliveries_match_the_schemas(
    registry: Registry, bot: httpx.Client, emu: GitHubEmulator
) -> None:
    target = f"acme/dest-{uuid.uuid4().hex[:6]}"
    emu.add_repo(target)
    start = emu.control.webhooks.total
    made = bot.post(f"/repos/{REPO}/issues", json={"title": "hooks", "body": "b"}).json()
    one = f"/repos/{REPO}/issues/{made['number']}"
    bot.patch(one, json={"title": "hooks 2", "state": "closed", "assignees": [DEV]})
    bot.patch(one, json={"state": "open", "labels": ["bug"]})
    bot.delete(f"{one}/labels/bug")
    cid = bot.post(f"{one}/comments", json={"body": "c"}).json()["id"]
    bot.patch(f"/repos/{REPO}/issues/comments/{cid}", json={"body": "d"})
    bot.delete(f"/repos/{REPO}/issues/comments/{cid}")
    emu.transfer_as(DEV, REPO, made["number"], target)
    number = emu.create_issue_as(DEV, target, "to delete")
    emu.delete_issue_as(DEV, target, number)
    seen: set[str] = set()
    for event, headers, body in emu.control.webhooks.since(start):
        payload = json.loads(body)
        action = payload["action"]
        seen.add(f"{event}.{action}")
        assert headers["X-GitHub-Event"] == event and headers["X-GitHub-Delivery"]
        assert headers["X-Hub-Signature-256"].startswith("sha256=")
        key = f"{event.replace('_', '-')}-{action}"
        _check(
            registry,
            {"$ref": f"#/webhooks/{key}/post/requestBody/content/application~1json/schema"},
            HOOKS_URI,
            payload,
        )
        _check(registry, {"$ref": f"{OCTOKIT}{event}${action}"}, "", payload)
    assert seen >= {
        "issues.opened",
        "issues.edited",
        "issues.closed",
        "issues.reopened",
        "issues.assigned",
        "issues.labeled",
        "issues.unlabeled",
        "issues.transferred",
        "issues.deleted",
        "issue_comment.created",
        "issue_comment.edited",
        "issue_comment.deleted",
    }
