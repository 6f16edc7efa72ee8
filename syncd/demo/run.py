"""``syncd demo``: the daemon against built-in emulators, shown step by step in the terminal."""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
import time
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.panel import Panel

from syncd.demo.freshdesk_story import play_freshdesk
from syncd.demo.freshdesk_story import route as freshdesk_route
from syncd.demo.history import seed_sandbox
from syncd.demo.jsm_story import play_jsm
from syncd.demo.jsm_story import route as jsm_route
from syncd.demo.story import FIELD_IDS, Step, play, play_jira
from syncd.demo.supplier_story import play_supplier
from syncd.demo.supplier_story import route as supplier_route
from syncd.emulator_kit import VENDOR_LATENCY
from syncd.testing.sandbox import Sandbox, default_routes

EVENT_TEXT = {
    "escalated": "escalated",
    "issue_created": "issue created",
    "linked_note": "note to agent",
    "handoff": "hand-off reply to customer",
    "dev_comment": "developer comment → ticket",
    "support_comment": "agent note → issue",
    "resolved": "resolved reply to customer",
    "wont_do": "won't do → agent",
    "reopened": "issue reopened",
    "redirect": "redirect to customer",
    "redirect_note": "redirect note to agent",
    "dead_letter": "DEAD LETTER",
}


def demo_routes() -> list[dict[str, object]]:
    """The demo config's routes: the service desk's system problems tagged `escalate` go to
    GitHub, and so do the Freshdesk desk's escalations; on Zendesk, `escalate` + `vendor`
    redirects to GitHub, `escalate` + `backend` goes to Jira project WID, `escalate` alone
    goes to GitHub acme/widgets, and `escalate` + `supplier` is mailed to the supplier
    help@supplier.test (the mail emulator), whose answers come back by mail. Mapped fields:
    the ticket's "Product version" becomes Jira's "Affects Version"; Jira's fix versions and
    GitHub's milestone come back to the ticket's "Fix version", and the customer is told the
    release and its date."""
    vendor, widgets = default_routes("github", "acme/widgets")
    backend = {
        "name": "backend",
        "helpdesk": "zendesk",
        "match": {"tags": ["escalate", "backend"]},
        "mode": "pending",
        "target": {"connector": "jira", "project": "WID", "labels": ["from-support"]},
        "notify_progress": True,
        "fields": [
            {"ticket": "Product version", "issue": "Affects Version", "direction": "to_issue"},
            {"ticket": "Fix version", "issue": "fixVersions", "direction": "to_ticket"},
        ],
    }
    milestone = {"ticket": "Fix version", "issue": "milestone", "direction": "to_ticket"}
    widgets = {**widgets, "helpdesk": "zendesk", "notify_progress": True, "fields": [milestone]}
    return [jsm_route(), freshdesk_route(), vendor, backend, supplier_route(), widgets]


def _banner(sb: Sandbox, console: Console) -> None:
    lines = [f"daemon      {sb.url}  (webhooks at /webhooks/<connector>, /readyz, /metrics)"]
    lines.append(f"dashboard   {sb.url}/dashboard  (a few weeks of simulated history)")
    for side in sb.sides.values():
        if side.kind == "email":
            mail = side.emulator.info()
            lines.append(f"{side.name:<11} {side.url}  (mail emulator: webmail; /_emulator/mail)")
            lines.append(
                f"{'':<11} SMTP {mail['host']}:{mail['smtp_port']} (STARTTLS), "
                f"{mail['smtps_port']} (TLS); IMAP {mail['imap_port']} (STARTTLS), "
                f"{mail['imaps_port']} (TLS)"
            )
            lines.append(f"{'':<11} CA file {mail['ca_file']}")
            continue
        lines.append(f"{side.name:<11} {side.url}  (emulator; control at /_emulator/stats)")
    lines.append(f"store       {sb.folder / 'syncd.db'}")
    lines.append(f"config      {sb.folder / 'syncd.yaml'}")
    console.print(Panel("\n".join(lines), title="syncd demo", expand=False))


