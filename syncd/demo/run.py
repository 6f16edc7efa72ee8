"""``syncd demo``: the daemon against built-in emulators, shown step by step in the terminal."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from syncd.demo.history import seed_sandbox
from syncd.demo.story import Step, play, play_jira
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
    """The demo config's routes: `escalate` + `vendor` redirects to GitHub, `escalate` +
    `backend` goes to Jira project WID, `escalate` alone goes to GitHub acme/widgets."""
    vendor, widgets = default_routes("github", "acme/widgets")
    backend = {
        "name": "backend",
        "match": {"tags": ["escalate", "backend"]},
        "mode": "pending",
        "target": {"connector": "jira", "project": "WID", "labels": ["from-support"]},
    }
    return [vendor, backend, widgets]


def _banner(sb: Sandbox, console: Console) -> None:
    lines = [f"daemon      {sb.url}  (webhooks at /webhooks/<connector>, /readyz, /metrics)"]
    lines.append(f"dashboard   {sb.url}/dashboard  (a few weeks of simulated history)")
    for side in sb.sides.values():
        lines.append(f"{side.name:<11} {side.url}  (emulator; control at /_emulator/stats)")
    lines.append(f"store       {sb.folder / 'syncd.db'}")
    lines.append(f"config      {sb.folder / 'syncd.yaml'}")
    console.print(Panel("\n".join(lines), title="syncd demo", expand=False))


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


def main(*, scripted: bool, info_file: Path | None, port: int, console: Console) -> int:
    """Run the demo; in scripted mode return 0 only when every step was observed."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-demo-"))
    sb = Sandbox(folder=folder, port=port, more=("jira",), routes=demo_routes())
    sb.start()
    try:
        history_end = seed_sandbox(sb)  # the follower below starts after the history
        _banner(sb, console)
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
            "How do I change my password?",
            "Simple question.",
            tags=["howto"],
            requester="Alan Turing",
        )
        console.print(
            "Four tickets created: one to GitHub, one redirected, one to Jira, one left "
            "alone. Act on the emulators' APIs, or press Ctrl-C to stop.\n"
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
