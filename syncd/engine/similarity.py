"""Do a ticket and an open issue describe the same problem? A light, pure method.

TF-IDF over words (lower-cased, lightly stemmed, stop words dropped; the title counts twice)
blended with character trigrams, which catch spelling and inflection that word matching
misses. Inverse document frequencies come from the candidate issues themselves, so words
every issue of a project shares ("error", "app") weigh little. No model, no download.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from syncd.model import Ref

WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "hi",
        "hello",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "some",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "thanks",
        "thank",
        "regards",
        "also",
        "any",
        "all",
        "again",
        "get",
        "got",
        "still",
        "since",
        "after",
        "before",
        "now",
        "one",
        "there",
        "here",
        "dear",
        "team",
        "hey",
        "very",
        "really",
    ]
)
WORD_WEIGHT = 0.65  # the rest goes to character trigrams


@dataclass(frozen=True)
class Candidate:
    """An open issue that a ticket might duplicate."""

    ref: Ref
    title: str
    body: str = ""
    url: str = ""


def _stem(w: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def words(text: str) -> list[str]:
    """The words that carry meaning, stemmed."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in STOP and len(w) > 1]


URL = re.compile(r"https?://\S+|<!--.*?-->", re.S)


def clean(text: str) -> str:
    """The problem as written: without the footer after a ``---`` line, links, markers."""
    head = re.split(r"^-{3,}\s*$", text, maxsplit=1, flags=re.M)[0]
    return URL.sub(" ", head)


def _doc(title: str, body: str) -> Counter[str]:
    return Counter(words(title) * 2 + words(clean(body)))


def _grams(title: str, body: str) -> Counter[str]:
    text = " ".join(words(title) * 2 + words(clean(body))[:200])
    return Counter(text[i : i + 3] for i in range(max(0, len(text) - 2)))


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


class Index:
    """Scores texts against a fixed set of candidate issues."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self.candidates = list(candidates)
        self.docs = [_doc(c.title, c.body) for c in self.candidates]
        self.grams = [_grams(c.title, c.body) for c in self.candidates]
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {w: math.log((n + 1) / (k + 1)) + 1.0 for w, k in df.items()}
        self.unknown = math.log(n + 1) + 1.0

    def _weigh(self, doc: Counter[str]) -> dict[str, float]:
        return {w: (1 + math.log(c)) * self.idf.get(w, self.unknown) for w, c in doc.items()}

    def scores(self, title: str, body: str) -> list[float]:
        """One score in [0, 1] per candidate, in order."""
        q = self._weigh(_doc(title, body))
        qg = {g: float(c) for g, c in _grams(title, body).items()}
        out = []
        for d, g in zip(self.docs, self.grams, strict=True):
            w = _cos(q, self._weigh(d))
            c = _cos(qg, {k: float(v) for k, v in g.items()})
            out.append(WORD_WEIGHT * w + (1 - WORD_WEIGHT) * c)
        return out


def rank(title: str, body: str, candidates: Sequence[Candidate]) -> list[tuple[Candidate, float]]:
    """Candidates, best first, with their scores."""
    if not candidates:
        return []
    index = Index(candidates)
    scored = zip(index.candidates, index.scores(title, body), strict=True)
    return sorted(scored, key=lambda cs: (-cs[1], cs[0].ref.key))
