"""Jira wiki markup -> ADF: the parser behind :func:`connectors.jira.wiki.to_markdown` and the
emulator's storage of wiki bodies. Blocks (``{code}``/``{noformat}``, ``{quote}``, ``bq.``,
headings, nested ``*``/``#`` lists, paragraphs) first, then inline marks, links and
``{{monospace}}`` within them.
"""

from __future__ import annotations

import re

from connectors.jira import adf
from connectors.jira.adf import Node, text_node

_CODE_OPEN = re.compile(r"^\{(code|noformat)(?::([^}|]*))?[^}]*\}\s*(.*)$")
_QUOTE = re.compile(r"^\{quote\}\s*(.*)$")
_HEADING = re.compile(r"^h([1-6])\.\s*(.*)$")
_LIST = re.compile(r"^([*#-]+)\s+(.*)$")


def to_adf(wiki: str) -> Node:
    """Parse wiki markup into an ADF document."""
    lines = wiki.replace("\r\n", "\n").split("\n")
    return adf.doc(*_parse_blocks(lines))


def _parse_blocks(lines: list[str]) -> list[Node]:
    blocks: list[Node] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append({"type": "paragraph", "content": _parse_lines(para)})
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        code = _CODE_OPEN.match(stripped)
        if code:
            flush()
            kind, lang, rest = code.group(1), code.group(2), code.group(3)
            body: list[str] = [rest] if rest else []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("{" + kind + "}"):
                body.append(lines[i])
                i += 1
            node: Node = {"type": "codeBlock", "content": [text_node("\n".join(body))]}
            if lang and kind == "code":
                node["attrs"] = {"language": lang.strip()}
            if not "\n".join(body):
                node.pop("content")
            blocks.append(node)
        elif _QUOTE.match(stripped):
            flush()
            first = _QUOTE.match(stripped)
            inner = [first.group(1)] if first and first.group(1) else []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("{quote}"):
                inner.append(lines[i])
                i += 1
            blocks.append({"type": "blockquote", "content": _parse_blocks(inner)})
        elif stripped.startswith("bq. "):
            flush()
            para_node = {"type": "paragraph", "content": _parse_inline(stripped[4:])}
            blocks.append({"type": "blockquote", "content": [para_node]})
        elif _HEADING.match(stripped):
            flush()
            m = _HEADING.match(stripped)
            assert m is not None
            level = int(m.group(1))
            heading = {"type": "heading", "attrs": {"level": level}}
            blocks.append(heading | {"content": _parse_inline(m.group(2))})
        elif stripped == "----":
            flush()
            blocks.append({"type": "rule"})
        elif _LIST.match(stripped) and not _looks_like_strike(stripped):
            flush()
            items: list[tuple[str, str]] = []
            while i < len(lines) and (m := _LIST.match(lines[i].strip())):
                items.append((m.group(1).replace("-", "*"), m.group(2)))
                i += 1
            blocks.extend(_build_lists(items))
            continue
        elif not stripped:
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def _looks_like_strike(line: str) -> bool:
    # "-gone-" is struck-through text, "- item" is a list item
    return line.startswith("-") and not line.startswith("- ") and not line.startswith("-- ")


def _build_lists(items: list[tuple[str, str]]) -> list[Node]:
    """Nest ``(marker, text)`` list lines (``*``, ``#``, ``*#`` ...) into ADF lists."""
    result: list[Node] = []
    stack: list[tuple[str, Node]] = []  # (marker, list node)
    for marker, text in items:
        while stack and not (marker.startswith(stack[-1][0]) and len(marker) >= len(stack[-1][0])):
            stack.pop()
        if stack and stack[-1][0] == marker:
            lst = stack[-1][1]
        else:
            kind = "bulletList" if marker[-1] == "*" else "orderedList"
            lst = {"type": kind, "content": []}
            if kind == "orderedList":
                lst["attrs"] = {"order": 1}
            if stack and stack[-1][1]["content"]:
                stack[-1][1]["content"][-1]["content"].append(lst)
            else:
                result.append(lst)
            stack.append((marker, lst))
        para = {"type": "paragraph", "content": _parse_inline(text)}
        lst["content"].append({"type": "listItem", "content": [para]})
    return result


def _parse_lines(lines: list[str]) -> list[Node]:
    out: list[Node] = []
    for n, line in enumerate(lines):
        if n:
            out.append({"type": "hardBreak"})
        out.extend(_parse_inline(line))
    return out


_INLINE = re.compile(
    r"\\(?P<esc>.)"
    r"|\{\{(?P<code>.+?)\}\}"
    r"|\[~(?:accountid:)?(?P<mention>[^\]]+)\]"
    r"|\[(?P<link>[^\]|]+?)(?:\|(?P<href>[^\]]+))?\]"
    r"|(?<![A-Za-z0-9\\])(?P<tok>[*_-])(?P<inner>\S(?:.*?\S)??)(?P=tok)(?![A-Za-z0-9])"
)
_TOKEN_MARK = {"*": "strong", "_": "em", "-": "strike"}


def _parse_inline(text: str, marks: list[Node] | None = None) -> list[Node]:
    marks = marks or []
    out: list[Node] = []

    def add(chunk: str, extra: list[Node] | None = None) -> None:
        if not chunk:
            return
        all_marks = marks + (extra or [])
        prev = out[-1] if out else None
        if prev and prev["type"] == "text" and prev.get("marks", []) == all_marks:
            prev["text"] += chunk
        else:
            out.append(text_node(chunk, [dict(m) for m in all_marks]))

    pos = 0
    for m in _INLINE.finditer(text):
        add(text[pos : m.start()])
        pos = m.end()
        if m.group("esc") is not None:
            add(m.group("esc"))
        elif m.group("code") is not None:
            add(m.group("code").replace("\\}", "}"), [{"type": "code"}])
        elif m.group("mention") is not None:
            add("@" + m.group("mention"))
        elif m.group("link") is not None:
            label, href = m.group("link"), m.group("href")
            target = (href or label).strip()
            shown = label if href else target
            link = {"type": "link", "attrs": {"href": target}}
            out.extend(_parse_inline(shown, [*marks, link]) if href else [])
            if not href:
                add(target, [link])
        else:
            mark = {"type": _TOKEN_MARK[m.group("tok")]}
            out.extend(_parse_inline(m.group("inner"), [*marks, mark]))
    add(text[pos:])
    return _merge(out)


def _merge(nodes: list[Node]) -> list[Node]:
    merged: list[Node] = []
    for node in nodes:
        prev = merged[-1] if merged else None
        if (
            prev
            and prev["type"] == node["type"] == "text"
            and prev.get("marks", []) == node.get("marks", [])
        ):
            prev["text"] += node["text"]
        else:
            merged.append(node)
    return merged
