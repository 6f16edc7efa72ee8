"""syncd's hidden idempotency key in Markdown text: an HTML comment at the end of an issue body
or a comment (``<!-- syncd:key=... -->``), which the trackers that render Markdown do not
show. A write retried after a crash finds its earlier result by this key, and a webhook
carrying it is known for syncd's own echo."""

from __future__ import annotations

import re

MARKER_RE = re.compile(r"\s*<!-- syncd:key=([^\s>]+) -->\s*")
_MARKER_OPEN = "<!-- syncd:key="
_MARKER_AT = re.compile(r"<!-- syncd:key=([^\s>]+) -->")


def add_marker(body: str, key: str) -> str:
    """Append the hidden marker carrying ``key`` to a Markdown body."""
    return f"{body.rstrip()}\n\n<!-- syncd:key={key} -->"


def split_marker(body: str | None) -> tuple[str, str | None]:
    """The body without syncd's marker, and the marker's key if there was one.

    What ``MARKER_RE.search`` finds, found faster: the marker's fixed opening is looked up
    first. Searched for with its leading ``\\s*``, the pattern is tried at every position of
    the body: 90 µs for a 10 KB issue, on the event loop for every delivery."""
    text = body or ""
    at = text.find(_MARKER_OPEN)
    while at >= 0:
        match = _MARKER_AT.match(text, at)
        if match is not None:
            before, after = text[:at].rstrip(), text[match.end() :].lstrip()
            return (before + after).rstrip(), match.group(1)
        at = text.find(_MARKER_OPEN, at + 1)
    return text, None
