"""Signed, structurally random deliveries for ``POST /webhooks/{connector}``.

Each connector's ``test_webhook_fuzz.py`` gives a valid payload of its vendor (built in the
test, so a plain clone runs it) and how the vendor signs it; :func:`mutated` drops keys, swaps
values for others of any JSON type (huge numbers, odd text, nesting) and adds keys, and
:class:`Door` posts each body, signed, to the daemon's ASGI app and checks the promises:
never a 5xx, a refused delivery leaves nothing in the store, an accepted one is 200 or 202,
and the daemon still answers ``/healthz`` at the end.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import httpx
import sqlalchemy as sa
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.store.repository import Store

# few enough examples for the suite to stay quick, derandomized so CI sees the same ones
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Token:
    """JSON text written as it is: numbers no Python float holds, and the like."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Token({self.text[:20]!r})"


HUGE = [Token("1e400"), Token("-1e400"), Token("1e309"), Token("9" * 5000), Token("-" + "9" * 400)]
TOKENS = [*HUGE, Token("Infinity"), Token("NaN"), Token("-0"), Token("1E2")]
TEXTS = [
    "",
    "0",
    "-1",
    "7",
    "1e400",
    "bug",
    "ünïcødé ✓ 𝄞",
    "\u0000",
    "9" * 30,
    "a" * 300,
    "2019-05-15T15:20:18Z",
    "9999-12-31T23:59:59-08:00",
    "0001-01-01T00:00:00+14:00",
    "not a time",
]
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 7, 2**31, 2**63 - 1, 2**63, 2**64]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(TOKENS),
    st.sampled_from(TEXTS),
    st.text(max_size=12),
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


# delivery ids as a header gives them: nobody signs a header, so any value may come
delivery_ids = st.uuids().map(str) | st.sampled_from(["d" * 201, "d\tx", "", " ", "7"])


def _swaps(current: Any) -> st.SearchStrategy[Any]:
    """Values to put where ``current`` was: first those a careless parser would coerce to
    its type (a number's text, a float, a huge number, a string for a list), then any."""
    if isinstance(current, bool):
        near: list[Any] = [1, 0, "true", "false", None]
    elif isinstance(current, int):
        near = [*HUGE, 7.0, 1.5, True, str(current), -current, 0, 2**63, 2**64, None]
    elif isinstance(current, str):
        near = [7, 0, *HUGE, True, None, "", "\u0000", [current], list(current[:4])]
    elif isinstance(current, list):
        near = ["bug", "", {}, 7, None, [[]], [None], [7], current * 2]
    elif isinstance(current, dict):
        near = [[], [current], "x", 7, None, {}, {"v": current}]
    else:
        near = [None, 7, "x"]
    return st.sampled_from(near) | values


def encode(value: Any) -> str:
    """``value`` as JSON text, :class:`Token` values written as they are."""
    if isinstance(value, Token):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _slots(doc: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in ``doc``, depth first."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield doc, key
            yield from _slots(value)
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield doc, index
            yield from _slots(value)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    """``base`` after up to four random changes to its structure, as a JSON body."""
    doc: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        slots = list(_slots(doc))
        op = draw(st.sampled_from(["swap", "drop", "swap", "nest", "add", "swap", "body"]))
        if op == "body" or not slots:
            doc = draw(values)  # the whole body is something else
            continue
        container, key = draw(st.sampled_from(slots))
        if op == "drop":
            del container[key]
        elif op == "swap":
            container[key] = draw(_swaps(container[key]))
        elif op == "nest":
            container[key] = draw(st.sampled_from([[container[key]], {"v": container[key]}]))
        elif isinstance(container, dict):
            container[draw(st.text(max_size=8))] = draw(values)
        else:
            container.append(draw(values))
    return encode(doc).encode()


class Door:
    """A daemon with one connector over a fresh store, reached in process."""

    def __init__(
        self, portal: BlockingPortal, client: httpx.AsyncClient, store: Store, name: str
    ) -> None:
        self.portal = portal
        self.client = client
        self.store = store
        self.name = name

    def stored(self) -> tuple[int, int]:
        """Rows in the inbox and in the table of delivery ids."""
        with self.store.engine.connect() as conn:
            inbox = conn.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one()
            seen = conn.execute(sa.text("SELECT count(*) FROM deliveries")).scalar_one()
        return int(inbox), int(seen)

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST one delivery and check the promises; (status, JSON answer)."""
        before = self.stored()
        send = partial(self.client.post, f"/webhooks/{self.name}", content=body, headers=headers)
        answer = self.portal.call(send)
        doc = answer.json()
        assert answer.status_code < 500, (answer.status_code, doc, body[:300])
        if answer.status_code >= 400:
            assert self.stored() == before, ("a refused delivery left rows", doc)
            # refused by the connector's shapes, not by the daemon's last resort
            assert "could not be read" not in doc["error"], (doc, body[:300])
        else:
            assert answer.status_code in (200, 202), (answer.status_code, doc)
        return answer.status_code, doc

    def healthy(self) -> bool:
        """Whether ``/healthz`` still answers 200."""
        return self.portal.call(self.client.get, "/healthz").status_code == 200


@contextmanager
def door(store_url: str, name: str, config: dict[str, Any]) -> Iterator[Door]:
    """The daemon's app (its worker not started) with connector ``name`` of ``config``
    over the store at ``store_url``, served on an event loop of its own thread, as a server
    would."""
    store = Store.open(store_url)
    service = Service(parse({"connectors": {name: config}}), store=store)
    app = create_app(service, manage=False)
    transport = httpx.ASGITransport(app=app)
    try:
        with (
            start_blocking_portal() as portal,
            portal.wrap_async_context_manager(app.router.lifespan_context(app)),
        ):
            client = httpx.AsyncClient(transport=transport, base_url="http://syncd")
            try:
                yield Door(portal, client, store, name)
            finally:
                portal.call(client.aclose)
    finally:
        for conn in service.connectors.values():
            conn.close()
        store.close()
