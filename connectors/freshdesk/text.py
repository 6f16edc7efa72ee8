"""Comment bodies between syncd's Markdown and Freshdesk's HTML.

syncd writes a body as HTML-escaped text, line breaks as ``<br>`` and runs of spaces as
``&nbsp;``, so what an agent reads in Freshdesk is the text as written and reading it back
gives the same text; syncd's hidden key follows as an HTML comment (:mod:`syncd.markers`).
Reading turns any HTML Freshdesk holds (an agent's formatted note, a customer's e-mail) into
plain text as a browser shows it: white space folded (but in ``<pre>``), block ends and
``<br>`` as line breaks, scripts and styles dropped, entities decoded.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from syncd.markers import add_marker, split_marker

_BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_SKIP = frozenset({"script", "style", "head", "title"})
_GAPS = re.compile(r"\n{3,}")
_FOLD = re.compile(r"[ \t\r\n\f]+")  # HTML's white space (a no-break space is not)
_HARD = re.compile(r"(?:^|(?<= )) | (?= )")  # a space at a line's start or beside another


def to_html(text: str, key: str | None = None) -> str:
    """A Markdown body as Freshdesk HTML that reads back as the same text; ``key`` hidden."""
    lines = escape(text.strip("\n"), quote=False).split("\n")
    kept = [_HARD.sub("&nbsp;", line) for line in lines]
    body = "<div>" + "<br>".join(kept) + "</div>"
    return add_marker(body, key) if key else body


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._end_line()
        elif tag in _BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.pre:
            data = _FOLD.sub(" ", data)
            if not self.parts or self.parts[-1].endswith(("\n", " ")):
                data = data.lstrip(" ")
        self.parts.append(data)

    def _end_line(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")


def from_html(html: str | None) -> tuple[str, str | None]:
    """The text of a Freshdesk HTML body, and syncd's key when it carries one."""
    rest, key = split_marker(html or "")
    parser = _Text()
    parser.feed(rest)
    parser.close()
    lines = "".join(parser.parts).replace("\xa0", " ").split("\n")
    text = _GAPS.sub("\n\n", "\n".join(line.rstrip(" ") for line in lines))
    return text.strip("\n"), key
