"""Markdown <-> ADF and Markdown <-> wiki markup round-trip the common constructs."""

from __future__ import annotations

import pytest

from connectors.jira import adf, wiki

SAMPLES = [
    "hello **dev**",
    "plain *emphasis*, **strong**, ~~struck~~ and `inline code`",
    "a [link](https://example.com/a?b=1) and [https://example.com](https://example.com)",
    "# Heading one\n\n## Heading two\n\ntext",
    "first line\nsecond line",
    "- one\n- two\n  - nested\n- three",
    "1. first\n2. second\n   - mixed",
    "> quoted\n> still quoted",
    "```python\nprint('hi')\n```",
    "---",
    "@alice please look, snake_case stays",
    "Steps:\n\n1. save\n2. crash",
    "**bold *and em*** after",
]


@pytest.mark.parametrize("markdown", SAMPLES)
def test_markdown_adf_round_trip(markdown: str) -> None:
    document = adf.from_markdown(markdown)
    assert document["type"] == "doc" and document["version"] == 1
    assert adf.to_markdown(document) == markdown


@pytest.mark.parametrize("markdown", SAMPLES)
def test_markdown_wiki_round_trip(markdown: str) -> None:
    assert wiki.to_markdown(wiki.from_markdown(markdown)) == markdown


def test_adf_shapes() -> None:
    document = adf.from_markdown("**b** [l](http://x)\n\n```sh\nls\n```")
    para, code = document["content"]
    assert para["content"][0] == {"type": "text", "text": "b", "marks": [{"type": "strong"}]}
    assert para["content"][2]["marks"] == [{"type": "link", "attrs": {"href": "http://x"}}]
    assert code == {
        "type": "codeBlock",
        "attrs": {"language": "sh"},
        "content": [{"type": "text", "text": "ls"}],
    }


def test_adf_mentions_and_unknown_nodes_as_text() -> None:
    document = adf.doc(
        {
            "type": "paragraph",
            "content": [
                {"type": "mention", "attrs": {"id": "5b10", "text": "@Alice"}},
                {"type": "text", "text": " see "},
                {"type": "inlineCard", "attrs": {"url": "https://x.example"}},
            ],
        },
        {"type": "panel", "content": [{"type": "paragraph", "content": [adf.text_node("note")]}]},
    )
    assert adf.to_markdown(document) == "@Alice see https://x.example\n\nnote"


def test_wiki_markup_to_markdown() -> None:
    text = (
        "h2. Title\n*bold* and _it_ and -gone- {{code}} [~jsmith] [Docs|http://d.example]\n"
        "* one\n** two\n# three\n{code:java}\nint x;\n{code}\nbq. cited\n{quote}\nq1\n{quote}"
    )
    assert wiki.to_markdown(text) == (
        "## Title\n\n**bold** and *it* and ~~gone~~ `code` @jsmith [Docs](http://d.example)\n\n"
        "- one\n  - two\n\n1. three\n\n```java\nint x;\n```\n\n> cited\n\n> q1"
    )


def test_wiki_escapes_what_would_be_markup() -> None:
    markdown = "a {b} \\[c\\] x-y -z- 2\\*3"
    rendered = wiki.from_markdown(markdown)
    assert rendered == "a \\{b\\} \\[c\\] x-y \\-z\\- 2*3"
    assert wiki.to_markdown(rendered) == markdown


def test_markdown_escapes_survive() -> None:
    text = "literal \\*stars\\* and 1. not a list\n\n2\\. not a list either"
    assert adf.to_markdown(adf.from_markdown(text)) == text


def test_transition_screens_name_the_fields_syncd_cannot_fill() -> None:
    from connectors.jira.mapping import required_fields

    screen = {
        "fields": {
            "resolution": {"required": True, "name": "Resolution"},
            "customfield_10100": {"required": True, "name": "Root cause"},
            "assignee": {"required": True, "hasDefaultValue": True, "name": "Assignee"},
            "comment": {"required": False, "name": "Comment"},
        }
    }
    assert required_fields(screen) == ["Root cause"]
    assert required_fields({"fields": [{"id": "resolution"}]}) == []  # old servers: a list
