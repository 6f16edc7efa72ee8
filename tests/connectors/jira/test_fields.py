"""Mapped fields on Jira, against both flavours of the emulator: the field catalog by name,
versions, fix versions (with their release date), components and custom fields read into
``Issue.fields`` and written back by name; refusals name the field; the emulator's catalog
and versions have the vendor's shapes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from connectors.jira.fields import FieldCatalog, JiraField, payload, text_of
from syncd.connector import DiagnoseContext, FieldUse, ProjectUse
from syncd.errors import PermanentError
from syncd.model import IssueDraft
from tests.connectors.jira.conftest import SAMPLES, Served


def created(served: Served, names: list[str]):  # type: ignore[no-untyped-def]
    conn = served.connector()
    conn.map_fields(names)
    issue = conn.create_issue("WID", IssueDraft(title="Export", body="x"), key=uuid.uuid4().hex)
    return conn, issue


def test_names_find_fields_in_either_flavour(served: Served) -> None:
    catalog = served.connector().catalog
    for name, fid in [
        ("Affects Version", "versions"),
        ("Affects Version/s", "versions"),
        ("affects versions", "versions"),
        ("Fix versions", "fixVersions"),
        ("fixVersions", "fixVersions"),
        ("Component/s", "components"),
        ("Customer Impact", "customfield_10020"),
        ("customfield_10021", "customfield_10021"),
    ]:
        found = catalog.find(name)
        assert found is not None and found.id == fid, name
    assert catalog.find("Nonexistent Field") is None
    with pytest.raises(PermanentError, match="no Jira field named 'Nonexistent Field'"):
        catalog.resolve("Nonexistent Field")


def test_mapped_fields_are_written_and_read_by_name(served: Served) -> None:
    conn, issue = created(served, ["versions", "Fix versions", "Customer Impact", "components"])
    assert issue.fields == {
        "versions": "",
        "Fix versions": "",
        "Customer Impact": "",
        "components": "",
    }
    got = conn.set_fields(
        issue.ref,
        {"versions": "2.3", "Customer Impact": "High", "components": "Backend, Billing"},
    )
    assert got.fields["versions"] == "2.3" and got.fields["Customer Impact"] == "High"
    assert got.fields["components"] == "Backend, Billing"
    stored = served.emu.issue(issue.ref.key)
    assert stored.versions == ["2.3"] and stored.custom["customfield_10020"] == "High"

    # a developer sets the fix version: its release date comes with it, as the milestone's
    served.emu.edit("alice", issue.ref.key, {"fixVersions": [{"name": "2.4"}]})
    again = conn.get_issue(issue.ref)
    assert again.fields["Fix versions"] == "2.4" and again.dates["Fix versions"] == "2027-01-14"
    assert again.milestone == "2.4" and again.dates["milestone"] == "2027-01-14"
    # emptied
    assert conn.set_fields(issue.ref, {"versions": ""}).fields["versions"] == ""


def test_refusals_name_the_field_and_the_value(served: Served) -> None:
    conn, issue = created(served, ["Customer Impact"])
    with pytest.raises(PermanentError) as err:
        conn.set_fields(issue.ref, {"Customer Impact": "Galactic"})
    said = str(err.value)
    assert "'Customer Impact' = 'Galactic'" in said and "not valid" in said
    with pytest.raises(PermanentError, match=r"Version name '9\.9' is not valid"):
        conn.set_fields(issue.ref, {"fixVersions": "9.9"})
    with pytest.raises(PermanentError, match="no Jira field named 'Severity'"):
        conn.set_fields(issue.ref, {"Severity": "S1"})
    # nothing of a refused edit was kept
    assert served.emu.issue(issue.ref.key).fix_versions == []


def test_webhook_snapshot_carries_mapped_fields(served: Served) -> None:
    conn, issue = created(served, ["Fix versions"])
    conn.check()
    conn.get_issue(issue.ref)  # the catalog is read: deliveries are parsed offline after
    assert conn.webhooks_offline()
    raw = served.emu.store.render_issue(served.emu.issue(issue.ref.key), "2")
    del raw["fields"]["comment"]
    raw["fields"]["fixVersions"] = [{"name": "2.4", "releaseDate": "2027-01-14"}]
    body = json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 1, "issue": raw}).encode()
    (change,) = [c for c in conn.parse_webhook({}, body).changes if c.kind == "upsert"]
    assert change.issue is not None and change.issue.fields == {"Fix versions": "2.4"}
    assert "fields" not in change.partial
    del raw["fields"]["fixVersions"]
    body = json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 2, "issue": raw})
    (change,) = [c for c in conn.parse_webhook({}, body.encode()).changes if c.kind == "upsert"]
    assert "fields" in change.partial


def test_polls_read_mapped_fields(served: Served) -> None:
    conn, issue = created(served, ["Fix versions", "Customer Impact"])
    served.emu.edit(
        "alice",
        issue.ref.key,
        {"fixVersions": [{"name": "2.4"}], "customfield_10020": {"value": "Medium"}},
    )
    cursor: str | None = conn.cursor_since(datetime.now(UTC) - timedelta(minutes=5))
    seen = []
    for _ in range(50):
        page = conn.poll(cursor)
        seen += [c.issue for c in page.changes if c.issue is not None and c.ref == issue.ref]
        cursor = page.cursor
        if not page.more:
            break
    assert seen and seen[-1].fields == {"Fix versions": "2.4", "Customer Impact": "Medium"}
    assert seen[-1].dates["milestone"] == "2027-01-14"


def test_connectors_test_reports_unknown_fields_and_versions(served: Served) -> None:
    conn = served.connector()
    context = DiagnoseContext(
        projects=(ProjectUse("WID", ("r",)),),
        issue_fields=(
            FieldUse("Affects Version", ("routes.r.fields.0.issue",), ("2.3", "7.0")),
            FieldUse("Severity", ("routes.r.fields.1.issue",)),
        ),
    )
    findings = {f.check: f for f in conn.diagnose(context)}
    assert findings["field 'Affects Version'"].status == "ok"
    lacking = findings["field 'Affects Version' values in WID"]
    assert lacking.status == "missing" and "'7.0'" in lacking.detail
    unknown = findings["field 'Severity'"]
    assert unknown.status == "missing" and "Customer Impact" in unknown.detail


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ([{"name": "2.4"}, {"name": "2.5"}], "2.4, 2.5"),
        ({"value": "High", "id": "1"}, "High"),
        ({"value": "EU", "child": {"value": "Paris"}}, "EU / Paris"),
        ({"displayName": "Alice", "accountId": "a1"}, "Alice"),
        (3.0, "3"),
        ("x", "x"),
    ],
)
def test_values_read_as_text(value: object, text: str) -> None:
    assert text_of(value) == text


def test_values_written_in_the_schema_shape() -> None:
    versions = JiraField("fixVersions", "Fix versions", {"type": "array", "items": "version"})
    assert payload(versions, "2.4, 2.5", "cloud") == [{"name": "2.4"}, {"name": "2.5"}]
    assert payload(versions, "", "cloud") == []
    option = JiraField("customfield_1", "Impact", {"type": "option"})
    assert (
        payload(option, "High", "cloud") == {"value": "High"}
        and payload(option, "", "cloud") is None
    )
    user = JiraField("assignee", "Assignee", {"type": "user"})
    assert payload(user, "alice", "datacenter") == {"name": "alice"}
    number = JiraField("customfield_2", "Points", {"type": "number"})
    assert payload(number, "3", "cloud") == 3.0
    with pytest.raises(PermanentError, match="takes a number"):
        payload(number, "three", "cloud")


def test_emulator_catalog_and_versions_have_the_vendor_shapes(served: Served) -> None:
    samples = SAMPLES / "rest-server-v2"
    if not samples.exists():
        pytest.skip(f"vendor samples not found at {samples}")
    sample_field = json.loads((samples / "field" / "valid-custom-field.json").read_text())
    sample_version = json.loads((samples / "version" / "valid.json").read_text())
    with served.human() as http:
        fields = http.get("field").json()
        versions = http.get("project/WID/versions").json()
    custom = next(f for f in fields if f["custom"])
    assert set(sample_field) <= set(custom) | {"orderable", "navigable", "searchable"}
    assert set(sample_field["schema"]) <= set(custom["schema"]) | {"items"}
    system = next(f for f in fields if f["id"] == "versions")
    assert system["schema"] == {"type": "array", "items": "version", "system": "versions"}
    assert set(sample_version) - {"description"} <= set(versions[1])
    assert FieldCatalog(lambda path: fields).find("Affects Version") is not None
