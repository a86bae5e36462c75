"""The key pool never sends more than a key's budget in one window."""

from __future__ import annotations

import threading
import time

from extract.pacing import KeyPool


def test_a_key_never_exceeds_its_budget_within_a_window():
    pool = KeyPool(["k1"], limit=5, window_seconds=0.2)
    sent_at = []
    for _ in range(12):
        pool.acquire()
        sent_at.append(time.monotonic())
    # 12 requests at 5 per 0.2 s need at least two full windows
    assert sent_at[-1] - sent_at[0] >= 0.4
    for i in range(len(sent_at) - 5):
        assert sent_at[i + 5] - sent_at[i] >= 0.2 - 1e-3
    assert pool.stats.quota_wait_seconds > 0.3


def test_keys_share_the_work_and_multiply_throughput():
    pool = KeyPool(["k1", "k2"], limit=5, window_seconds=10.0)
    started = time.monotonic()
    used = [pool.acquire()[0] for _ in range(10)]
    assert time.monotonic() - started < 1.0  # both budgets, no waiting
    assert used.count(0) == 5 and used.count(1) == 5


def test_headers_from_the_server_correct_our_own_count():
    pool = KeyPool(["k1"], limit=100, window_seconds=0.3)
    pool.acquire()
    # another tool spent the key: the server says 0 left, reset in 0.2 s
    pool.observe(0, {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                     "X-RateLimit-Reset": "0.2"})
    started = time.monotonic()
    pool.acquire()
    assert time.monotonic() - started >= 0.19


def test_a_429_blocks_the_key_until_retry_after():
    pool = KeyPool(["k1"], limit=100, window_seconds=60)
    pool.acquire()
    pool.rate_limited(0, retry_after=0.15)
    started = time.monotonic()
    pool.acquire()
    assert time.monotonic() - started >= 0.14
    assert pool.stats.rate_limited == 1


def test_concurrent_callers_respect_the_budget():
    pool = KeyPool(["k1"], limit=20, window_seconds=0.25)
    times: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(10):
            pool.acquire()
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    assert len(times) == 60
    # a thread notes its time a moment after the pool granted it (scheduling
    # jitter on a busy machine); a real overrun would put 21 grants well
    # inside one 0.25 s window
    for i in range(len(times) - 20):
        assert times[i + 20] - times[i] >= 0.25 - 0.02
