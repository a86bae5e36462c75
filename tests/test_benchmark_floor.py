"""The Dataverse floor the load benchmark divides by: the same admitted requests
replayed against the documented admission rule (a request goes in while the
preceding 5-minute window is under the limits)."""

from __future__ import annotations

import pytest

from benchmarks.load import replay_floor

WINDOW, REQUESTS, BUDGET = 5.0, 100, 30.0


def floor(admitted, serial=False, requests_limit=REQUESTS):
    return replay_floor(admitted, requests_limit, BUDGET, WINDOW, serial=serial)


def test_requests_under_both_limits_cost_no_waiting():
    assert floor([(0.0, 1, 10.0, 0.1), (0.3, 1, 10.0, 0.4)]) == 0.0


def test_a_request_over_the_budget_closes_the_window_until_it_leaves():
    assert floor([(0.0, 1, 40.0, 0.4), (5.5, 1, 1.0, 5.6)]) == 5.0


def test_a_window_holds_the_budget_plus_the_request_that_crosses_it():
    # 29 + 29 went in (the window was under 30 at each start); the third waits for
    # the first to leave, when 29 remain
    assert floor([(0.0, 1, 29.0, None), (0.1, 1, 29.0, None), (5.2, 1, 1.0, None)]) == 5.0


def test_the_request_limit_binds_the_same_way():
    assert floor([(0.0, 1, 0.1, None)] * 3, requests_limit=2) == 5.0


def test_the_serial_floor_adds_each_requests_own_time():
    admitted = [(0.0, 1, 1.0, 0.5), (0.6, 1, 1.0, 1.85), (1.9, 1, 1.0, 2.0)]
    assert floor(admitted) == 0.0
    # each goes in when the one before has been answered; the load ends with the last answer
    assert floor(admitted, serial=True) == pytest.approx(0.5 + 1.25 + 0.1)
    # a wait the limits impose already covers the time the request before it took
    assert floor([(0.0, 1, 40.0, 0.4), (5.0, 1, 1.0, 5.1)], serial=True) == pytest.approx(5.1)
