"""What the PostgreSQL compiler built per key, kept for later requests (bounded), and the keys it cannot build."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from api.sql.expressions import Unsupported

T = TypeVar("T")


class CompiledCache(Generic[T]):
    """``cache.get(key, build)``: the compiled value of ``key``, built once; None where ``build`` raises
    ``Unsupported`` (remembered, so the request takes the Python path without trying again).

    Cleared when ``size`` keys are held: keys are shapes x sites x languages, few in practice."""

    def __init__(self, size: int = 256):
        self.size = size
        self.compiled: dict[Hashable, T] = {}
        self.unsupported: set[Hashable] = set()

    def get(self, key: Hashable, build: Callable[[], T]) -> T | None:
        if key in self.unsupported:
            return None
        found = self.compiled.get(key)
        if found is None:
            try:
                found = build()
            except Unsupported:
                self.unsupported.add(key)
                return None
            if len(self.compiled) >= self.size:
                self.compiled.clear()
            self.compiled[key] = found
        return found
