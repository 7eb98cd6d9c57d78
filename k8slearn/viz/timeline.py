"""Timelines of self-healing: which pod ran where, when, and the node moments around it.

:class:`PodHistory` watches the API server (like any component) and records every pod's
state over time and the moments that matter on nodes: the last heartbeat (Lease
renewal), the Ready condition leaving True, the taints added, and the evictions.
:func:`plot_timeline` draws it as a Gantt chart grouped by node; :func:`draw_pod_grid`
draws a small "which pods sit on which node right now" picture.

Used in: 05_self_healing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clock import parse_timestamp
from .style import COLORS, POD_COLORS, apply_style, pod_color

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["PodHistory", "Marker", "pod_state", "plot_timeline", "draw_pod_grid", "STATE_COLORS"]

#: Bar colours of the timeline's pod states (the lesson palette).
STATE_COLORS = {
    "Pending": POD_COLORS["Pending"],
    "Running": POD_COLORS["Running"],
    "NotReady": "#a7d7b0",  # a pale green: the container runs, the pod is not Ready
    "Terminating": POD_COLORS["Terminating"],
    "Succeeded": POD_COLORS["Succeeded"],
    "Failed": POD_COLORS["Failed"],
}

#: Marker kinds, their colours and labels in the legend.
MARKER_STYLE = {
    "failure": (COLORS["highlight"], "node failed"),
    "heartbeat": ("#7c2d12", "last heartbeat"),
    "notready": ("#d62828", "NotReady"),
    "taint": (COLORS["service"], "NoExecute taint"),
    "eviction": (COLORS["control-plane"], "pods evicted"),
    "ready": (POD_COLORS["Running"], "Ready again"),
}


_LINESTYLE = {"heartbeat": ":", "failure": "--"}


def pod_state(pod: dict) -> str:
    """The timeline state of a pod: Pending, Running, NotReady, Terminating, Succeeded or Failed."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    if phase in ("Succeeded", "Failed"):
        return phase
    if phase != "Running" or not (pod.get("spec") or {}).get("nodeName"):
        return "Pending"
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return "Running" if ready is not None and ready.get("status") == "True" else "NotReady"


@dataclass(frozen=True)
class Marker:
    """A moment on a node: ``kind`` is failure, heartbeat, notready, taint, eviction or ready."""

    time: float
    node: str
    kind: str
    text: str = ""


@dataclass
class _Pod:
    uid: str
    name: str
    namespace: str
    node: str = ""
    spans: list[list[Any]] = field(default_factory=list)  # [start, end | None, state, node]


