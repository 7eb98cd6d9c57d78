"""etcd: a versioned key-value store with revisions, prefix ranges, watches and compaction.

Notes
-----
Mirrors the etcd v3 data model the API server relies on: one global ``revision``
bumped by every write; per key a ``create_revision``, ``mod_revision`` and
``version``; range reads by prefix (sorted by key); watches that deliver every
change after a revision in order; a bounded history that is compacted, after which
a watch from an older revision fails (the API server turns that into ``410 Gone``).

Values are stored as the Python objects given (the API server never mutates a stored
object), so a read costs no copy. Keys follow the API server's layout, e.g.
``/registry/pods/default/web`` and ``/registry/minions/node-1``.

Used in: 01_api_server_and_etcd.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

__all__ = ["Etcd", "KeyValue", "EtcdEvent", "EtcdWatch", "CompactedError"]


@dataclass(slots=True, frozen=True)
class KeyValue:
    """One stored key: value plus its revisions."""

    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int


@dataclass(slots=True, frozen=True)
class EtcdEvent:
    """A change: ``PUT`` (create or update) or ``DELETE``, at ``revision``."""

    type: str
    kv: KeyValue
    prev_kv: KeyValue | None
    revision: int


class CompactedError(Exception):
    """A watch or read asked for a revision that compaction already removed."""

    def __init__(self, revision: int, compact_revision: int) -> None:
        super().__init__(f"mvcc: required revision has been compacted (asked {revision}, compacted {compact_revision})")
        self.revision = revision
        self.compact_revision = compact_revision


class EtcdWatch:
    """A watch on a key prefix; call :meth:`cancel` to stop it."""

    __slots__ = ("prefix", "callback", "active", "_etcd")

    def __init__(self, etcd: Etcd, prefix: str, callback: Callable[[EtcdEvent], None]) -> None:
        self.prefix = prefix
        self.callback = callback
        self.active = True
        self._etcd = etcd

    def cancel(self) -> None:
        if self.active:
            self.active = False
            self._etcd._watches.remove(self)


def _dirs(key: str) -> list[str]:
    """Every directory prefix of a key: ``/a/b/c`` -> ``/``, ``/a/``, ``/a/b/``."""
    out = []
    i = key.find("/")
    while i != -1:
        out.append(key[: i + 1])
        i = key.find("/", i + 1)
    return out


class Etcd:
    """The store. ``history_limit`` bounds how many past events are kept for watches.

    Examples
    --------
    >>> db = Etcd()
    >>> db.put("/registry/pods/default/web", {"v": 1}).mod_revision
    1
    >>> db.put("/registry/pods/default/web", {"v": 2}).create_revision
    1
    >>> [kv.key for kv in db.range("/registry/pods/")]
    ['/registry/pods/default/web']
    """

    def __init__(self, history_limit: int = 100_000) -> None:
        self.revision = 0
        self.compact_revision = 0
        self.history_limit = history_limit
        self._data: dict[str, KeyValue] = {}
        self._dirs: dict[str, dict[str, KeyValue]] = {}
        self._history: deque[EtcdEvent] = deque()
        self._watches: list[EtcdWatch] = []

    # -- reads -------------------------------------------------------------------------
    def get(self, key: str) -> KeyValue | None:
        return self._data.get(key)

    def range(self, prefix: str) -> list[KeyValue]:
        """Every key starting with ``prefix``, sorted by key (as etcd returns them)."""
        bucket = self._dirs.get(prefix)
        if bucket is not None:
            items = bucket.values()
        else:
            parent = prefix[: prefix.rfind("/") + 1]
            items = [kv for kv in self._dirs.get(parent, {}).values() if kv.key.startswith(prefix)]
        return sorted(items, key=_kv_key)

    def count(self, prefix: str) -> int:
        bucket = self._dirs.get(prefix)
        if bucket is not None:
            return len(bucket)
        return len(self.range(prefix))

    def keys(self, prefix: str = "/") -> list[str]:
        return [kv.key for kv in self.range(prefix)]

    def __len__(self) -> int:
        return len(self._data)

    # -- writes ------------------------------------------------------------------------
    def put(self, key: str, value: Any, *, expect_mod_revision: int | None = None) -> KeyValue:
        """Store ``value`` at ``key`` and bump the revision.

        ``expect_mod_revision`` makes it a compare-and-swap (a transaction
        ``If(mod_revision(key) == n).Then(Put)``): it raises ValueError when the key's
        current mod_revision differs (0 means "must not exist").
        """
        prev = self._data.get(key)
        if expect_mod_revision is not None:
            current = prev.mod_revision if prev else 0
            if current != expect_mod_revision:
                raise ValueError(f"compare failed: {key} is at revision {current}, not {expect_mod_revision}")
        self.revision += 1
        rev = self.revision
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1)
            for d in _dirs(key):
                bucket = self._dirs.get(d)
                if bucket is None:
                    bucket = self._dirs[d] = {}
                bucket[key] = kv
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1)
            for d in _dirs(key):
                self._dirs[d][key] = kv
        self._data[key] = kv
        self._record(EtcdEvent("PUT", kv, prev, rev))
        return kv

    def delete(self, key: str) -> KeyValue | None:
        """Delete ``key``; returns the deleted key-value (None if absent: no revision bump)."""
        prev = self._data.pop(key, None)
        if prev is None:
            return None
        for d in _dirs(key):
            bucket = self._dirs[d]
            del bucket[key]
            if not bucket:
                del self._dirs[d]
        self.revision += 1
        tomb = KeyValue(key, prev.value, prev.create_revision, self.revision, 0)
        self._record(EtcdEvent("DELETE", tomb, prev, self.revision))
        return prev

    def _record(self, event: EtcdEvent) -> None:
        history = self._history
        history.append(event)
        if len(history) > self.history_limit:
            self.compact(history[len(history) - self.history_limit].revision - 1)
        for w in list(self._watches):
            if w.active and event.kv.key.startswith(w.prefix):
                w.callback(event)

    # -- history -----------------------------------------------------------------------
    def compact(self, revision: int) -> None:
        """Forget history up to and including ``revision``."""
        revision = min(revision, self.revision)
        if revision <= self.compact_revision:
            return
        history = self._history
        while history and history[0].revision <= revision:
            history.popleft()
        self.compact_revision = revision

    def history(self, prefix: str, after: int) -> list[EtcdEvent]:
        """Events on keys under ``prefix`` with revision > ``after``; CompactedError if gone."""
        if after < self.compact_revision:
            raise CompactedError(after, self.compact_revision)
        history = self._history
        if not history or history[-1].revision <= after:
            return []
        # revisions are contiguous in the history: index straight to the first one needed
        start = max(0, after + 1 - history[0].revision)
        return [e for e in islice(history, start, None) if e.kv.key.startswith(prefix)]

    def watch(self, prefix: str, callback: Callable[[EtcdEvent], None], start_revision: int | None = None) -> EtcdWatch:
        """Deliver every change under ``prefix`` to ``callback``, in revision order.

        With ``start_revision`` the events since then (``> start_revision - 1``) are
        replayed first; a compacted start raises :class:`CompactedError`.
        """
        replay = [] if start_revision is None else self.history(prefix, start_revision - 1)
        w = EtcdWatch(self, prefix, callback)
        for event in replay:
            callback(event)
        self._watches.append(w)
        return w


def _kv_key(kv: KeyValue) -> str:
    return kv.key
