"""The endpoints ``syncd connectors test`` reads answer in Jira's shapes: Cloud's against the
published REST v3 description, Data Center's against recorded Jira Server answers, and the
admin REST API's webhooks as Atlassian documents them (not in either sample set)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.jira.emulator.admin import AdminState

from .conftest import SAMPLES, Served
from .test_rest_shapes import validate

V2 = SAMPLES / "rest-server-v2"
HOOK_KEYS = {
    "name",
    "url",
    "excludeBody",
    "filters",
    "events",
    "enabled",
    "self",
    "lastUpdatedUser",
    "lastUpdatedDisplayName",
    "lastUpdated",
}


def recorded(rel: str) -> Any:
    return json.loads((V2 / rel).read_text())


@pytest.mark.vendor_samples
def test_cloud_project_and_myself_validate(cloud: Served) -> None:
    with cloud.human("bob") as http:
        project = http.get("project/WID").json()
        me = http.get("myself", params={"expand": "groups"}).json()
    validate(project, "Project")
    assert [t["name"] for t in project["issueTypes"]] == ["Task", "Bug", "Story"]
    assert set(project["roles"]) == {"Developers", "Administrators", "Service Desk Team"}
    validate(me, "User")
    assert me["groups"]["size"] == len(me["groups"]["items"]) == 3


@pytest.mark.vendor_samples
def test_datacenter_answers_have_the_recorded_keys(datacenter: Served) -> None:
    with datacenter.human("bob") as http:
        project = http.get("project/WID").json()
        perms = http.get(
            "mypermissions", params={"projectKey": "WID", "permissions": "EDIT_ISSUES"}
        ).json()
        role_url = project["roles"]["Developers"]
        role = http.get(role_url.split("/rest/api/2/", 1)[1]).json()
        groups = http.get("groups/picker", params={"query": "jira"}).json()
    assert set(recorded("project/project-jira-5-0.json")) <= set(project)
    (sample,) = list(recorded("mypermission/valid.json")["permissions"].values())[:1]
    assert set(sample) <= set(perms["permissions"]["EDIT_ISSUES"])
    assert perms["permissions"]["EDIT_ISSUES"]["havePermission"] is True
    one = recorded("role/valid-role-single-actor.json")
    assert set(one) == set(role) and set(one["actors"][0]) == set(role["actors"][0])
    picked = recorded("groups/valid.json")
    assert set(picked) == set(groups) and set(picked["groups"][0]) == set(groups["groups"][0])
    assert [g["name"] for g in groups["groups"]] == ["jira-software-users", "jira-administrators"]


def test_mypermissions_follow_what_was_denied(served: Served) -> None:
    served.emu.admin = AdminState()
    served.emu.admin.deny("bob", "OPS", "ADD_COMMENTS")
    try:
        with served.human("bob") as http:
            ops = http.get(
                "mypermissions",
                params={"projectKey": "OPS", "permissions": "ADD_COMMENTS,BROWSE_PROJECTS"},
            ).json()["permissions"]
            missing = http.get(
                "mypermissions", params={"projectKey": "NOPE", "permissions": "ADD_COMMENTS"}
            )
            if served.flavour == "cloud":
                required = http.get("mypermissions", params={"projectKey": "OPS"})
                assert required.status_code == 400
    finally:
        served.emu.admin = AdminState()
    assert ops["ADD_COMMENTS"]["havePermission"] is False
    assert ops["BROWSE_PROJECTS"]["havePermission"] is True
    assert missing.status_code == 404 and missing.json()["errorMessages"]


def test_admin_webhooks_api(served: Served) -> None:
    served.emu.admin = AdminState()
    served.emu.admin.add_hook("https://syncd.example/webhooks/jira", jql="project = WID")
    base = served.url
    try:
        with served.human("bob") as http:
            (hook,) = http.get(f"{base}/rest/webhooks/1.0/webhook").json()
        with served.human("alice") as http:
            denied = http.get(f"{base}/rest/webhooks/1.0/webhook")
    finally:
        served.emu.admin = AdminState()
    assert set(hook) == HOOK_KEYS and hook["enabled"] is True
    assert hook["filters"] == {"issue-related-events-section": "project = WID"}
    assert "jira:issue_created" in hook["events"] and "comment_deleted" in hook["events"]
    assert denied.status_code == 403 and denied.json()["errorMessages"]
