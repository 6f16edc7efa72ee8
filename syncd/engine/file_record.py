"""Recording a ``COPY_FILES`` action in the runner's transaction: the ledger rows (content
hashes, so the same file is never sent twice), the audit row, and the agent's note naming
the files that were refused."""

from __future__ import annotations

from syncd.engine.actions import Action
from syncd.engine.file_copy import FilesCopied
from syncd.engine.files import COPIED, REFUSED, refused_note
from syncd.engine.rules import Rules
from syncd.engine.situations import link_view
from syncd.model import Ref, RefKind
from syncd.store import files as ledger
from syncd.store.repository import Store, Tx


def record(
    store: Store, tx: Tx, a: Action, result: FilesCopied | None, rules: Rules
) -> list[Action]:
    """Record what the action did with its files; return the note owed to the agent."""
    if result is None or not result.files:  # a dry run, or a comment without files
        return []
    link = store.link(tx, a.link_id) if a.link_id is not None else None
    origin = str(a.parent or a.source)
    ledger.add(
        tx,
        link_id=a.link_id,
        origin=origin,
        target=str(a.target),
        key=a.key,
        rows=[f.model_dump() for f in result.files],
    )
    counts = {o: len(result.of(o)) for o in ("sent", "linked", "duplicate", "refused")}
    store.audit(
        tx,
        COPIED,
        link_id=a.link_id,
        ticket_ref=a.lane,
        issue_ref=link.issue_ref if link else None,
        target=str(a.target),
        comment=str(result.comment.ref) if result.comment else None,
        public=a.public,
        **{k: v for k, v in counts.items() if v},
    )
    refused = result.of("refused")
    if not refused or link is None:
        return []
    store.audit(
        tx,
        REFUSED,
        link_id=link.id,
        ticket_ref=link.ticket_ref,
        issue_ref=link.issue_ref,
        files=[{"name": f.name, "reason": f.reason} for f in refused],
    )
    to_ticket = a.target.kind == RefKind.TICKET
    listed = [
        {"name": f.name, "reason": f.reason, "direction": "to" if to_ticket else "from"}
        for f in refused
    ]
    ticket = Ref.parse(link.ticket_ref)
    return refused_note(link_view(store, tx, link), ticket, listed, rules, a.key)
