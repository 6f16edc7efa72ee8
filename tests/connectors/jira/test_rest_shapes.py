"""Recorded Jira Server REST v2 responses map to canonical values; the emulator's Cloud
answers validate against Atlassian's published REST v3 description (those tests are marked
``vendor_samples``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest

from connectors.jira import mapping
from connectors.jira.settings import DEFAULT_PRIORITIES
from syncd.model import IssueStatus, Priority, Ref
from tests.conftest import sample_files
from tests.connectors.jira.conftest import SAMPLES, Served
from tests.connectors.kit import nullable

V2 = SAMPLES / "rest-server-v2"
OPENAPI = SAMPLES / "openapi-cloud" / "swagger-v3.v3.sync-subset.json"


def load(rel: str) -> Any:
    return json.loads((V2 / rel).read_text())


def to_issue(raw: Any) -> Any:
    return mapping.issue_from_raw(
        "jira", raw, base_url="https://jira.example.com", priorities=DEFAULT_PRIORITIES
    )


@pytest.mark.vendor_samples
@pytest.mark.parametrize("path", sample_files("jira/rest-server-v2/issue"))
def test_every_recorded_issue_maps(path: Any) -> None:
    raw = json.loads(path.read_text())
    issue = to_issue(raw)
    assert issue.ref.key == raw["key"]
    assert issue.title == mapping.unwrap_fields(raw["fields"])["summary"]
    assert issue.url.endswith("/browse/" + raw["key"]) and issue.updated_at is not None


@pytest.mark.vendor_samples
def test_issue_with_resolution_and_labels() -> None:
    issue = to_issue(load("issue/valid-all-expanded-with-resolution.json"))
    # status "Resolved" without a category, resolution "Incomplete": closed, not fixed
    assert issue.status == IssueStatus.WONT_DO
    assert issue.body == "my description"
    labelled = to_issue(load("issue/valid-with-labels.json"))
    assert labelled.labels and all(isinstance(lb, str) for lb in labelled.labels)


@pytest.mark.vendor_samples
def test_search_results_map() -> None:
    page = load("search/many-issues.json")
    issues = {i.ref.key: i for i in map(to_issue, page["issues"])}
    assert len(issues) == page["maxResults"] == 8 and page["total"] == 15
    assert issues["TST-13"].status == IssueStatus.TODO
    assert issues["TST-8"].status == IssueStatus.WONT_DO
    assert issues["TST-6"].status == IssueStatus.TODO  # "Reopened"


@pytest.mark.vendor_samples
def test_transition_needing_resolution() -> None:
    transition = load("transition/valid.json")
    assert mapping.needs_resolution(transition)
    cloud = example("getTransitions.200")
    picked = mapping.pick_transition(cloud["transitions"], IssueStatus.DONE)
    assert picked is None or picked["to"]["statusCategory"]["key"] == "done"


def example(name: str) -> Any:
    path = SAMPLES / "openapi-cloud" / "examples" / f"{name}.json"
    return json.loads(path.read_text())["example"]


@pytest.mark.vendor_samples
def test_cloud_examples_map() -> None:
    issue = to_issue(example("getIssue.200"))
    assert issue.ref.key == example("getIssue.200")["key"]
    page = example("getComments.200")
    parent = Ref.issue("jira", "ED-1")
    comments = [mapping.comment_from_raw("jira", parent, "10010", c) for c in page["comments"]]
    assert comments and all(c.body for c in comments)
    assert not comments[0].public  # restricted to a role
    found = example("searchAndReconsileIssuesUsingJql.200")
    assert all(to_issue(i).ref.key == i["key"] for i in found["issues"])


@pytest.mark.vendor_samples
def test_comments_with_visibility() -> None:
    raw = load("issue/valid-visibility.json")
    parent = Ref.issue("jira", raw["key"])
    comments = [
        mapping.comment_from_raw("jira", parent, raw["id"], c, bot=("admin",))
        for c in raw["fields"]["comment"]["comments"]
    ]
    assert comments[0].ref.key == "10010/10020"
    assert comments[0].public is False  # role-restricted
    assert comments[0].by_syncd
    assert any(c.public for c in comments)
    old = load("comment/valid.json")["value"][0]
    assert mapping.is_public(old) is False  # "roleLevel" of old servers


def test_priority_names_both_ways() -> None:
    assert mapping.priority_of("Major", DEFAULT_PRIORITIES) == Priority.HIGH
    assert mapping.priority_of("Lowest", DEFAULT_PRIORITIES) == Priority.LOW
    custom = {Priority.URGENT: "P1", Priority.HIGH: "P2"}
    assert mapping.priority_of("p1", custom) == Priority.URGENT
    assert mapping.priority_of("Weird", custom) is None


@pytest.mark.parametrize(
    ("category", "resolution", "expected"),
    [
        ("new", None, IssueStatus.TODO),
        ("indeterminate", None, IssueStatus.IN_PROGRESS),
        ("done", "Done", IssueStatus.DONE),
        ("done", "Fixed", IssueStatus.DONE),
        ("done", "Won't Do", IssueStatus.WONT_DO),
        ("done", "Won't Fix", IssueStatus.WONT_DO),
        ("done", "Duplicate", IssueStatus.DUPLICATE),
    ],
)
def test_status_category_and_resolution(
    category: str, resolution: str | None, expected: IssueStatus
) -> None:
    fields = {
        "status": {"name": "X", "statusCategory": {"key": category}},
        "resolution": {"name": resolution} if resolution else None,
    }
    assert mapping.status_of(fields) == expected


# -- the emulator's Cloud answers against the OpenAPI description ---------------------------


@cache
def _spec() -> dict[str, Any]:
    return dict(nullable(json.loads(OPENAPI.read_text())))


def validate(instance: Any, schema_name: str) -> None:
    spec = _spec()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.validate(instance, schema)


@pytest.mark.vendor_samples
def test_cloud_answers_validate(cloud: Served) -> None:
    http: httpx.Client = cloud.human()
    made = http.post(
        "issue",
        json={"fields": {"project": {"key": "WID"}, "issuetype": {"name": "Task"}, "summary": "s"}},
    )
    assert made.status_code == 201
    validate(made.json(), "CreatedIssue")
    key = made.json()["key"]
    cloud.emu.human_create("a second one")
    issue = http.get(f"issue/{key}").json()
    validate(issue, "IssueBean")
    validate(issue["fields"]["status"], "StatusDetails")
    validate(issue["fields"]["reporter"], "UserDetails")
    validate(http.get("myself").json(), "User")
    validate(http.get("serverInfo").json(), "ServerInformation")
    validate(http.get(f"issue/{key}/transitions?expand=transitions.fields").json(), "Transitions")
    para = {"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}
    comment = http.post(
        f"issue/{key}/comment",
        json={
            "body": {"type": "doc", "version": 1, "content": [para]},
            "visibility": {"type": "role", "value": "Developers"},
        },
    )
    assert comment.status_code == 201
    validate(comment.json(), "Comment")
    validate(http.get(f"issue/{key}/comment").json(), "PageOfComments")
    link = {
        "globalId": "https://help.example.com/t/1",
        "object": {"url": "https://h/1", "title": "t"},
    }
    created_link = http.post(f"issue/{key}/remotelink", json=link)
    assert created_link.status_code == 201
    validate(created_link.json(), "RemoteIssueLinkIdentifies")
    assert http.post(f"issue/{key}/remotelink", json=link).status_code == 200
    search = http.post(
        "search/jql", json={"jql": "project = WID", "maxResults": 1, "fields": ["*all"]}
    )
    validate(search.json(), "SearchAndReconcileResults")
    assert search.json()["isLast"] is False and search.json()["nextPageToken"]
    bad = http.post("issue", json={"fields": {"project": {"key": "NOPE"}}})
    assert bad.status_code == 400
    validate(bad.json(), "ErrorCollection")
    assert bad.json()["errors"]["project"]
    gone = http.get("issue/WID-424242")
    assert gone.status_code == 404 and gone.json()["errorMessages"]
    assert http.get("search", params={"jql": "project = WID"}).status_code == 410


def test_emulator_errors_have_jira_shape(served: Served) -> None:
    http = served.human()
    bad_jql = http.get(
        "search" if served.flavour == "datacenter" else "search/jql",
        params={"jql": "assignee was bob"},
    )
    assert bad_jql.status_code == 400
    assert bad_jql.json()["errorMessages"] and bad_jql.json()["errors"] == {}
    http.headers["Authorization"] = "Basic bm9ib2R5Om5vcGU="
    denied = http.get("myself")
    assert denied.status_code == 401 and denied.json()["errorMessages"]