def _how_to_act(sb: Sandbox, console: Console) -> None:
    """Who is who on the emulators, and one request to try."""
    lines = []
    for side in sb.sides.values():
        for role, cred in getattr(side.actor, "credentials", {}).items():
            if role == "syncd":
                continue  # syncd's own account: acting with it makes echoes syncd drops
            shown = ", ".join(f"{k}={v}" for k, v in cred.items())
            lines.append(f"{side.name:<8} {role:<10} {shown}")
    github = sb.sides.get("github")
    if github is not None:
        token = github.actor.credentials["developer"]["token"]
        url = f"{github.url}/repos/acme/widgets/issues/1/comments"
        lines += [
            "",
            "a developer comments on the first issue (syncd copies it to its ticket):",
            f"  curl -s -H 'Authorization: token {token}' -H 'Content-Type: application/json' \\",
            f'    -d \'{{"body": "Found it"}}\' {url}',
        ]
    if "email" in sb.sides:
        lines += [
            "",
            "the supplier answers a case by mail (its mailbox above, over IMAP and SMTP, the CA",
            "file in the banner): a reply keeping [case SYN-…] in the subject reaches the ticket;",
            "a line starting with #resolved hands the ticket back",
        ]
    console.print(Panel("\n".join(lines), title="act as a person", expand=False))


def _stop_on_sigterm() -> None:
    """SIGTERM ends the demo as Ctrl-C does, so its folder (secrets included) is removed."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _follow(sb: Sandbox, console: Console, after: int) -> int:
    assert sb.service is not None
    for row in sb.service.store.audit_since(after):
        after = row.id
        what = EVENT_TEXT.get(row.event, row.event)
        target = row.issue_ref or ""
        console.print(
            f"[dim]{row.at:%H:%M:%S}[/] [cyan]{what:<28}[/] {row.ticket_ref or ''}"
            f"{' ↔ ' + target if target else ''}"
        )
    return after


def main(
    *,
    scripted: bool,
    info_file: Path | None,
    port: int,
    console: Console,
    loopback: bool = False,
) -> int:
    """Run the demo; in scripted mode return 0 only when every step was observed. The
    emulators answer as slowly as the vendors and hold syncd to their limits, and syncd
    keeps its budgets; ``loopback`` answers at once, without those limits."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-demo-"))
    _stop_on_sigterm()
    # limits {}: each vendor's documented figures (the sandbox's own default lifts most)
    vendor = {} if loopback else {"latency": VENDOR_LATENCY, "limits": {}}
    sb = Sandbox(
        folder=folder,
        port=port,
        more=("jira", "jsm", "freshdesk", "email"),
        routes=demo_routes(),
        overrides={"zendesk": {"custom_fields": FIELD_IDS}},
        build_kwargs={
            kind: dict(vendor) for kind in ("zendesk", "github", "jira", "jsm", "freshdesk")
        },
        vendor_limits=not loopback,
    )
    try:
        sb.start()
        history_end = seed_sandbox(sb)  # the follower below starts after the history
        _banner(sb, console)
        if not scripted:
            _how_to_act(sb, console)
        if info_file is not None:
            info_file.write_text(json.dumps(sb.info(), indent=2))
            console.print(f"connection details written to {info_file}")
        if scripted:

            def report(step: Step) -> None:
                mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
                console.print(
                    f"{mark} {step.title}" + (f"  [dim]{step.detail}[/]" if step.detail else "")
                )

            ok = play(sb, report)
            console.print()
            ok = play_jira(sb, report) and ok
            console.print()
            ok = play_jsm(sb, report) and ok
            console.print()
            ok = play_freshdesk(sb, report) and ok
            console.print()
            ok = play_supplier(sb, report) and ok
            console.print("[bold green]story complete[/]" if ok else "[bold red]story failed[/]")
            return 0 if ok else 1
        hd = sb.helpdesk
        hd.create_ticket(
            "Export to CSV crashes",
            "Clicking Export crashes the app.",
            tags=["escalate"],
            requester="Ada Lovelace",
        )
        hd.create_ticket(
            "Payment provider rejects cards",
            "Third-party problem.",
            tags=["escalate", "vendor"],
            requester="Grace Hopper",
        )
        hd.create_ticket(
            "API returns 500 on /orders",
            "Since this morning's deploy.",
            tags=["escalate", "backend"],
            requester="Alan Turing",
        )
        hd.create_ticket(
            "Label printer prints blank pages",
            "Since the driver update every label is blank.",
            tags=["escalate", "supplier"],
            requester="Edsger Dijkstra",
        )
        hd.create_ticket(
            "How do I change my password?",
            "Simple question.",
            tags=["howto"],
            requester="Alan Turing",
        )
        console.print(
            "Five tickets created: one to GitHub, one redirected, one to Jira, one mailed to "
            "the supplier, one left alone. Act on the emulators' APIs, answer as the supplier "
            "by mail, or press Ctrl-C to stop.\n"
        )
        after = history_end
        while True:
            after = _follow(sb, console, after)
            time.sleep(0.3)
    except KeyboardInterrupt:
        console.print("\nstopping")
        return 0
    finally:
        sb.stop()
        # the folder holds the store and the emulators' secrets: nothing stays behind
        shutil.rmtree(folder, ignore_errors=True)
