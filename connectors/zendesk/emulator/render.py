"""Zendesk's JSON shapes for the emulator's objects (REST answers and webhook payloads)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from .jobs import Job
from .state import Audit, State, TicketRec, User, iso

ACCOUNT_ID = 9_242_270
EVENT_VERSION = "2022-11-06"


def ticket_json(t: TicketRec, base: str) -> dict[str, Any]:
    """A ticket as ``GET /api/v2/tickets/{id}.json`` shows it."""
    fields = [{"id": fid, "value": v} for fid, v in sorted(t.custom_fields.items())]
    return {
        "url": f"{base}/api/v2/tickets/{t.id}.json",
        "id": t.id,
        "external_id": None,
        "via": {"channel": t.channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "generated_timestamp": t.updated_at,
        "type": None,
        "subject": t.subject,
        "raw_subject": t.subject,
        "description": t.description,
        "priority": t.priority,
        "status": t.status,
        "recipient": None,
        "requester_id": t.requester_id,
        "submitter_id": t.submitter_id,
        "assignee_id": t.assignee_id,
        "organization_id": t.organization_id,
        "group_id": t.group_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": list(t.tags),
        "custom_fields": fields,
        "fields": fields,
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "followup_ids": [],
        "ticket_form_id": 1,
        "brand_id": 1,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def user_json(u: User, base: str) -> dict[str, Any]:
    """A user as ``/api/v2/users/{id}.json`` shows it."""
    return {
        "id": u.id,
        "url": f"{base}/api/v2/users/{u.id}.json",
        "name": u.name,
        "email": u.email,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
        "time_zone": "UTC",
        "iana_time_zone": "Etc/UTC",
        "locale": "en-US",
        "locale_id": 1,
        "organization_id": None,
        "role": u.role,
        "verified": True,
        "active": True,
        "suspended": False,
        "tags": [],
        "user_fields": {},
    }


def sideloads(state: State, tickets: list[TicketRec], include: str, base: str) -> dict[str, Any]:
    """``include=users,groups,organizations`` for a list of tickets."""
    wanted = {w.strip() for w in include.split(",") if w.strip()}
    out: dict[str, Any] = {}
    if "users" in wanted:
        ids = sorted(
            {i for t in tickets for i in (t.requester_id, t.submitter_id, t.assignee_id) if i}
        )
        out["users"] = [user_json(state.users[i], base) for i in ids if i in state.users]
    if "groups" in wanted:
        gids = sorted({t.group_id for t in tickets if t.group_id in state.groups})
        out["groups"] = [{"id": g, "name": state.groups[g]} for g in gids if g is not None]
    if "organizations" in wanted:
        oids = sorted(
            {t.organization_id for t in tickets if t.organization_id in state.organizations}
        )
        out["organizations"] = [
            {"id": o, "name": state.organizations[o]} for o in oids if o is not None
        ]
    return out


def audit_json(a: Audit) -> dict[str, Any]:
    """An audit as ``/api/v2/tickets/{id}/audits.json`` lists it."""
    return {
        "id": a.id,
        "ticket_id": a.ticket_id,
        "created_at": iso(a.created_at),
        "author_id": a.author_id,
        "metadata": {
            "system": {"client": "syncd-emulator", "ip_address": "127.0.0.1"},
            "custom": a.custom,
        },
        "via": {"channel": a.channel, "source": {"from": {}, "to": {}, "rel": None}},
        "events": [dict(e) for e in a.events],
    }


def comment_json(event: dict[str, Any], a: Audit) -> dict[str, Any]:
    """A ``Comment`` audit event as ``/api/v2/tickets/{id}/comments.json`` lists it."""
    return {
        "id": event["id"],
        "type": "Comment",
        "author_id": event["author_id"],
        "body": event["body"],
        "html_body": event["html_body"],
        "plain_body": event["plain_body"],
        "public": event["public"],
        "attachments": list(event.get("attachments") or []),
        "audit_id": a.id,
        "via": {"channel": a.channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(a.created_at),
        "metadata": {"system": {"client": "syncd-emulator"}, "custom": a.custom},
    }


def ticket_event_json(a: Audit, with_comments: bool) -> dict[str, Any]:
    """An audit as the incremental ticket event export shows it."""
    children: list[dict[str, Any]] = []
    for e in a.events:
        if e["type"] == "Comment":
            if with_comments:
                child = {k: v for k, v in e.items() if k != "type"}
                child.update(type="Comment", event_type="Comment", via={"channel": a.channel})
                children.append(child)
            else:
                children.append({"comment_present": True, "comment_public": e["public"]})
        else:
            child = {"id": e["id"], "via": "Web Service", "via_reference_id": None}
            child[e["field_name"]] = e["value"]
            if e["type"] == "Change":
                child["previous_value"] = e.get("previous_value")
            child["event_type"] = e["type"]
            children.append(child)
    return {
        "id": a.id,
        "ticket_id": a.ticket_id,
        "timestamp": a.created_at,
        "created_at": iso(a.created_at),
        "updater_id": a.author_id,
        "via": "Web Service",
        "system": {"client": "syncd-emulator", "ip_address": "127.0.0.1"},
        "event_type": "Audit",
        "child_events": children,
        "merged_ticket_ids": [],
    }


def encode_cursor(seq: int) -> str:
    """An opaque export cursor, base64 like Zendesk's."""
    return base64.urlsafe_b64encode(f"{seq}.0||".encode()).decode()


