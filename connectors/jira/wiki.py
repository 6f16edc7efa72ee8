"""Markdown <-> Jira wiki markup (the body format of Jira Data Center and of REST v2).

Both directions go through the ADF tree of :mod:`connectors.jira.adf`, so wiki markup
round-trips the same constructs as ADF does. This module renders ADF as wiki markup; the
parser of wiki markup into ADF is :mod:`connectors.jira.wiki_parse` (``to_adf``, importable
from here too).
"""

from __future__ import annotations

import re

from connectors.jira import adf
from connectors.jira.adf import Node
from connectors.jira.wiki_parse import to_adf

__all__ = ["from_adf", "from_markdown", "to_adf", "to_markdown"]


def to_markdown(wiki: str | None) -> str:
    """Convert wiki markup to Markdown."""
    return adf.to_markdown(to_adf(wiki or ""))


def from_markdown(markdown: str) -> str:
    """Convert Markdown to wiki markup."""
    return from_adf(adf.from_markdown(markdown))


# -- ADF -> wiki ---------------------------------------------------------------------------


def from_adf(document: Node | None) -> str:
    """Render an ADF document as wiki markup."""
    if not document:
        return ""
    return _blocks(document.get("content", [])).strip("\n")


def _blocks(nodes: list[Node], list_prefix: str = "") -> str:
    parts = [_block(n, list_prefix) for n in nodes]
    return "\n\n".join(p for p in parts if p)


def _block(node: Node, list_prefix: str = "") -> str:
    kind = node.get("type")
    content = node.get("content", [])
    if kind == "paragraph":
        return _inline(content)
    if kind == "heading":
        return f"h{node.get('attrs', {}).get('level', 1)}. {_inline(content)}"
    if kind == "codeBlock":
        lang = (node.get("attrs") or {}).get("language")
        code = "".join(c.get("text", "") for c in content)
        return ("{code:" + lang + "}" if lang else "{code}") + "\n" + code + "\n{code}"
    if kind == "blockquote":
        return "{quote}\n" + _blocks(content) + "\n{quote}"
    if kind == "rule":
        return "----"
    if kind in ("bulletList", "orderedList"):
        return _list(node, list_prefix)
    return _blocks(content) if content else _inline([node])


def _list(node: Node, prefix: str) -> str:
    marker = prefix + ("*" if node["type"] == "bulletList" else "#")
    lines: list[str] = []
    for item in node.get("content", []):
        texts: list[str] = []
        nested: list[str] = []
        for child in item.get("content", []):
            if child.get("type") in ("bulletList", "orderedList"):
                nested.append(_list(child, marker))
            else:
                # wiki list items hold one line: further paragraphs become line breaks
                texts.append(_block(child).replace("\n\n", "\n"))
        lines.append(f"{marker} " + "\n".join(texts))
        lines.extend(nested)
    return "\n".join(lines)


def _inline(nodes: list[Node]) -> str:
    out: list[str] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        marks = adf._sorted_marks(node)
        if not marks:
            out.append(_atom(node))
            i += 1
            continue
        outer = marks[0]
        key = adf._mark_key(outer)
        j = i
        while j < len(nodes) and any(adf._mark_key(m) == key for m in adf._marks(nodes[j])):
            j += 1
        out.append(_wrap(outer, [adf._without(n, outer) for n in nodes[i:j]]))
        i = j
    return "".join(out)


def _wrap(mark: Node, nodes: list[Node]) -> str:
    kind = mark["type"]
    if kind == "code":
        raw = "".join(n.get("text", "") for n in nodes)
        return "{{" + raw.replace("}}", "\\}\\}") + "}}"
    inner = _inline(nodes)
    if kind == "link":
        href = (mark.get("attrs") or {}).get("href", "")
        return f"[{href}]" if inner == _escape(href) else f"[{inner}|{href}]"
    return adf.wrap({"strong": "*", "em": "_", "strike": "-"}[kind], inner)


def _atom(node: Node) -> str:
    kind = node.get("type")
    if kind == "text":
        return _escape(node.get("text", ""))
    return adf._atom(node)


_ALWAYS = re.compile(r"([\\{}\[\]|])")
_BOUNDARY = re.compile(r"(?<![A-Za-z0-9])([*_+^~-])|([*_+^~-])(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(\s*)(h[1-6]\.|bq\.|[*#-]+(?=\s))", re.MULTILINE)


def _escape(text: str) -> str:
    text = _ALWAYS.sub(r"\\\1", text)
    text = _BOUNDARY.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2).lstrip("\\"), text)
