"""The REST2 calls ``syncd connectors test`` makes, recorded as ``{name: status, headers,
body}`` like :mod:`.shapes` does: run against a real RT 5 it produced
``data/real-rt-5.0.3-admin.json``; run against the emulator it must give the same shapes."""

from __future__ import annotations

import json
from typing import Any

from .shapes import Recorder


def record_admin_session(base_url: str, syncd_token: str, agent_token: str) -> dict[str, Any]:
    """Perform the calls of a self-test as syncd, after the agent made tickets in General."""
    session = Recorder(base_url, syncd_token, agent_token)
    api, syncd, agent, rec = session.api, session.syncd, session.agent, session.rec
    ticket = {"Queue": "General", "Subject": "self-test", "Content": "x"}
    for _ in range(2):  # two, so that the search has a next page
        assert agent.post(f"{api}/ticket", json=ticket).status_code == 201
    rec("user_self", syncd.get(f"{api}/user/syncd"))
    rec("queue", syncd.get(f"{api}/queue/General"))
    rec("queue_missing", syncd.get(f"{api}/queue/No such queue"))
    rec("queue_not_seen", syncd.get(f"{api}/queue/Restricted"))
    query = json.dumps([{"field": "Name", "value": "Developer issue"}])
    rec(
        "customfields_by_name",
        syncd.get(f"{api}/customfields", params={"query": query, "fields": "Name,LookupType"}),
    )
    newest = rec(
        "tickets_newest",
        syncd.get(
            f"{api}/tickets",
            params={"query": "Queue = 'General'", "per_page": 1, "orderby": "id", "order": "DESC"},
        ),
    )
    rec("ticket_links", syncd.get(f"{api}/ticket/{newest['items'][0]['id']}"))
    return session.finish()