def decode_cursor(raw: str) -> int:
    """The position inside a cursor; ``ValueError`` when it is not one of ours."""
    return int(base64.urlsafe_b64decode(raw.encode()).decode().split(".", 1)[0])


def job_status_json(job: Job, base: str) -> dict[str, Any]:
    """A job as ``GET /api/v2/job_statuses/{id}.json`` shows it (results once it ran)."""
    return {
        "id": job.id,
        "job_type": job.job_type,
        "url": f"{base}/api/v2/job_statuses/{job.id}.json",
        "total": len(job.ticket_ids),
        "progress": job.progress if job.status != "queued" else None,
        "status": job.status,
        "message": job.message,
        "results": [dict(r) for r in job.results] if job.status != "queued" else None,
    }


def hook_detail(t: TicketRec, actor_id: int) -> dict[str, Any]:
    """The ``detail`` of an event-subscribed ticket webhook: ids as strings, upper case."""

    def sid(v: int | None) -> str | None:
        return str(v) if v is not None else None

    return {
        "actor_id": str(actor_id),
        "assignee_id": sid(t.assignee_id),
        "brand_id": "1",
        "created_at": iso(t.created_at),
        "custom_status": str({"new": 1, "open": 2, "pending": 3, "hold": 4}.get(t.status, 5)),
        "description": t.description,
        "external_id": None,
        "form_id": "1",
        "group_id": sid(t.group_id),
        "id": str(t.id),
        "is_public": True,
        "organization_id": sid(t.organization_id),
        "priority": t.priority.upper() if t.priority else None,
        "requester_id": str(t.requester_id),
        "status": t.status.upper(),
        "subject": t.subject,
        "submitter_id": str(t.submitter_id),
        "tags": list(t.tags),
        "type": None,
        "updated_at": iso(t.updated_at),
        "via": {"channel": "web_service"},
    }


def hook_payload(
    name: str,
    t: TicketRec,
    actor_id: int,
    event: dict[str, Any],
    sequence: str,
    pos: int,
    total: int,
) -> dict[str, Any]:
    """One event-subscribed webhook body (``zen:event-type:ticket.<name>``)."""
    now = datetime.now(UTC)
    body = dict(event)
    body["meta"] = {"sequence": {"id": sequence, "position": pos, "total": total}}
    return {
        "account_id": ACCOUNT_ID,
        "detail": hook_detail(t, actor_id),
        "event": body,
        "id": str(uuid.uuid4()),
        "subject": f"zen:ticket:{t.id}",
        "time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z",
        "type": f"zen:event-type:ticket.{name}",
        "zendesk_event_version": EVENT_VERSION,
    }
