"""The emulators' shared limit and latency machinery: a quota's window opens at a key's first
request and refuses past its count until it closes, all or nothing; a latency draws the
vendor's median and tail, the same draws for the same seed. Time is a test clock."""

from __future__ import annotations

import json
import statistics

from syncd.emulator_kit import Latency, Quota, Quotas
from syncd.testing.faults import Faults
from syncd.testing.webhook_sender import WebhookSender
from tests.emulated import ManualClock as Clock


def test_a_quota_refuses_past_its_count_until_its_window_closes() -> None:
    clock = Clock()
    quotas = Quotas(clock)
    minute = Quota("writes", 3, 60.0)
    assert [quotas.spend([(minute, "bot", 1)]) for _ in range(3)] == [None] * 3
    clock.advance(20)
    refused = quotas.spend([(minute, "bot", 1)])
    assert refused is not None and refused.quota == minute and refused.wait == 40.0
    assert quotas.spend([(minute, "other", 1)]) is None  # another key: its own window
    assert quotas.left(minute, "bot") == 0 and quotas.resets(minute, "bot") == clock.now + 40
    clock.advance(40)
    assert quotas.spend([(minute, "bot", 1)]) is None and quotas.left(minute, "bot") == 2


def test_a_refused_charge_spends_nothing_of_the_others() -> None:
    quotas = Quotas(Clock())
    points = Quota("points", 10, 60.0)
    posts = Quota("posts", 1, 60.0)
    assert quotas.spend([(points, "bot", 5), (posts, "bot", 1)]) is None
    refused = quotas.spend([(points, "bot", 5), (posts, "bot", 1)])
    assert refused is not None and refused.quota == posts
    assert quotas.left(points, "bot") == 5  # the refused request cost no points


def test_latency_draws_the_median_and_tail_it_is_given_and_repeats_per_seed() -> None:
    latency = Latency(p50=0.150, p99=0.600, slow_share=0.01, slow_seconds=3.0, seed=11)
    sampler = latency.sampler()
    draws = [sampler() for _ in range(20_000)]
    again = Latency.of(vars(latency))  # as config gives it
    assert again is not None
    same = again.sampler()
    assert [same() for _ in range(50)] == draws[:50]
    other = Latency(seed=12).sampler()
    assert [other() for _ in range(50)] != draws[:50]
    ordinary = sorted(d for d in draws if d != 3.0)
    assert 0.140 < statistics.median(ordinary) < 0.160
    p99 = ordinary[int(len(ordinary) * 0.99)]
    assert 0.55 < p99 < 0.65
    slow = draws.count(3.0) / len(draws)
    assert 0.007 < slow < 0.013  # the occasional multi-second answer
    assert Latency.of(None) is None and Latency.of(latency) is latency


def test_deliveries_since_a_mark_survive_the_capture_limit() -> None:
    # a test that marks where its deliveries start must find them even when earlier tests of
    # the same emulator filled the capture up to its limit
    sender = WebhookSender(Faults(), sign=lambda body: {})
    sender.capture_limit = 3
    for n in range(4):
        sender.send("ticket", {}, {"n": n})
    mark = sender.total
    for n in range(4, 6):
        sender.send("ticket", {}, {"n": n})
    assert len(sender.captured) == 3
    assert [json.loads(b)["n"] for _, _, b in sender.since(mark)] == [4, 5]
    assert sender.since(sender.total) == []
    assert len(sender.since(0)) == 3  # what was trimmed is gone; what is kept comes back
