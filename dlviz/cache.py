"""A bounded, thread-safe store of finished results, shared by every Streamlit session of one server process.

`ResultCache` only stores: least recently used first out, bounded by entry count and by pickled bytes. Deciding who
computes what, and when, is `dlviz.engine.queue.TrainingQueue`'s job (one trainer, first come first served, shared
and abandoned requests); the queue puts what it trains here and serves later requests from here.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any, Generic, Hashable, TypeVar

T = TypeVar("T")


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
