"""Mapped fields: value maps and transforms (with hypothesis where a property holds for any
value), the checks made when the config loads, and lists compared without order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from syncd.engine.fieldmap import TransformError, convert, same
from syncd.field_settings import FieldMap
from tests.engine.field_map_kit import rules

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=","), max_size=12)

# -- value maps and transforms ------------------------------------------------------------


@given(value=text)
def test_without_map_or_transform_a_value_crosses_as_it_is(value: str) -> None:
    m = FieldMap(ticket="Version", issue="versions")
    assert convert(m, value, "to_issue") == value and convert(m, value, "to_ticket") == value


@given(pairs=st.dictionaries(text.filter(bool), text.filter(bool), min_size=1, max_size=6))
def test_a_value_map_read_backwards_returns_to_its_first_key(pairs: dict[str, str]) -> None:
    m = FieldMap(ticket="Impact", issue="Customer Impact", values=pairs)
    for key, value in pairs.items():
        assert convert(m, key, "to_issue") == value
        back = convert(m, value, "to_ticket")
        assert back is not None and pairs[back] == value  # the first key for that value


def test_unmapped_values_cross_unless_the_map_is_closed() -> None:
    m = FieldMap(ticket="Impact", issue="Customer Impact", values={"low": "Low"})
    assert convert(m, "medium", "to_issue") == "medium"
    closed = m.model_copy(update={"pass_unmapped": False})
    assert convert(closed, "medium", "to_issue") is None
    assert convert(closed, "", "to_issue") == ""  # an emptied field still empties


@given(value=text)
def test_transform_runs_after_the_map_in_a_sandbox(value: str) -> None:
    m = FieldMap(
        ticket="Version",
        issue="versions",
        values={"latest": "2.4"},
        transform="'v' ~ value if direction == 'to_issue' else value | replace('v', '', 1)",
    )
    expected = "v" + ("2.4" if value == "latest" else value) if value else ""
    assert convert(m, value, "to_issue") == expected
    assert convert(m, "v" + value, "to_ticket") is not None


def test_an_empty_value_stays_empty_whatever_the_transform() -> None:
    m = FieldMap(ticket="Version", issue="versions", transform="'v' ~ value")
    assert convert(m, "", "to_issue") == "" and convert(m, "2", "to_issue") == "v2"


def test_transform_sees_the_records_and_the_due_date() -> None:
    m = FieldMap(ticket="Due", issue="fixVersions", transform="value ~ ' (' ~ due ~ ')'")
    assert convert(m, "2.4", "to_ticket", due="2027-01-14") == "2.4 (2027-01-14)"


def test_a_transform_that_fails_says_which_mapping_and_value() -> None:
    m = FieldMap(ticket="Points", issue="Story Points", transform="value | int // 0")
    with pytest.raises(TransformError, match="'Points' failed on '3'"):
        convert(m, "3", "to_issue")
    sandboxed = FieldMap(ticket="X", issue="Y", transform="value.__class__.__mro__")
    with pytest.raises(TransformError):
        convert(sandboxed, "3", "to_issue")


def test_config_is_checked_when_it_loads() -> None:
    with pytest.raises(ValidationError, match="not a jinja2 expression"):
        FieldMap(ticket="X", issue="Y", transform="value |")
    with pytest.raises(ValidationError, match="read-only on the ticket"):
        FieldMap(ticket="organization", issue="Customer")
    with pytest.raises(ValidationError, match="labels is a set"):
        FieldMap(ticket="Severity", issue="labels", direction="to_issue")
    assert FieldMap(ticket="field:organization", issue="Customer").ticket_custom
    with pytest.raises(ValidationError, match="named twice"):
        rules({"ticket": "A", "issue": "x"}, {"ticket": "A", "issue": "y"})


@given(a=st.lists(text.filter(lambda v: v.strip() == v and bool(v)), max_size=4))
def test_lists_compare_without_order(a: list[str]) -> None:
    assert same(", ".join(a), ",".join(reversed(a)))
