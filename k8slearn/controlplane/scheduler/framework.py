"""The scheduling framework: extension points, Status codes, CycleState and the plugin runner.

A scheduling cycle calls the enabled plugins of one profile at fixed extension points:
PreEnqueue and QueueSort (the queue), PreFilter, Filter and PostFilter (which nodes can
run the pod, and preemption when none can), PreScore, Score and NormalizeScore (which
feasible node is best), then Reserve, Permit, PreBind, Bind and PostBind. A plugin
answers with a :class:`Status`: the code tells the framework what to do next. The
difference between ``Unschedulable`` and ``UnschedulableAndUnresolvable`` is what
preemption looks at: only nodes that failed with ``Unschedulable`` can be helped by
evicting pods.

Notes
-----
Mirrors ``k8s.io/kube-scheduler/framework`` (interfaces, ``Status``, ``Code``) and
``pkg/scheduler/framework/runtime/framework.go`` (``RunPreFilterPlugins`` ...
``RunBindPlugins``) and ``types.go`` (``Diagnosis``, ``FitError``).
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .cache import NodeInfo
    from .config import Profile

__all__ = [
    "Code",
    "Status",
    "SUCCESS",
    "CycleState",
    "PreFilterResult",
    "PostFilterResult",
    "NOMINATE_NOOP",
    "NOMINATE_OVERRIDE",
    "Plugin",
    "ClusterEvent",
    "ActionType",
    "EXTENSION_POINTS",
    "Diagnosis",
    "fit_error_message",
    "NO_NODE_AVAILABLE_MSG",
    "ERR_NO_NODES_AVAILABLE",
    "ScoreResult",
    "LazyNames",
    "VectorFilter",
    "Framework",
    "is_success",
]

MAX_NODE_SCORE = 100
#: The start of the FailedScheduling message (types.go ``NoNodeAvailableMsg``).
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"
#: ``ErrNoNodesAvailable``: the scheduler has no nodes at all.
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"

#: Extension points in the order a pod meets them.
EXTENSION_POINTS = (
    "PreEnqueue",
    "QueueSort",
    "PreFilter",
    "Filter",
    "PostFilter",
    "PreScore",
    "Score",
    "Reserve",
    "Permit",
    "PreBind",
    "Bind",
    "PostBind",
)


class Code(IntEnum):
    """What a plugin's answer means (upstream ``fwk.Code``, same order)."""

    SUCCESS = 0  #: the plugin is happy
    ERROR = 1  #: something broke; the pod is retried after a back-off
    UNSCHEDULABLE = 2  #: this node cannot take the pod now; preemption may help
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3  #: no eviction on this node would help
    WAIT = 4  #: Permit: hold the pod before binding
    SKIP = 5  #: nothing to do for this pod: the coupled Filter/Score is not run
    PENDING = 6  #: waiting for something outside the scheduler

    def __str__(self) -> str:
        return _CODE_NAMES[self]


_CODE_NAMES = {
    Code.SUCCESS: "Success",
    Code.ERROR: "Error",
    Code.UNSCHEDULABLE: "Unschedulable",
    Code.UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable",
    Code.WAIT: "Wait",
    Code.SKIP: "Skip",
    Code.PENDING: "Pending",
}


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin's answer: a :class:`Code`, reason strings and the plugin that gave it.

    Examples
    --------
    >>> s = Status.unschedulable("Insufficient cpu", "Insufficient memory")
    >>> s.message, s.is_rejected
    ('Insufficient cpu, Insufficient memory', True)
    """

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @classmethod
    def unschedulable(cls, *reasons: str) -> Status:
        return cls(Code.UNSCHEDULABLE, reasons)

    @classmethod
    def unresolvable(cls, *reasons: str) -> Status:
        return cls(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)

    @classmethod
    def skip(cls) -> Status:
        return _SKIP

    @classmethod
    def error(cls, message: str) -> Status:
        return cls(Code.ERROR, (message,))

    @property
    def message(self) -> str:
        """The reasons joined with ``", "`` (``Status.Message``)."""
        return ", ".join(self.reasons)

    @property
    def is_success(self) -> bool:
        return self.code == Code.SUCCESS

    @property
    def is_skip(self) -> bool:
        return self.code == Code.SKIP

    @property
    def is_rejected(self) -> bool:
        """Unschedulable, UnschedulableAndUnresolvable or Pending."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, Code.PENDING)

    def with_plugin(self, name: str) -> Status:
        return self if self.plugin == name else Status(self.code, self.reasons, name)

    def __repr__(self) -> str:
        tail = f" {self.message!r}" if self.reasons else ""
        who = f" [{self.plugin}]" if self.plugin else ""
        return f"<Status {self.code}{tail}{who}>"


