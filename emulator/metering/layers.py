"""`Layered`: a mapping read through a tenant's own layer down to the shared base.

Like `collections.ChainMap` with two maps: a read takes the top layer's entry when it has one,
else the base's; a write goes to the top. A deletion of a base key leaves a tombstone in the top.
Iteration is in the base's order (with the top's replacements), then the keys only the top has,
in the order they were added: a customer changed by a tenant keeps its place in every list.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from typing import Any, Final, Generic, TypeVar, overload

__all__ = ["Layered"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_GONE: Final[Any] = object()  # a tombstone: the key is deleted in this layer
_MISSING: Final[Any] = object()


class Layered(Mapping[K, V], Generic[K, V]):
    __slots__ = ("_len", "base", "top")

    def __init__(self, base: Mapping[K, V] | None = None) -> None:
        self.base: Mapping[K, V] = base if base is not None else {}
        self.top: dict[K, Any] = {}  # key -> value, or _GONE
        self._len = len(self.base)

    def __getitem__(self, key: K) -> V:
        value = self.top.get(key, _MISSING)
        if value is _MISSING:
            return self.base[key]
        if value is _GONE:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        value = self.top.get(key, _MISSING)  # type: ignore[arg-type]
        if value is _MISSING:
            return key in self.base
        return value is not _GONE

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V | T) -> V | T: ...
    def get(self, key: K, default: Any = None) -> Any:
        value = self.top.get(key, _MISSING)
        if value is _MISSING:
            return self.base.get(key, default)
        return default if value is _GONE else value

    def __iter__(self) -> Iterator[K]:
        whole = self._whole()
        return self._merged() if whole is None else iter(whole)

    def _whole(self) -> Mapping[K, V] | None:
        """The one side that holds every entry as it is, when there is one: then keys, values and
        items are that side's own, read in C rather than a lookup per key (so a view is one of
        the moment it is taken: callers read it at once). A top over an empty dict holds no
        tombstone: a deletion there removes the key."""
        if not self.top:
            return self.base
        if type(self.base) is dict and not self.base:
            return self.top
        return None

    def _merged(self) -> Iterator[K]:
        top, base = self.top, self.base
        for key in base:
            if top.get(key) is not _GONE:
                yield key
        for key, value in top.items():
            if value is not _GONE and key not in base:
                yield key

    def values(self) -> ValuesView[V]:
        whole = self._whole()
        return super().values() if whole is None else whole.values()

    def items(self) -> ItemsView[K, V]:
        whole = self._whole()
        return super().items() if whole is None else whole.items()

    def __len__(self) -> int:
        return self._len

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self:
            self._len += 1
        self.top[key] = value

    def __delitem__(self, key: K) -> None:
        if key not in self:
            raise KeyError(key)
        self._len -= 1
        if key in self.base:
            self.top[key] = _GONE
        else:
            del self.top[key]

    def own(self) -> Iterator[tuple[K, V]]:
        """The entries this layer sets itself (replacements and additions), tombstones left out."""
        return ((k, v) for k, v in self.top.items() if v is not _GONE)
