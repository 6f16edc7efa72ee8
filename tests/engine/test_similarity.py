"""Duplicate search: precision and recall on the labelled set in tests/data/duplicates.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from syncd.engine.similarity import Candidate, Index, clean, rank, words
from syncd.model import Ref
from syncd.workflow import Duplicates

DATA = Path(__file__).parent.parent / "data" / "duplicates.yaml"


def load() -> dict[str, Any]:
    return dict(yaml.safe_load(DATA.read_text()))


def scored() -> tuple[dict[str, Any], dict[tuple[str, str], float]]:
    d = load()
    ids = sorted(d["issues"])
    index = Index(
        [
            Candidate(Ref.issue("github", i), d["issues"][i]["title"], d["issues"][i]["body"])
            for i in ids
        ]
    )
    out = {}
    for t, tk in d["tickets"].items():
        for i, s in zip(ids, index.scores(tk["subject"], tk["description"]), strict=True):
            out[(t, i)] = s
    return d, out


def precision_recall(threshold: float) -> tuple[float, float, int]:
    d, scores = scored()
    tp = fp = fn = 0
    for t, i, dup in d["pairs"]:
        said = scores[(t, i)] >= threshold
        tp += said and dup
        fp += said and not dup
        fn += (not said) and dup
    return tp / max(1, tp + fp), tp / max(1, tp + fn), len(d["pairs"])


def test_the_set_is_large_enough_and_consistent() -> None:
    d = load()
    assert len(d["pairs"]) >= 100
    for t, i, dup in d["pairs"]:
        assert t in d["tickets"] and i in d["issues"]
        assert dup == (d["tickets"][t]["dup"] == i)
    assert sum(1 for p in d["pairs"] if p[2]) >= 40


def test_precision_and_recall_at_the_default_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    defaults = Duplicates()
    link_p, link_r, n = precision_recall(defaults.threshold)
    sugg_p, sugg_r, _ = precision_recall(defaults.suggest_threshold)
    with capsys.disabled():
        print(
            f"\nduplicate search on {n} labelled pairs: "
            f"link threshold {defaults.threshold}: precision {link_p:.3f} recall {link_r:.3f}; "
            f"suggest threshold {defaults.suggest_threshold}: "
            f"precision {sugg_p:.3f} recall {sugg_r:.3f}"
        )
    # linking by itself must almost never be wrong; suggestions may cast a wider net
    assert link_p >= 0.95 and link_r >= 0.7
    assert sugg_p >= 0.8 and sugg_r >= 0.95


def test_the_right_issue_ranks_first_for_every_duplicate() -> None:
    d, scores = scored()
    for t, tk in d["tickets"].items():
        if tk["dup"]:
            best = max(d["issues"], key=lambda i: scores[(t, i)])
            assert best == tk["dup"], t


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Export crashes!", ["export", "crash"]),
        ("The exports are crashing", ["export", "crash"]),
        ("a b c", []),
    ],
)
def test_words_are_lowercased_stemmed_and_stripped(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_footer_links_and_markers_do_not_count() -> None:
    body = "Real problem here\n\n---\nEscalated from support ticket [1](https://x/1) by route"
    assert "Escalated" not in clean(body) and "Real problem" in clean(body)
    assert "http" not in clean("see https://example.com/a <!-- syncd:key -->")


def test_rank_is_stable_and_best_first() -> None:
    a = Candidate(Ref.issue("gh", "a#1"), "CSV export crashes on newline")
    b = Candidate(Ref.issue("gh", "a#2"), "Login fails with SAML")
    ranked = rank("csv export crash", "crash when exporting csv with newlines", [b, a])
    assert [c.ref.key for c, _ in ranked] == ["a#1", "a#2"]
    assert rank("x", "y", []) == []