class PodHistory:
    """Records pod states and node moments from watches, starting now.

    Parameters
    ----------
    cluster
        The cluster to watch.
    namespace, selector
        Which pods to follow (default: every namespace, every pod).

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=2)
    >>> history = PodHistory(c)
    >>> history.frame().columns.tolist()
    ['pod', 'namespace', 'node', 'state', 'start', 'end']
    """

    def __init__(self, cluster: Cluster, namespace: str | None = None, selector: Any = None) -> None:
        self.cluster = cluster
        self.started = cluster.clock.now
        self.pods: dict[str, _Pod] = {}
        self.markers: list[Marker] = []
        self._ready: dict[str, str] = {}
        self._taints: dict[str, set[tuple[str, str]]] = {}
        self._renewals: dict[str, float] = {}
        self._watches = [
            cluster.api.watch("Pod", self._on_pod, namespace=namespace, selector=selector, send_initial_events=True),
            cluster.api.watch("Node", self._on_node, send_initial_events=True),
            cluster.api.watch("Lease", self._on_lease, namespace="kube-node-lease", send_initial_events=True),
            cluster.api.watch("Event", self._on_event),
        ]

    def stop(self) -> None:
        """Stop watching (the recorded history stays)."""
        for w in self._watches:
            w.stop()

    # -- recording -----------------------------------------------------------------------------
    def mark(self, node: str, kind: str = "failure", text: str = "") -> None:
        """Add a moment the API cannot show (e.g. "node-2 fails" when a lesson pulls the plug)."""
        self.markers.append(Marker(self.cluster.clock.now, node, kind, text))

    def _on_pod(self, event: Any) -> None:
        pod = event.object
        m = pod["metadata"]
        now = self.cluster.clock.now
        rec = self.pods.get(m["uid"])
        if rec is None:
            rec = self.pods[m["uid"]] = _Pod(m["uid"], m["name"], m.get("namespace", ""))
        current = rec.spans[-1] if rec.spans and rec.spans[-1][1] is None else None
        if event.type == "DELETED":
            if current is not None:
                current[1] = now
            return
        state = pod_state(pod)
        node = (pod.get("spec") or {}).get("nodeName") or ""
        if current is not None and current[2] == state and current[3] == node:
            return
        if current is not None:
            current[1] = now
        rec.node = node or rec.node
        rec.spans.append([now, None, state, node])

    def _on_node(self, event: Any) -> None:
        node = event.object
        name = node["metadata"]["name"]
        now = self.cluster.clock.now
        if event.type == "DELETED":
            return
        ready = next((c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None)
        status = ready.get("status") if ready else "Unknown"
        before = self._ready.get(name)
        if before is not None and before != status:
            if status == "True":
                self.markers.append(Marker(now, name, "ready", f"{name} Ready"))
            elif before == "True":
                self.markers.append(Marker(now, name, "notready", f"{name} {status}"))
        self._ready[name] = status
        taints = {(t.get("key", ""), t.get("effect", "")) for t in (node.get("spec") or {}).get("taints") or []}
        added = sorted(t for t in taints - self._taints.get(name, set()) if t[1] == "NoExecute")
        if name in self._taints:
            for key, effect in added:
                self.markers.append(Marker(now, name, "taint", f"{key}:{effect}"))
        self._taints[name] = taints

    def _on_lease(self, event: Any) -> None:
        if event.type == "DELETED":
            return
        renew = (event.object.get("spec") or {}).get("renewTime")
        if renew:
            self._renewals[event.object["metadata"]["name"]] = parse_timestamp(renew)

    def _on_event(self, event: Any) -> None:
        if event.type != "ADDED":
            return
        ev = event.object
        if ev.get("reason") != "TaintManagerEviction" or not str(ev.get("message", "")).startswith("Marking"):
            return
        name = (ev.get("involvedObject") or {}).get("name", "")
        node = next((p.node for p in self.pods.values() if p.name == name and p.spans), "")
        if not node:
            return  # a pod outside this history's selector
        now = self.cluster.clock.now
        if not any(mk.kind == "eviction" and mk.node == node and mk.time == now for mk in self.markers):
            self.markers.append(Marker(now, node, "eviction", "pods evicted"))

    # -- reading -------------------------------------------------------------------------------
    def last_heartbeat(self, node: str) -> float | None:
        """The node's last Lease renewal seen (virtual seconds)."""
        return self._renewals.get(node)

    def frame(self) -> Any:
        """One row per state span: pod, namespace, node, state, start, end (NaN while ongoing)."""
        import pandas as pd

        rows = []
        for rec in self.pods.values():
            for start, end, state, node in rec.spans:
                rows.append({"pod": rec.name, "namespace": rec.namespace, "node": node, "state": state,
                             "start": start, "end": end})  # fmt: skip
        return pd.DataFrame(rows, columns=["pod", "namespace", "node", "state", "start", "end"])

    def marker_frame(self) -> Any:
        """The node moments as a DataFrame (time, node, kind, text), with each node's last heartbeat."""
        import pandas as pd

        rows = [{"time": m.time, "node": m.node, "kind": m.kind, "text": m.text} for m in self.all_markers()]
        return pd.DataFrame(rows, columns=["time", "node", "kind", "text"])

    def all_markers(self) -> list[Marker]:
        """Recorded markers plus the last heartbeat of each node that went NotReady."""
        out = list(self.markers)
        for m in self.markers:
            if m.kind == "notready":
                beat = self._renewals.get(m.node)
                if (
                    beat is not None
                    and beat < m.time
                    and not any(x.kind == "heartbeat" and x.node == m.node for x in out)
                ):
                    out.append(Marker(beat, m.node, "heartbeat", "last heartbeat"))
        return sorted(out, key=lambda m: (m.time, m.kind, m.node))


def plot_timeline(
    history: PodHistory,
    ax: Any = None,
    *,
    until: float | None = None,
    title: str | None = None,
    nodes: list[str] | None = None,
) -> Any:
    """Gantt chart of pod states grouped by node, with the node moments as vertical lines.

    Returns the matplotlib Axes. Times are virtual seconds since the cluster started.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    apply_style()
    now = history.cluster.clock.now if until is None else until
    spans = []
    for rec in history.pods.values():
        for start, end, state, node in rec.spans:
            stop = now if end is None else end
            if stop > start:
                spans.append((rec.name, node or "(not scheduled)", state, start, stop))
    order_nodes = nodes or sorted({s[1] for s in spans}, key=lambda n: (n == "(not scheduled)", n))
    rows: list[tuple[str, str]] = []  # (node, pod) one row each, grouped by node
    for node in order_nodes:
        for pod in sorted({s[0] for s in spans if s[1] == node}):
            rows.append((node, pod))
    index = {row: i for i, row in enumerate(rows)}
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(2.5, 0.32 * len(rows) + 1.4)))
    for pod, node, state, start, end in spans:
        if (node, pod) not in index or end <= start:
            continue
        y = index[(node, pod)]
        ax.barh(y, end - start, left=start, height=0.7, color=STATE_COLORS.get(state, pod_color(state)),
                edgecolor="white", linewidth=0.5, hatch="///" if state == "Terminating" else None)  # fmt: skip
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([pod for _, pod in rows], fontsize=8)
    ax.invert_yaxis()
    markers = history.all_markers()
    start_t = min([*(s[3] for s in spans), *(m.time for m in markers)], default=history.started)
    margin = 0.01 * max(now - start_t, 1)
    ax.set_xlim(start_t - margin, max(now, start_t + 1))
    # node bands: label and separator
    previous = None
    for i, (node, _) in enumerate(rows):
        if node != previous:
            if i:
                ax.axhline(i - 0.5, color=COLORS["node"], linewidth=0.8)
            ax.annotate(node, xy=(1.005, i - 0.4), xycoords=("axes fraction", "data"), fontsize=9,
                        color=COLORS["text"], va="top", fontweight="bold")  # fmt: skip
            previous = node
    seen: dict[str, list[float]] = {}
    for m in markers:
        color, _ = MARKER_STYLE.get(m.kind, (COLORS["edge"], m.kind))
        ax.axvline(m.time, color=color, linestyle=_LINESTYLE.get(m.kind, "-"), linewidth=1.4)
        seen.setdefault(m.kind, []).append(m.time)
    handles = [Patch(facecolor=STATE_COLORS[s], label=s, hatch="///" if s == "Terminating" else None)
               for s in ("Pending", "Running", "NotReady", "Terminating")]  # fmt: skip
    from matplotlib.lines import Line2D

    for kind, times in seen.items():
        color, label = MARKER_STYLE.get(kind, (COLORS["edge"], kind))
        if len(set(times)) == 1:
            label = f"{label} (t = {times[0]:g} s)"
        handles.append(Line2D([0], [0], color=color, linestyle=_LINESTYLE.get(kind, "-"), label=label))
    from matplotlib.transforms import offset_copy

    # a fixed distance below the axes (not a fraction of its height), so the legend clears the x label
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-34, units="points")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below,
              ncol=min(len(handles), 5), fontsize=8, frameon=False)  # fmt: skip
    ax.set_xlabel("virtual time (s)")
    ax.set_title(title or f"Pods by node, t = {history.started:g} s to {now:g} s", loc="left")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return ax


def draw_pod_grid(
    cluster: Cluster, ax: Any = None, *, namespace: str | None = "default", title: str | None = None
) -> Any:
    """One column per node, one square per pod coloured by its kubectl STATUS; returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ..kubectl.tables import node_status, pod_status

    apply_style()
    api = cluster.api
    nodes = [n["metadata"]["name"] for n in api.list("Node")]
    columns = [*nodes, "(pending)"]
    pods_by: dict[str, list[dict]] = {c: [] for c in columns}
    for pod in api.list("Pod", namespace):
        pods_by.setdefault((pod.get("spec") or {}).get("nodeName") or "(pending)", []).append(pod)
    if not pods_by["(pending)"]:
        columns.pop()
    height = max([len(v) for v in pods_by.values()] + [1])
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.9 * len(columns)), 1.2 + 0.42 * height))
    for i, col in enumerate(columns):
        x = i * 2.0
        frame_color = COLORS["node"]
        label = col
        if col in nodes:
            node = api.get("Node", col)
            status = node_status(node)
            label = f"{col}\n{status}"
            if not status.startswith("Ready") or "SchedulingDisabled" in status:
                frame_color = COLORS["highlight"]
        ax.add_patch(Rectangle((x, -height - 0.2), 1.8, height + 0.4, facecolor=COLORS["node-fill"],
                               edgecolor=frame_color, linewidth=1.5, linestyle="-" if col in nodes else "--"))  # fmt: skip
        ax.text(x + 0.9, 0.35, label, ha="center", va="bottom", fontsize=8, color=COLORS["text"])
        for j, pod in enumerate(sorted(pods_by.get(col, []), key=lambda p: p["metadata"]["name"])):
            status = pod_status(pod)[0]
            ax.add_patch(Rectangle((x + 0.1, -j - 0.9), 1.6, 0.8, facecolor=pod_color(status), edgecolor="white",
                                   hatch="///" if status in ("Terminating", "Unknown") else None))  # fmt: skip
            ax.text(x + 0.9, -j - 0.5, _short(pod["metadata"]["name"]), ha="center", va="center", fontsize=6.5,
                    color="white" if status == "Running" else COLORS["text"])  # fmt: skip
    ax.set_xlim(-0.2, 2.0 * len(columns))
    ax.set_ylim(-height - 0.4, 1.1)
    ax.set_axis_off()
    ax.set_title(title or f"t = {cluster.clock.now:g} s", loc="left", fontsize=10)
    return ax


def _short(name: str) -> str:
    """``web-5fd8cddc48-58pdn`` -> ``web-…-58pdn`` (fits a pod square)."""
    parts = name.split("-")
    if len(name) <= 14 or len(parts) < 3:
        return name
    return f"{parts[0]}-…-{parts[-1]}"
