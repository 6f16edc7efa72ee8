"""Who and what the simulated history is made of: tiers, routes and their SLAs, customers,
people and ticket subjects, with the shares they are drawn with."""

from __future__ import annotations

import random
from typing import Any

TIERS = (("L1", 0.5), ("L2", 0.35), ("L3", 0.15))
# route, mode, share of tickets; the pending routes are not the demo config's own, so the
# daemon's periodic jobs leave these simulated links (whose remote records do not exist) alone
ROUTES = (("web-app", "pending", 0.45), ("billing", "pending", 0.25), ("mobile", "pending", 0.2))
REDIRECT_ROUTE = ("vendor-redirect", "redirect", 0.1)
ACK_SLA_H = {"L1": 24.0, "L2": 8.0, "L3": 4.0}
RESOLVE_SLA_H = {"L1": 14 * 24.0, "L2": 7 * 24.0, "L3": 3 * 24.0}
AT_RISK = 0.8
ORGS = (
    "Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
    "Cyberdyne", "Soylent", "Tyrell", "Wonka", "Vandelay", "Massive Dynamic", "Pied Piper",
    "Aperture", "Oscorp", "Gringotts", "Monsters Inc", "Duff", "Los Pollos",
)  # fmt: skip
PEOPLE = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Tim")
DEVS = ("mira", "jonas", "priya", "tomas", "lena", None)
SUBJECTS = {
    "web-app": ("Export to CSV crashes", "Dashboard widgets load slowly", "Chart legend overlaps",
                "Search returns stale results", "PDF report missing totals",
                "Filter resets on reload"),
    "billing": ("Invoice shows wrong VAT", "Card payment declined twice", "Refund not applied",
                "Proration off by one day", "Duplicate charge on renewal"),
    "mobile": ("App crashes on login (Android 14)", "Push notifications delayed",
               "Offline sync loses edits", "Dark mode unreadable on iOS"),
    "vendor-redirect": ("Payment provider rejects cards", "SSO provider outage",
                        "Mail relay bounces"),
}  # fmt: skip
PRIORITIES = (("low", 0.2), ("normal", 0.5), ("high", 0.22), ("urgent", 0.08))


def pick(rng: random.Random, weighted: Any) -> Any:
    """One of ``weighted``'s items, drawn by the weight each carries last."""
    items = list(weighted)
    return rng.choices([i[0] for i in items], weights=[i[-1] for i in items])[0]


def ref_parts(text: str) -> dict[str, str]:
    """A ref's text as the store's columns hold it."""
    connector, kind, key = text.split(":", 2)
    return {"connector": connector, "kind": kind, "key": key}
