"""A bounded, thread-safe result cache in which a second caller of a key being computed waits and shares the result.

Streamlit runs every browser session in its own thread of one process. Holding one `SweepCache` per process (the UI
keeps it in `st.cache_resource`) means two sessions asking for the same sweep train it once, the second one watching
the first one's progress instead of a frozen page, and a server warm-up fills the same cache the pages read.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")
Progress = Callable[[Any], None]


class _InFlight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.latest: Any = None  # the most recent progress report, for waiters


class SweepCache(Generic[T]):
    """LRU cache bounded by entries and by (pickled) bytes."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._in_flight: dict[Hashable, _InFlight] = {}
        self.computed = 0  # how many times a value was actually computed (for tests and reports)

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

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        return None

    def put(self, key: Hashable, value: T) -> None:
        """Store a value computed elsewhere (e.g. results shipped with the app)."""
        size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        with self._lock:
            if size <= self.max_bytes:
                self._items[key] = (value, size)
                self._items.move_to_end(key)
                self._evict()

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
        size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        with self._lock:
            self.computed += 1
            if size <= self.max_bytes:
                self._items[key] = (value, size)
                self._evict()
            del self._in_flight[key]
        flight.result = value
        flight.done.set()
        return value

    def _evict(self) -> None:
        total = sum(size for _, size in self._items.values())
        while self._items and (len(self._items) > self.max_entries or total > self.max_bytes):
            _, (_, size) = self._items.popitem(last=False)
            total -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