SUCCESS = Status()
_SKIP = Status(Code.SKIP)


def is_success(status: Status | None) -> bool:
    """None means success, as Go's nil ``*Status``."""
    return status is None or status.code == Code.SUCCESS


class CycleState:
    """Per-cycle scratch space the plugins share (PreFilter writes, Filter reads).

    Values with a ``clone()`` method are cloned by :meth:`clone` (preemption works on
    copies); others are shared.
    """

    __slots__ = ("_data", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.skip_filter_plugins: frozenset[str] = frozenset()
        self.skip_score_plugins: frozenset[str] = frozenset()

    def write(self, key: str, value: Any) -> None:
        self._data[key] = value

    def read(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def clone(self) -> CycleState:
        out = CycleState()
        out._data = {k: (v.clone() if hasattr(v, "clone") else v) for k, v in self._data.items()}
        out.skip_filter_plugins = self.skip_filter_plugins
        out.skip_score_plugins = self.skip_score_plugins
        return out


@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """A PreFilter plugin can narrow the nodes to look at (None: all nodes)."""

    node_names: frozenset[str] | None = None

    @property
    def all_nodes(self) -> bool:
        return self.node_names is None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        if other is None or other.all_nodes:
            return self
        if self.all_nodes:
            return other
        return PreFilterResult(self.node_names & other.node_names)


NOMINATE_NOOP = "Noop"
NOMINATE_OVERRIDE = "Override"


@dataclass(frozen=True, slots=True)
class PostFilterResult:
    """What PostFilter (preemption) decided: set or clear ``status.nominatedNodeName``."""

    nominated_node_name: str = ""
    mode: str = NOMINATE_OVERRIDE


class ActionType:
    """Bit flags of cluster events (upstream ``fwk.ActionType``)."""

    ADD = 1 << 0
    DELETE = 1 << 1
    UPDATE_NODE_ALLOCATABLE = 1 << 2
    UPDATE_NODE_LABEL = 1 << 3
    UPDATE_NODE_TAINT = 1 << 4
    UPDATE_NODE_CONDITION = 1 << 5
    UPDATE_NODE_ANNOTATION = 1 << 6
    UPDATE_POD_LABEL = 1 << 7
    UPDATE_POD_SCALE_DOWN = 1 << 8
    UPDATE_POD_TOLERATION = 1 << 9
    UPDATE_POD_SCHEDULING_GATES_ELIMINATED = 1 << 10
    UPDATE_POD_OTHER = 1 << 11
    UPDATE = (1 << 12) - 1 - ADD - DELETE
    ALL = (1 << 12) - 1


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """A change a plugin cares about: ``resource`` (``Node``, ``Pod``) and action bits.

    ``Pod`` events are about pods bound to nodes; ``UnscheduledPod`` events about the
    pod waiting in the queue itself.
    """

    resource: str
    action: int
    label: str = ""

    def matches(self, incoming: ClusterEvent) -> bool:
        return (self.resource in ("*", incoming.resource)) and bool(self.action & incoming.action)


#: A QueueingHint function: ``hint(pod, old, new) -> True`` means "this may help, requeue".
QueueingHintFn = Callable[[Mapping, Any, Any], bool]


class Plugin:
    """Base of every scheduler plugin: a ``name`` and ``(args, handle)`` construction.

    A plugin takes part in an extension point by defining its method (``filter``,
    ``score`` ...). Optional fast paths (``filter_vector``, ``score_vector``) compute
    the same answers for many nodes at once with numpy.
    """

    name = "Plugin"
    #: NormalizeScore is only run for plugins that set this.
    has_normalize = False

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        self.args = args
        self.handle = handle

    def events_to_register(self) -> list[tuple[ClusterEvent, QueueingHintFn | None]]:
        """Cluster events after which a pod this plugin rejected may fit (with hints)."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


@dataclass
class VectorFilter:
    """A Filter plugin's answer for many nodes at once (its numpy fast path).

    ``fail[i]`` says whether the i-th node (in the order asked) is rejected (``fail``
    None: no node is); its status is ``status`` or, when ``codes`` is given,
    ``statuses[codes[i]]``.
    """

    fail: np.ndarray | None
    status: Status | None = None
    codes: np.ndarray | None = None
    statuses: Sequence[Status] = ()

    @classmethod
    def node_by_node(
        cls, check: Callable[[Any], Status | None], infos: Sequence[Any], order: np.ndarray
    ) -> VectorFilter:
        """Run a per-node Filter ``check(node_info)`` over ``order``: for rules with no numpy form."""
        fail = np.zeros(len(order), dtype=bool)
        codes = np.zeros(len(order), dtype=np.int64)
        statuses: list[Status] = []
        index: dict[tuple[str, ...], int] = {}
        for i, slot in enumerate(order.tolist()):
            st = check(infos[slot])
            if st is not None:
                fail[i] = True
                code = index.get(st.reasons)
                if code is None:
                    code = index[st.reasons] = len(statuses)
                    statuses.append(st)
                codes[i] = code
        if not statuses:
            return cls(None, Status())
        return cls(fail, None, codes, statuses)

    def rejects(self, i: int) -> bool:
        return self.fail is not None and bool(self.fail[i])

    def status_at(self, i: int) -> Status:
        if self.codes is None:
            return self.status  # type: ignore[return-value]
        return self.statuses[int(self.codes[i])]


# -- diagnosis and the FailedScheduling message ---------------------------------------------------


@dataclass
class Diagnosis:
    """Why a pod fits nowhere: the status of every node that was looked at.

    Notes
    -----
    Mirrors ``framework.Diagnosis`` with ``NodeToStatus``: nodes not in
    ``node_to_status`` get ``absent_status`` (by default an UnschedulableAndUnresolvable
    status without reasons).
    """

    node_to_status: dict[str, Status] = field(default_factory=dict)
    absent_status: Status = field(default_factory=lambda: Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE))
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def status_of(self, node_name: str) -> Status:
        return self.node_to_status.get(node_name, self.absent_status)

    def add_plugin_status(self, status: Status) -> None:
        if not status.plugin:
            return
        if status.is_rejected:
            self.unschedulable_plugins.add(status.plugin)
        if status.code == Code.PENDING:
            self.pending_plugins.add(status.plugin)


def reasons_histogram(counts: Mapping[str, int]) -> list[str]:
    """``["<count> <reason>", ...]`` sorted as plain strings (so "10 x" sorts before "2 y").

    Examples
    --------
    >>> reasons_histogram({"Insufficient cpu": 2, "node(s) had untolerated taint(s)": 10})
    ['10 node(s) had untolerated taint(s)', '2 Insufficient cpu']
    """
    return sorted(f"{v} {k}" for k, v in counts.items())


def fit_error_message(num_all_nodes: int, diagnosis: Diagnosis) -> str:
    """The FailedScheduling message: ``0/3 nodes are available: 1 ..., 2 .... <postfilter>``.

    Every distinct reason is counted over the nodes that gave it (a node with two reasons
    counts once for each), the ``"<count> <reason>"`` items are sorted as strings and
    joined with ", ", then the PostFilter (preemption) message follows.

    Examples
    --------
    >>> d = Diagnosis(
    ...     {
    ...         "a": Status.unschedulable("Insufficient cpu"),
    ...         "b": Status.unresolvable("node(s) had untolerated taint(s)"),
    ...     }
    ... )
    >>> fit_error_message(2, d)
    '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).'

    Notes
    -----
    Mirrors ``FitError.Error`` in ``pkg/scheduler/framework/types.go``.
    """
    msg = NO_NODE_AVAILABLE_MSG.format(num_all_nodes) + ":"
    if diagnosis.pre_filter_msg:
        msg += f" {diagnosis.pre_filter_msg}."
    else:
        counts: dict[str, int] = {}
        for status in diagnosis.node_to_status.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        absent = num_all_nodes - len(diagnosis.node_to_status)
        if absent > 0:
            for reason in diagnosis.absent_status.reasons:
                counts[reason] = counts.get(reason, 0) + absent
        items = reasons_histogram(counts)
        if items:
            msg += " " + ", ".join(items) + "."
    if diagnosis.post_filter_msg:
        msg += " " + diagnosis.post_filter_msg
    return msg


# -- the plugin runner ----------------------------------------------------------------------------


@dataclass
class ScoreResult:
    """Scores of the feasible nodes: raw and normalized per plugin, weighted totals.

    ``nodes`` (the node names, in the order of the arrays) may be given lazily.
    """

    names: Sequence[str]
    plugins: list[str]
    raw: dict[str, np.ndarray]
    normalized: dict[str, np.ndarray]
    weights: dict[str, int]
    total: np.ndarray
    skipped: frozenset[str] = frozenset()
    slots: np.ndarray | None = None

    @property
    def nodes(self) -> list[str]:
        if not isinstance(self.names, list):
            self.names = list(self.names)
        return self.names


class LazyNames(Sequence):
    """Node names of table rows, built only when someone reads them."""

    __slots__ = ("_source", "_slots", "_names")

    def __init__(self, source: Sequence[str], slots: np.ndarray) -> None:
        self._source = source
        self._slots = slots
        self._names: list[str] | None = None

    def _list(self) -> list[str]:
        if self._names is None:
            src = self._source
            self._names = [src[s] for s in self._slots.tolist()]
        return self._names

    def __len__(self) -> int:
        return len(self._slots)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, int) and self._names is None:
            return self._source[int(self._slots[i])]
        return self._list()[i]

    def __iter__(self) -> Any:
        return iter(self._list())


class Framework:
    """One scheduling profile: its plugins per extension point, weights and knobs.

    Parameters
    ----------
    profile
        A :class:`~k8slearn.controlplane.scheduler.config.Profile`.
    handle
        What plugins may use: the scheduler (cache snapshot, API, nominated pods, rng).
    """

    def __init__(self, profile: Profile, handle: Any = None, registry: Mapping[str, type] | None = None) -> None:
        from .plugins import REGISTRY

        registry = REGISTRY if registry is None else registry
        self.profile = profile
        self.profile_name = profile.scheduler_name
        self.handle = handle
        self.percentage_of_nodes_to_score = profile.percentage_of_nodes_to_score
        self.plugins: dict[str, Plugin] = {}
        for name in profile.all_plugin_names():
            cls = registry.get(name)
            if cls is None:
                raise ValueError(f'plugin "{name}" does not exist')
            self.plugins[name] = cls(profile.plugin_args.get(name), self)
        points = profile.plugins

        def enabled(point: str, method: str) -> list[Plugin]:
            out = []
            for name in points.get(point, ()):
                pl = self.plugins[name]
                if hasattr(pl, method):
                    out.append(pl)
            return out

        self.pre_enqueue_plugins = enabled("PreEnqueue", "pre_enqueue")
        self.queue_sort_plugins = enabled("QueueSort", "less")
        self.pre_filter_plugins = enabled("PreFilter", "pre_filter")
        self.filter_plugins = enabled("Filter", "filter")
        self.post_filter_plugins = enabled("PostFilter", "post_filter")
        self.pre_score_plugins = enabled("PreScore", "pre_score")
        self.score_plugins = enabled("Score", "score")
        self.reserve_plugins = enabled("Reserve", "reserve")
        self.permit_plugins = enabled("Permit", "permit")
        self.pre_bind_plugins = enabled("PreBind", "pre_bind")
        self.bind_plugins = enabled("Bind", "bind")
        self.post_bind_plugins = enabled("PostBind", "post_bind")
        self.score_weights = {pl.name: profile.score_weights.get(pl.name, 1) for pl in self.score_plugins}
        self._filter_order = {pl.name: i for i, pl in enumerate(self.filter_plugins)}
        if len(self.queue_sort_plugins) != 1:
            raise ValueError(
                "no queue sort plugin is enabled"
                if not self.queue_sort_plugins
                else "only one queue sort plugin can be enabled"
            )
        if not self.bind_plugins:
            raise ValueError("at least one bind plugin is needed")

    # -- access for plugins ------------------------------------------------------------------
    @property
    def snapshot(self) -> Any:
        return self.handle.cache if self.handle is not None else None

    def __getattr__(self, name: str) -> Any:
        # plugins reach scheduler services (api, rng, nominator ...) through the handle
        if name.startswith("_") or self.__dict__.get("handle") is None:
            raise AttributeError(name)
        return getattr(self.__dict__["handle"], name)

    # -- extension points ----------------------------------------------------------------------
    def less(self, a: Any, b: Any) -> bool:
        return self.queue_sort_plugins[0].less(a, b)

    def run_pre_enqueue(self, pod: Mapping) -> Status | None:
        for pl in self.pre_enqueue_plugins:
            s = pl.pre_enqueue(pod)
            if not is_success(s):
                return s.with_plugin(pl.name)
        return None

    def run_pre_filter(
        self, state: CycleState, pod: Mapping, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None, set[str], dict[str, Status | PreFilterResult | None]]:
        """Run PreFilter plugins; returns (result, status, plugins_with_nodes, per-plugin record)."""
        skip: set[str] = set()
        result: PreFilterResult | None = None
        with_nodes: set[str] = set()
        record: dict[str, Any] = {}
        return_status: Status | None = None
        try:
            for pl in self.pre_filter_plugins:
                r, s = pl.pre_filter(state, pod, nodes)
                record[pl.name] = (s, r)
                if s is not None and s.is_skip:
                    skip.add(pl.name)
                    continue
                if not is_success(s):
                    s = s.with_plugin(pl.name)
                    if s.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                        return None, s, set(), record
                    if s.code == Code.UNSCHEDULABLE:
                        return_status = s
                        continue
                    return None, Status.error(f'running PreFilter plugin "{pl.name}": {s.message}'), set(), record
                if r is not None and not r.all_nodes:
                    with_nodes.add(pl.name)
                result = r if result is None else result.merge(r)
                if result is not None and not result.all_nodes and not result.node_names:
                    names = sorted(with_nodes)
                    if len(names) == 1:
                        msg = f"node(s) didn't satisfy plugin {names[0]}"
                    else:
                        msg = f"node(s) didn't satisfy plugin(s) [{' '.join(names)}] simultaneously"
                    return result, Status.unresolvable(msg), with_nodes, record
            return result, return_status, with_nodes, record
        finally:
            state.skip_filter_plugins = frozenset(skip)

    def active_filter_plugins(self, state: CycleState) -> list[Plugin]:
        skip = state.skip_filter_plugins
        return [pl for pl in self.filter_plugins if pl.name not in skip]

    def run_filter(self, state: CycleState, pod: Mapping, node_info: NodeInfo) -> Status | None:
        """Filter plugins in order; the first that rejects decides (its status names it)."""
        skip = state.skip_filter_plugins
        for pl in self.filter_plugins:
            if pl.name in skip:
                continue
            s = pl.filter(state, pod, node_info)
            if s is not None and s.code != Code.SUCCESS:
                if not s.is_rejected:
                    s = Status.error(f'running "{pl.name}" filter plugin: {s.message}')
                return s.with_plugin(pl.name)
        return None

    def run_filter_traced(self, state: CycleState, pod: Mapping, node_info: NodeInfo) -> tuple[Status | None, int]:
        """Like :meth:`run_filter`, also returning how many plugins ran (for the record)."""
        skip = state.skip_filter_plugins
        n = 0
        for pl in self.filter_plugins:
            if pl.name in skip:
                continue
            n += 1
            s = pl.filter(state, pod, node_info)
            if s is not None and s.code != Code.SUCCESS:
                if not s.is_rejected:
                    s = Status.error(f'running "{pl.name}" filter plugin: {s.message}')
                return s.with_plugin(pl.name), n
        return None, n

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: Mapping, pod_info: Any, node_info: NodeInfo
    ) -> None:
        for pl in self.pre_filter_plugins:
            if pl.name in state.skip_filter_plugins or not hasattr(pl, "add_pod"):
                continue
            pl.add_pod(state, pod, pod_info, node_info)

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: Mapping, pod_info: Any, node_info: NodeInfo
    ) -> None:
        for pl in self.pre_filter_plugins:
            if pl.name in state.skip_filter_plugins or not hasattr(pl, "remove_pod"):
                continue
            pl.remove_pod(state, pod, pod_info, node_info)

    def nominated_pods_for_node(self, node_name: str) -> list[Any]:
        handle = self.__dict__.get("handle")
        if handle is None or not hasattr(handle, "nominated_pods_for_node"):
            return []
        return handle.nominated_pods_for_node(node_name)

    def run_filter_with_nominated_pods(self, state: CycleState, pod: Mapping, node_info: NodeInfo) -> Status | None:
        """Filter as if higher-or-equal priority pods nominated to this node already ran there.

        If any were added and all filters pass, filters run once more without them (pod
        affinity may need them absent), so the decision is conservative both ways.
        """
        from .plugins.helpers import pod_priority

        nominated = self.nominated_pods_for_node(node_info.name)
        added = False
        state_used, info_used = state, node_info
        if nominated:
            prio = pod_priority(pod)
            uid = (pod.get("metadata") or {}).get("uid")
            for pi in nominated:
                if pi.priority >= prio and pi.uid != uid:
                    if not added:
                        info_used = node_info.clone()
                        state_used = state.clone()
                        added = True
                    info_used.add_pod_info(pi)
                    self.run_pre_filter_extension_add_pod(state_used, pod, pi, info_used)
        status = self.run_filter(state_used, pod, info_used)
        if added and is_success(status):
            status = self.run_filter(state, pod, node_info)
        return status

    def run_post_filter(
        self, state: CycleState, pod: Mapping, diagnosis: Diagnosis
    ) -> tuple[PostFilterResult | None, Status]:
        result: PostFilterResult | None = None
        reasons: list[str] = []
        rejector = ""
        for pl in self.post_filter_plugins:
            r, s = pl.post_filter(state, pod, diagnosis)
            if s is None or s.is_success:
                return r, SUCCESS.with_plugin(pl.name)
            if s.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return r, s.with_plugin(pl.name)
            if not s.is_rejected:
                return None, Status(Code.ERROR, s.reasons, pl.name)
            if r is not None and r.mode != NOMINATE_NOOP:
                result = r
            reasons.extend(s.reasons)
            if not rejector:
                rejector = pl.name
        return result, Status(Code.UNSCHEDULABLE, tuple(reasons), rejector)

    def run_pre_score(self, state: CycleState, pod: Mapping, nodes: Sequence[NodeInfo]) -> tuple[Status | None, dict]:
        skip: set[str] = set()
        record: dict[str, Status | None] = {}
        try:
            for pl in self.pre_score_plugins:
                s = pl.pre_score(state, pod, nodes)
                record[pl.name] = s
                if s is not None and s.is_skip:
                    skip.add(pl.name)
                    continue
                if not is_success(s):
                    return Status.error(f'running PreScore plugin "{pl.name}": {s.message}'), record
            return None, record
        finally:
            state.skip_score_plugins = frozenset(skip)

    def run_score(
        self, state: CycleState, pod: Mapping, nodes: Sequence[NodeInfo], slots: np.ndarray | None = None
    ) -> ScoreResult:
        """Score, normalize and weight every node for every non-skipped Score plugin.

        ``slots`` (positions of ``nodes`` in the cache's node table) enables the
        numpy fast paths of plugins that have one; the results are identical.
        """
        skip = state.skip_score_plugins
        if slots is not None and self.snapshot is not None:
            names: Sequence[str] = LazyNames(self.snapshot.table.names, slots)
        else:
            names = [n.name for n in nodes]
        raw: dict[str, np.ndarray] = {}
        normalized: dict[str, np.ndarray] = {}
        total = np.zeros(len(nodes), dtype=np.int64)
        run = [pl for pl in self.score_plugins if pl.name not in skip]
        for pl in run:
            scores = None
            if slots is not None and hasattr(pl, "score_vector"):
                scores = pl.score_vector(state, pod, slots)
            if scores is None:
                scores = np.fromiter((pl.score(state, pod, ni) for ni in nodes), dtype=np.int64, count=len(nodes))
            raw[pl.name] = scores
            if pl.has_normalize:
                norm = pl.normalize_score(state, pod, names, scores.copy())
            else:
                norm = scores
            if pl.has_normalize and len(norm) and (norm.max() > MAX_NODE_SCORE or norm.min() < 0):
                bad = int(norm.max() if norm.max() > MAX_NODE_SCORE else norm.min())
                raise RuntimeError(
                    f'plugin "{pl.name}" returns an invalid score {bad}, it should in the range of [0, 100] after normalizing'
                )
            normalized[pl.name] = norm
            weight = self.score_weights[pl.name]
            total += norm if weight == 1 else norm * weight
        return ScoreResult(
            names, [pl.name for pl in run], raw, normalized, self.score_weights, total, frozenset(skip), slots
        )

    def run_reserve(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        for pl in self.reserve_plugins:
            s = pl.reserve(state, pod, node_name)
            if not is_success(s):
                return s.with_plugin(pl.name)
        return None

    def run_unreserve(self, state: CycleState, pod: Mapping, node_name: str) -> None:
        for pl in reversed(self.reserve_plugins):
            if hasattr(pl, "unreserve"):
                pl.unreserve(state, pod, node_name)

    def run_permit(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        for pl in self.permit_plugins:
            s = pl.permit(state, pod, node_name)
            if not is_success(s):
                return s.with_plugin(pl.name)
        return None

    def run_pre_bind(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        for pl in self.pre_bind_plugins:
            s = pl.pre_bind(state, pod, node_name)
            if s is not None and s.is_skip:
                continue
            if not is_success(s):
                return s.with_plugin(pl.name)
        return None

    def run_bind(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        status: Status | None = Status.skip()
        for pl in self.bind_plugins:
            status = pl.bind(state, pod, node_name)
            if status is not None and status.is_skip:
                continue
            return None if is_success(status) else status.with_plugin(pl.name)
        return status

    def run_post_bind(self, state: CycleState, pod: Mapping, node_name: str) -> None:
        for pl in self.post_bind_plugins:
            pl.post_bind(state, pod, node_name)

    # -- queueing ------------------------------------------------------------------------------
    def events_by_plugin(self) -> dict[str, list[tuple[ClusterEvent, QueueingHintFn | None]]]:
        return {name: pl.events_to_register() for name, pl in self.plugins.items()}

    def filter_order(self, plugin: str) -> int:
        return self._filter_order.get(plugin, 1 << 30)

    def __repr__(self) -> str:
        return f"<Framework {self.profile_name} plugins={len(self.plugins)}>"


def plugin_names(plugins: Iterable[Plugin]) -> list[str]:
    return [p.name for p in plugins]
