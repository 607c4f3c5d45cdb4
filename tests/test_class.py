"""A class on one small server (issue 19): what a waiting or training page sends its browser, and how often.

The queue itself (order, replacement, abandoned work, equal results) is tested in tests/test_queue.py and
tests/test_concurrency.py; the class's speed is measured by bench/class.py. No timing assertions: every clock here is
a fake one.
"""

from __future__ import annotations

from dlviz.ui.sweep import LIVE_DRAW_SHARE, LIVE_REDRAW_SECONDS, Throttle, _waiting_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_throttle_is_due_at_once_then_waits_its_minimum_after_a_quick_draw():
    clock = FakeClock()
    throttle = Throttle(0.4, 0.1, clock)
    assert throttle.due()
    clock.now = 0.01
    throttle.drawn(started=0.0)  # 10 ms: 0.09 s to keep drawing at 10% is less than the minimum
    clock.now = 0.4
    assert not throttle.due()
    clock.now = 0.42
    assert throttle.due()


def test_a_slow_draw_keeps_drawing_within_its_share_of_the_time():
    clock = FakeClock()
    throttle = Throttle(LIVE_REDRAW_SECONDS, LIVE_DRAW_SHARE, clock)
    draws, spent = 0, 0.0
    while clock.now < 60.0:  # a minute of training, a 0.2 s figure at every 10 ms report
        if throttle.due():
            started = clock.now
            clock.now += 0.2
            throttle.drawn(started)
            draws, spent = draws + 1, spent + 0.2
        clock.now += 0.01
    assert spent / clock.now <= LIVE_DRAW_SHARE + 0.01  # 0.01: one report's step of slack
    assert draws >= 60 * LIVE_DRAW_SHARE / 0.2 - 2  # still drawing, as often as the share allows


def test_the_waiting_text_says_the_place_in_line_and_the_wait():
    assert _waiting_text(2, 6.2) == "Waiting for the trainer: 2 sweeps ahead of yours, about 6 s."
    assert _waiting_text(1, 0.2) == "Waiting for the trainer: 1 sweep ahead of yours, about 1 s."
    assert _waiting_text(0, 3.0) == "Waiting for the trainer: yours is next, about 3 s."


def test_a_held_throttle_is_not_due_until_the_hold_is_over():
    clock = FakeClock()
    throttle = Throttle(0.4, 0.05, clock)
    throttle.hold(1.0)
    clock.now = 0.99
    assert not throttle.due()
    clock.now = 1.0
    assert throttle.due()
