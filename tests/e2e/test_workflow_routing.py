"""Routing stories through the emulators: two tiers escalating to two teams, a route that
accepts only some tiers, `syncd routes explain` against a live helpdesk, and a third-party
route that redirects at hand-off."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from syncd.cli import app
from syncd.model import Priority, TicketStatus

from .workflow_helpers import audit, issue_of, link_of, notes, sandbox

ROUTES = [
    {
        "name": "vendor",
        "match": {"tags": ["escalate", "vendor"]},
        "mode": "redirect",
        "target": {"connector": None},
        "redirect_to": "https://support.vendor.example/cases",
    },
    {
        "name": "core-team",
        "match": {"tags": ["escalate"], "tiers": ["L2", "L3"]},
        "target": {"connector": "github", "project": "acme/core", "team": "core"},
    },
    {
        "name": "frontline-team",
        "match": {"tags": ["escalate"], "tiers": ["L1"]},
        "target": {"connector": "github", "project": "acme/frontline", "labels": ["triage"]},
    },
]
EXTRA = {"tiers": {"groups": {"Frontline": "L1", "Escalations": "L2"}}}


def test_two_tiers_escalate_to_two_teams_and_explain_says_why(tmp_path: Path) -> None:
    # a Zendesk webhook names only the groups the connector has seen; the poll (with its
    # sideloads) brings in the names, so routes on groups are decided at the latest then
    with sandbox(tmp_path, ROUTES, poll=0.5, extra=EXTRA) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        l1 = hd.create_ticket(
            "Button misaligned", "The save button overlaps.", tags=["escalate"], group="Frontline"
        )
        l2 = hd.create_ticket(
            "Data loss on sync",
            "Records vanish after sync.",
            tags=["escalate"],
            group="Escalations",
            priority=Priority.URGENT,
        )
        i1 = sb.wait("L1 issue", lambda: issue_of(sb, l1))
        i2 = sb.wait("L2 issue", lambda: issue_of(sb, l2))
        assert i1.key.startswith("acme/frontline#") and i2.key.startswith("acme/core#")
        assert "triage" in tr.issue(i1).labels and "team:core" in tr.issue(i2).labels
        # the tier of every escalation is recorded for analytics
        assert (link_of(sb, l1) or _no()).tier == "L1"
        assert (link_of(sb, l2) or _no()).tier == "L2"
        assert "support tier L2" in tr.issue(i2).body
        sb.settle()

        # a ticket in a group no tier accepts is not escalated, and explain says why
        other = hd.create_ticket("Typo", "A typo.", tags=["escalate"], group="Sales")
        sb.settle()
        assert issue_of(sb, other) is None
        runner = CliRunner()
        config = str(sb.folder / "syncd.yaml")
        res = runner.invoke(app, ["routes", "explain", f"zendesk:{other.key}", "-c", config])
        assert res.exit_code == 1, res.output
        assert "support tier None (group 'Sales') not accepted" in res.output
        assert "no route takes this ticket" in res.output
        res = runner.invoke(app, ["routes", "explain", f"zendesk:{l2.key}", "-c", config])
        assert res.exit_code == 0, res.output
        assert "MATCH core-team" in res.output and "missing tags ['vendor']" in res.output


def test_third_party_route_redirects_at_handoff(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES, extra=EXTRA) as sb:
        hd = sb.helpdesk
        t = hd.create_ticket(
            "Vendor SDK crash", "Their SDK crashes.", tags=["escalate", "vendor"], group="Frontline"
        )
        sb.wait(
            "closed with a pointer to the vendor",
            lambda: (
                hd.ticket(t).status == TicketStatus.SOLVED
                and notes(sb, t, "support.vendor.example/cases", public=True)
                # the audit row is written once the vendor answered: it can trail the write
                and bool(audit(sb, "redirect"))
            ),
        )
        assert notes(sb, t, "closed with a redirect", public=False)  # the agent is told
        assert link_of(sb, t) is None and sb.tracker.issues("acme/core") == []
        assert [r.detail.get("reason") for r in audit(sb, "redirect")] == ["third party"]
        runner = CliRunner()
        res = runner.invoke(
            app,
            [
                "templates",
                "render",
                "redirect",
                "--route",
                "vendor",
                "-c",
                str(sb.folder / "syncd.yaml"),
            ],
        )
        assert res.exit_code == 0 and "support.vendor.example/cases" in res.output


def _no() -> object:
    raise AssertionError("no link")
