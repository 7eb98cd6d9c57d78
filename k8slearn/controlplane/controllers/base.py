"""The shape every controller shares: watch, enqueue a key, reconcile it.

Notes
-----
Mirrors client-go's informer + ``workqueue`` pattern: watch handlers only put the
object's key on a de-duplicating queue; the controller's worker later takes keys off
the queue and reconciles desired against observed state through the API server.
Work runs as clock events (priority CONTROLLER), so a lesson can step through it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from ...api.objects import key_of
from ...clock import Clock, Priority, Timer
from ..apiserver import WatchEvent

if TYPE_CHECKING:
    from ...cluster import Cluster

__all__ = ["Controller", "WorkQueue"]


class WorkQueue:
    """A FIFO of keys without duplicates, drained by clock events.

    ``process(key)`` returns None when done or a delay in seconds to retry the key.
    """

    def __init__(
        self,
        clock: Clock,
        process: Callable[[Any], float | None],
        *,
        label: str,
        priority: int = Priority.CONTROLLER,
        batch: int = 1000,
    ) -> None:
        self.clock = clock
        self.process = process
        self.label = label
        self.priority = priority
        self.batch = batch
        self._items: dict[Hashable, None] = {}
        self._timer: Timer | None = None
        self._later: dict[Hashable, Timer] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def add(self, key: Hashable) -> None:
        if key not in self._items:
            self._items[key] = None
            if self._timer is None:
                self._timer = self.clock.schedule(0, self._run, priority=self.priority, label=self.label)

    def add_after(self, key: Hashable, delay: float) -> None:
        """Add ``key`` after ``delay`` seconds (an earlier pending request wins)."""
        if delay <= 0:
            self.add(key)
            return
        due = self.clock.now + delay
        timer = self._later.get(key)
        if timer is not None and not timer.cancelled:
            if timer.time <= due:
                return
            timer.cancel()
        self._later[key] = self.clock.at(due, lambda: self._fire(key), priority=self.priority, label=self.label)

    def _fire(self, key: Hashable) -> None:
        self._later.pop(key, None)
        self.add(key)

    def _run(self) -> None:
        self._timer = None
        items = self._items
        for _ in range(min(self.batch, len(items))):
            key = next(iter(items))
            del items[key]
            retry = self.process(key)
            if retry is not None:
                self.add_after(key, retry)
        if items and self._timer is None:
            self._timer = self.clock.schedule(0, self._run, priority=self.priority, label=self.label)


class Controller:
    """Base class: subclasses set ``name`` and ``watches`` and implement ``reconcile``.

    The first kind in ``watches`` is the primary kind: its events enqueue the
    object's own key ``(namespace, name)``. Override :meth:`enqueue_for` to map events of
    the other kinds to primary keys (e.g. a Pod event to its owner ReplicaSet).
    """

    name = "controller"
    watches: tuple[str, ...] = ()

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.clock = cluster.clock
        self.recorder = cluster.recorder(self.name)
        self.queue = WorkQueue(self.clock, self.reconcile, label=self.name)
        self.started = False

    @property
    def component(self) -> str:
        """Who this controller is to the API server: watch owner and audit user."""
        return f"kube-controller-manager/{self.name}"

    def start(self) -> None:
        """Open the watches (with initial events, like an informer's list)."""
        if self.started:
            return
        self.started = True
        for kind in self.watches:
            self.api.watch(kind, self._handler(kind), send_initial_events=True, owner=self.component)

    def _handler(self, kind: str) -> Callable[[WatchEvent], None]:
        def handle(event: WatchEvent) -> None:
            self.enqueue_for(kind, event)

        return handle

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if kind == self.watches[0]:
            self.queue.add(key_of(event.object))

    def reconcile(self, key: Any) -> float | None:
        """Make observed state match desired state for ``key``; return a retry delay or None."""
        raise NotImplementedError
