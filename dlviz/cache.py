"""A bounded, thread-safe store of finished results, shared by every Streamlit session of one server process.

`ResultCache` only stores: least recently used first out, bounded by entry count and by pickled bytes. Deciding who
computes what, and when, is `dlviz.engine.queue.TrainingQueue`'s job (one trainer, first come first served, shared
and abandoned requests). `SweepCache` adds the older in-flight sharing (`get_or_compute`, the caller computes in its
own thread) that the UI uses until it is wired to the queue; it is kept only for that transition.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")
Progress = Callable[[Any], None]


def pickled_size(value: Any) -> int:
    """Bytes of `value` pickled with the highest protocol: what the cache counts against `max_bytes`."""
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class ResultCache(Generic[T]):
    """LRU store bounded by entries and by (pickled) bytes; values are treated as immutable once stored.

    Args:
        max_entries: at most this many values are kept (the least recently used goes first).
        max_bytes: the kept values' pickled sizes add up to at most this; a single value larger than it is never
            kept (`fits` tells in advance).
    """

    def __init__(self, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return sum(size for _, size in self._items.values())

    def fits(self, size_bytes: int) -> bool:
        """Whether a value of this pickled size would be kept at all (it may still be evicted later)."""
        return size_bytes <= self.max_bytes

    def get(self, key: Hashable) -> T | None:
        """The stored value (marked as recently used), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        return None

    def put(self, key: Hashable, value: T) -> bool:
        """Store `value` (computed here or shipped with the app); returns whether it was kept."""
        size = pickled_size(value)  # outside the lock: pickling a sweep takes milliseconds
        if not self.fits(size):
            return False
        with self._lock:
            self._items[key] = (value, size)
            self._items.move_to_end(key)
            self._evict()
            return key in self._items

    def _evict(self) -> None:
        total = sum(size for _, size in self._items.values())
        while self._items and (len(self._items) > self.max_entries or total > self.max_bytes):
            _, (_, size) = self._items.popitem(last=False)
            total -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _InFlight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.latest: Any = None  # the most recent progress report, for waiters


class SweepCache(ResultCache[T]):
    """`ResultCache` plus in-flight sharing in the caller's thread (superseded by `TrainingQueue`; kept for the UI
    until it is wired to the queue)."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        super().__init__(max_entries, max_bytes)
        self._in_flight: dict[Hashable, _InFlight] = {}
        self.computed = 0  # how many times a value was actually computed (for tests and reports)

    def is_computing(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._in_flight

    def get_or_compute(self, key: Hashable, compute: Callable[[Progress], T],
                       progress: Progress | None = None, poll_seconds: float = 0.25) -> T:
        """Return the cached value, or compute it once (calling `progress` with its reports), or wait for the
        caller already computing it (replaying its latest progress report to `progress` while waiting)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            flight = self._in_flight.get(key)
            owner = flight is None
            if owner:
                flight = self._in_flight[key] = _InFlight()
        assert flight is not None
        if not owner:
            last_seen = None
            while not flight.done.wait(poll_seconds):
                if progress is not None and flight.latest is not None and flight.latest is not last_seen:
                    last_seen = flight.latest
                    progress(last_seen)
            if flight.error is not None:
                raise flight.error
            return flight.result

        def report(update: Any) -> None:
            flight.latest = update
            if progress is not None:
                progress(update)

        try:
            value = compute(report)
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                del self._in_flight[key]
            flight.done.set()
            raise
        self.put(key, value)
        with self._lock:
            self.computed += 1
            del self._in_flight[key]
        flight.result = value
        flight.done.set()
        return value
