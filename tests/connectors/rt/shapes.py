"""One scripted session of REST2 calls, recorded as ``{name: status, headers, body}``.

Run against a real RT 5 it produced ``data/real-rt-5.0.3.json`` (base URL replaced by
``XX_RT_URL_XX``, as in RT's own docs); run against the emulator it must produce the same
shapes. ``shape()`` reduces a JSON value to its structure so that ids and times do not matter.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

KEPT_HEADERS = ("location", "etag", "last-modified")


class Recorder:
    """syncd's and the agent's clients on REST2, and each named call as RT answered it."""

    def __init__(self, base_url: str, syncd_token: str, agent_token: str) -> None:
        self.base_url = base_url
        self.api = f"{base_url}/REST/2.0"
        self.syncd = httpx.Client(headers={"Authorization": f"token {syncd_token}"}, timeout=15)
        self.agent = httpx.Client(headers={"Authorization": f"token {agent_token}"}, timeout=15)
        self.out: dict[str, Any] = {}

    def rec(self, name: str, resp: httpx.Response) -> Any:
        """Record ``resp`` under ``name``; its JSON body (None when empty)."""
        body = resp.json() if resp.content else None
        self.out[name] = {
            "status": resp.status_code,
            "headers": {k: v for k, v in resp.headers.items() if k.lower() in KEPT_HEADERS},
            "body": body,
        }
        return body

    def finish(self) -> dict[str, Any]:
        """Close the clients; what was recorded, the base URL replaced as in RT's docs."""
        self.syncd.close()
        self.agent.close()
        return json.loads(json.dumps(self.out).replace(self.base_url, "XX_RT_URL_XX"))


def record_session(base_url: str, syncd_token: str, agent_token: str) -> dict[str, Any]:
    """Perform the scripted session; syncd's and the agent's calls as RT answered them."""
    session = Recorder(base_url, syncd_token, agent_token)
    api, syncd, agent, rec = session.api, session.syncd, session.agent, session.rec
    n = rec(
        "create_ticket",
        agent.post(
            f"{api}/ticket",
            json={
                "Queue": "General",
                "Subject": "printer on fire",
                "Content": "it burns",
                "ContentType": "text/plain",
                "Requestor": "carol@example.com",
                "CustomFields": {"Product": "Widget"},
            },
        ),
    )["id"]
    rec("get_ticket", syncd.get(f"{api}/ticket/{n}", params={"fields[Queue]": "Name"}))
    note = {
        "Content": "hello **dev**",
        "ContentType": "text/plain",
        "Status": "stalled",
        "TxnCustomFields": {"syncd key": "k-123"},
    }
    rec("comment_with_key_and_status", syncd.post(f"{api}/ticket/{n}/comment", json=note))
    bogus = {"Content": "fixed", "ContentType": "text/plain", "Status": "bogus"}
    rec("correspond_refused_status", syncd.post(f"{api}/ticket/{n}/correspond", json=bogus))
    rec(
        "put_partly_refused",
        syncd.put(f"{api}/ticket/{n}", json={"Status": "bogus", "Priority": 75}),
    )
    link = {"CustomFields": {"Developer issue": "https://github.com/o/r/issues/1"}}
    rec("put_custom_field", syncd.put(f"{api}/ticket/{n}", json=link))
    txn_fields = "Type,ObjectId,ObjectType,Created,Creator,CustomFields"
    history = rec(
        "history",
        syncd.get(
            f"{api}/ticket/{n}/history",
            params={"fields": txn_fields, "per_page": 100, "orderby": "id"},
        ),
    )
    query = (
        "ObjectType = 'RT::Ticket' AND Type != 'EmailRecord' AND id > 0 "
        "AND (TicketQueue = 'General')"
    )
    rec(
        "transactions_search",
        syncd.get(
            f"{api}/transactions",
            params={
                "query": query,
                "fields": txn_fields,
                "per_page": 2,
                "orderby": "id",
                "page": 1,
            },
        ),
    )
    txn = history["items"][1]["id"]
    att_fields = "Content,ContentType,Filename,TransactionId"
    rec("transaction", syncd.get(f"{api}/transaction/{txn}"))
    rec(
        "transaction_attachments",
        syncd.get(f"{api}/transaction/{txn}/attachments", params={"fields": att_fields}),
    )
    atts = rec(
        "ticket_attachments",
        syncd.get(f"{api}/ticket/{n}/attachments", params={"fields": att_fields, "per_page": 100}),
    )
    rec("attachment", syncd.get(f"{api}/attachment/{atts['items'][0]['id']}"))
    rec(
        "tickets_search",
        syncd.get(
            f"{api}/tickets",
            params={"query": "Queue = 'General'", "per_page": 1, "fields": "Subject,Status"},
        ),
    )
    rec("user_requestor", syncd.get(f"{api}/user/carol@example.com"))
    rec("queues_all", syncd.get(f"{api}/queues/all", params={"fields": "Name"}))
    cf_query = json.dumps([{"field": "Name", "value": "syncd key"}])
    rec(
        "customfields_search",
        syncd.get(f"{api}/customfields", params={"query": cf_query, "fields": "Name,LookupType"}),
    )
    rec("error_401", httpx.get(f"{api}/rt", headers={"Authorization": "token 1-27-" + "0" * 32}))
    rec("error_404", syncd.get(f"{api}/ticket/987654"))
    secret = {"Queue": "Restricted", "Subject": "secret", "Content": "c"}
    m = agent.post(f"{api}/ticket", json=secret).json()["id"]
    rec("error_403_read", syncd.get(f"{api}/ticket/{m}"))
    rec(
        "error_403_create",
        syncd.post(f"{api}/ticket", json={"Queue": "Restricted", "Subject": "x"}),
    )
    rec(
        "error_400_comment_without_rights",
        syncd.post(f"{api}/ticket/{m}/comment", json={"Content": "x", "ContentType": "text/plain"}),
    )
    rec(
        "error_412",
        syncd.put(f"{api}/ticket/{n}", json={"Subject": "y"}, headers={"If-Match": '"1"'}),
    )
    rec("rt", syncd.get(f"{api}/rt"))
    return session.finish()


def shape(value: Any) -> Any:
    """The structure of a JSON value: key sets, element shapes and scalar kinds."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        shapes: list[Any] = []
        for item in value:
            s = shape(item)
            if s not in shapes:
                shapes.append(s)
        return sorted(shapes, key=lambda s: json.dumps(s, sort_keys=True))
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
            return "<time>"
        return "<number-string>" if value.isdigit() else "<string>"
    return type(value).__name__


def sentence(text: str) -> str:
    """A REST2 message with its numbers blanked: ``Ticket 1: ...`` -> ``Ticket N: ...``."""
    return re.sub(r"\d+", "N", text)
