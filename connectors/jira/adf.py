"""Markdown <-> Atlassian Document Format (the body format of Jira Cloud's REST v3).

ADF is also the intermediate tree for wiki markup (:mod:`connectors.jira.wiki`): both
directions of both formats go through it, so every format round-trips the same constructs:
paragraphs, emphasis, strong, strike, inline code, code blocks, bullet and ordered lists,
links, block quotes, headings, rules and mentions (as ``@name`` text).
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

Node = dict[str, Any]

_md = MarkdownIt("commonmark").enable("strikethrough")

# the order marks nest in when rendered: outermost first
_MARK_ORDER = ("link", "strong", "em", "strike", "code")
_INLINE_MARK = {"strong_open": "strong", "em_open": "em", "s_open": "strike"}


def doc(*content: Node) -> Node:
    """An ADF document holding ``content``."""
    return {"type": "doc", "version": 1, "content": list(content)}


def text_node(text: str, marks: list[Node] | None = None) -> Node:
    """An ADF text node."""
    node: Node = {"type": "text", "text": text}
    if marks:
        node["marks"] = marks
    return node


# -- Markdown -> ADF ---------------------------------------------------------------------


def from_markdown(markdown: str) -> Node:
    """Parse Markdown into an ADF document."""
    tokens = _md.parse(markdown or "")
    root = doc()
    stack: list[Node] = [root]
    for tok in tokens:
        parent = stack[-1]
        if tok.nesting == 1:
            node = _open_block(tok)
            parent.setdefault("content", []).append(node)
            stack.append(node)
        elif tok.nesting == -1:
            stack.pop()
        elif tok.type == "inline":
            parent.setdefault("content", []).extend(_inline(tok.children or []))
        elif tok.type in ("fence", "code_block"):
            node = {"type": "codeBlock", "content": [text_node(tok.content.rstrip("\n"))]}
            if tok.info.strip():
                node["attrs"] = {"language": tok.info.strip().split()[0]}
            if not tok.content.rstrip("\n"):
                node.pop("content")
            parent.setdefault("content", []).append(node)
        elif tok.type == "hr":
            parent.setdefault("content", []).append({"type": "rule"})
        elif tok.type == "html_block":
            para = {"type": "paragraph", "content": [text_node(tok.content.rstrip("\n"))]}
            parent.setdefault("content", []).append(para)
    return root


def _open_block(tok: Token) -> Node:
    if tok.type == "heading_open":
        return {"type": "heading", "attrs": {"level": int(tok.tag[1])}, "content": []}
    if tok.type == "bullet_list_open":
        return {"type": "bulletList", "content": []}
    if tok.type == "ordered_list_open":
        start = int(tok.attrGet("start") or 1)
        return {"type": "orderedList", "attrs": {"order": start}, "content": []}
    if tok.type == "list_item_open":
        return {"type": "listItem", "content": []}
    if tok.type == "blockquote_open":
        return {"type": "blockquote", "content": []}
    return {"type": "paragraph", "content": []}


def _inline(children: list[Token]) -> list[Node]:
    out: list[Node] = []
    marks: list[Node] = []

    def add(text: str, extra: list[Node] | None = None) -> None:
        if not text:
            return
        all_marks = [dict(m) for m in marks] + (extra or [])
        prev = out[-1] if out else None
        if prev and prev["type"] == "text" and prev.get("marks", []) == all_marks:
            prev["text"] += text
        else:
            out.append(text_node(text, all_marks))

    for tok in children:
        if tok.type == "text":
            add(tok.content)
        elif tok.type == "code_inline":
            add(tok.content, [{"type": "code"}])
        elif tok.type in ("softbreak", "hardbreak"):
            # chat-style comments expect a line break where the author pressed enter
            out.append({"type": "hardBreak"})
        elif tok.type in _INLINE_MARK:
            marks.append({"type": _INLINE_MARK[tok.type]})
        elif tok.type == "link_open":
            marks.append({"type": "link", "attrs": {"href": tok.attrGet("href") or ""}})
        elif tok.type.endswith("_close") and marks:
            marks.pop()
        elif tok.type == "image":
            add(tok.content or str(tok.attrGet("src") or ""))
        elif tok.type == "html_inline":
            add(tok.content)
    return out


# -- ADF -> Markdown ---------------------------------------------------------------------


def to_markdown(node: Node | None) -> str:
    """Render an ADF document (or any ADF node) as Markdown."""
    if not node:
        return ""
    if node.get("type") == "doc":
        return _blocks(node.get("content", [])).strip("\n")
    return _blocks([node]).strip("\n")


def _blocks(nodes: list[Node], tight: bool = False) -> str:
    parts = [_block(n) for n in nodes]
    return ("\n" if tight else "\n\n").join(p for p in parts if p is not None)


def _block(node: Node) -> str | None:
    kind = node.get("type")
    content = node.get("content", [])
    if kind == "paragraph":
        return inline_markdown(content)
    if kind == "heading":
        return "#" * int(node.get("attrs", {}).get("level", 1)) + " " + inline_markdown(content)
    if kind == "codeBlock":
        lang = (node.get("attrs") or {}).get("language") or ""
        code = "".join(c.get("text", "") for c in content)
        fence = "~~~" if "```" in code else "```"
        return f"{fence}{lang}\n{code}\n{fence}"
    if kind == "blockquote":
        inner = _blocks(content)
        return "\n".join(("> " + line).rstrip() for line in inner.split("\n"))
    if kind == "rule":
        return "---"
    if kind in ("bulletList", "orderedList"):
        start = int((node.get("attrs") or {}).get("order", 1))
        items = []
        for i, item in enumerate(content):
            marker = "- " if kind == "bulletList" else f"{start + i}. "
            inner = _blocks(item.get("content", []), tight=_is_simple(item))
            pad = " " * len(marker)
            lines = inner.split("\n")
            items.append(
                marker + lines[0] + "".join("\n" + (pad + ln if ln else "") for ln in lines[1:])
            )
        return "\n".join(items)
    if kind in ("panel", "expand", "nestedExpand", "layoutSection", "layoutColumn"):
        return _blocks(content)
    if kind == "mediaSingle" or kind == "mediaGroup":
        return None
    if content:
        return _blocks(content)
    return inline_markdown([node]) or None


def _is_simple(item: Node) -> bool:
    # a list item of one paragraph plus nested lists renders tight
    content = item.get("content", [])
    paragraphs = [c for c in content if c.get("type") not in ("bulletList", "orderedList")]
    return len(paragraphs) <= 1


def _mark_key(mark: Node) -> tuple[str, str]:
    return mark["type"], str((mark.get("attrs") or {}).get("href", ""))


def inline_markdown(nodes: list[Node]) -> str:
    """Render ADF inline nodes as Markdown, nesting shared marks once."""
    out: list[str] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        marks = _sorted_marks(node)
        if not marks:
            out.append(_atom(node))
            i += 1
            continue
        outer = marks[0]
        j = i
        while j < len(nodes) and any(_mark_key(m) == _mark_key(outer) for m in _marks(nodes[j])):
            j += 1
        inner_nodes = [_without(n, outer) for n in nodes[i:j]]
        out.append(_wrap(outer, inner_nodes))
        i = j
    return "".join(out)


def _marks(node: Node) -> list[Node]:
    return list(node.get("marks") or [])


def _sorted_marks(node: Node) -> list[Node]:
    known = [m for m in _marks(node) if m.get("type") in _MARK_ORDER]
    return sorted(known, key=lambda m: _MARK_ORDER.index(m["type"]))


def _without(node: Node, mark: Node) -> Node:
    rest = [m for m in _marks(node) if _mark_key(m) != _mark_key(mark)]
    return {**node, "marks": rest}


def _wrap(mark: Node, nodes: list[Node]) -> str:
    kind = mark["type"]
    if kind == "code":
        raw = "".join(n.get("text", "") for n in nodes)
        tick = "``" if "`" in raw else "`"
        pad = " " if raw.startswith("`") or raw.endswith("`") else ""
        return f"{tick}{pad}{raw}{pad}{tick}"
    inner = inline_markdown(nodes)
    if kind == "link":
        href = (mark.get("attrs") or {}).get("href", "")
        return f"[{inner}]({href})"
    return wrap({"strong": "**", "em": "*", "strike": "~~"}[kind], inner)


def wrap(token: str, inner: str) -> str:
    """``inner`` between emphasis tokens, its edge spaces kept outside (both markups need it)."""
    stripped = inner.strip(" ")
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip(" "))]
    trail = inner[len(inner.rstrip(" ")) :]
    return f"{lead}{token}{stripped}{token}{trail}"


def _atom(node: Node) -> str:
    kind = node.get("type")
    if kind == "text":
        return escape_markdown(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        label = str((node.get("attrs") or {}).get("text") or "")
        return label if label.startswith("@") else "@" + label
    if kind == "emoji":
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str((node.get("attrs") or {}).get("url", ""))
    return ""


_ALWAYS = re.compile(r"([\\`*\[\]])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+)([.)]?)(?=\s|$)", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Escape the characters that would otherwise start Markdown syntax."""
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    if m.group(3):  # "1." starts a list: escape the dot, a backslash before a digit is literal
        return f"{m.group(1)}{m.group(2)}\\{m.group(3)}"
    if m.group(2).isdigit():
        return m.group(0)
    return f"{m.group(1)}\\{m.group(2)}"
