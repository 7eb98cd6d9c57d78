"""Draw the cluster graph: the control plane on top, worker machines below, Services at the bottom.

Notes
-----
A layered layout, computed without any randomness from the graph of
:func:`k8slearn.graph.build_graph`:

- the control plane band: etcd, kube-apiserver, kube-scheduler and
  kube-controller-manager (blue), with their ``stores-in`` and ``watches`` arrows;
- one grey frame per worker machine, wrapped into rows: its agents (kubelet,
  kube-proxy, container runtime, cAdvisor; teal) and the pods bound to it, coloured
  by their kubectl STATUS (Terminating hatched); pods without a node yet wait in a
  dashed "not scheduled" frame; the agents' ``watches`` lines go up to kube-apiserver;
- Services (purple) and optionally Deployments and ReplicaSets at the bottom, with
  ``routes-to`` (solid) and ``selects``-only (dashed) lines to their pods, or, in
  big clusters, one line per machine labelled with the number of pods.

Two levels of detail are chosen from the size: *detailed* (a few machines: labelled
agents, named pods, a line per pod) and *compact* (many machines: small unlabelled
pod squares, "+N" tiles past ``max_pods_per_node``, lines aggregated per machine,
"+N more nodes" past ``max_nodes``). Text is sized in points, so it stays legible when
a big cluster is scaled down to fit the page; labels that would fall under about 4 pt
are left out.

Used in: 00_architecture, 01_api_server_and_etcd.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..graph import CONTROL_PLANE, NODE_AGENTS
from .style import COLORS, POD_COLORS, apply_style, pod_color

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["draw_cluster", "draw_graph", "cluster_layout", "ClusterLayout", "AGENT_LABELS"]

#: Short labels of the node agents inside a machine frame.
AGENT_LABELS = {
    "kubelet": "kubelet",
    "kube-proxy": "kube-proxy",
    "container-runtime": "runtime",
    "cadvisor": "cAdvisor",
}

FIG_WIDTH_MAX = 14.0  # inches: wider canvases are scaled down (text keeps its point size)
MIN_FONT = 4.0  # points: smaller labels are not drawn

UNSCHEDULED = "unscheduled"


@dataclass
class Frame:
    """One machine frame (or the "not scheduled" frame, or the "+N more nodes" tile)."""

    id: str
    title: str
    status: str
    box: tuple[float, float, float, float]
    pods: list[str] = field(default_factory=list)
    hidden: int = 0
    hidden_status: dict[str, int] = field(default_factory=dict)
    agents: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    kind: str = "node"  # node | unscheduled | more
    tag_y: float = 0.0


@dataclass
class ClusterLayout:
    """Where everything goes: boxes ``(x, y, w, h)`` and pod centres, in canvas units.

    ``k`` is canvas units per inch of the intended figure; ``mode`` is ``detailed`` or
    ``compact``. ``positions`` holds the centre of every drawn graph node.
    """

    width: float
    height: float
    k: float
    mode: str
    boxes: dict[str, tuple[float, float, float, float]]
    positions: dict[str, tuple[float, float]]
    frames: list[Frame]
    pod_size: float
    bottom: list[str]
    hidden_nodes: int = 0
    dense: bool = False
    grid_top: float = 0.0
    grid_bottom: float = 0.0
    hidden_bottom: int = 0


# -- layout -----------------------------------------------------------------------------------
def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def cluster_layout(
    G: nx.MultiDiGraph,
    *,
    highlight: Iterable[str] = (),
    max_pods_per_node: int | None = None,
    max_nodes: int = 120,
    show_workloads: bool = False,
    show_system: bool = False,
    mode: str | None = None,
) -> ClusterLayout:
    """Compute the deterministic layered layout of a cluster graph.

    Parameters
    ----------
    G
        A graph from :func:`k8slearn.graph.build_graph`.
    highlight
        Graph node ids that must stay visible (a highlighted pod is never folded into
        a "+N" tile, a highlighted machine never into "+N more nodes").
    max_pods_per_node
        Pods drawn per machine before the rest become a "+N" tile (default: what fits
        in 3 rows when detailed, 4 rows when compact).
    max_nodes
        Machine frames drawn before the rest become one "+N more nodes" tile.
    show_workloads
        Also place Deployments, ReplicaSets, DaemonSets and Jobs in the bottom row.
    show_system
        Also place objects of ``kube-system`` and Services without a selector
        (such as ``default/kubernetes``).
    mode
        Force ``"detailed"`` or ``"compact"`` (default: chosen from the size).
    """
    highlight = set(highlight)
    nodes = G.nodes

    def visible(nid: str) -> bool:
        if show_system or nid in highlight:
            return True
        data = nodes[nid]
        if data.get("namespace") == "kube-system":
            return False
        return not (data["kind"] == "Service" and not data.get("selector"))

    machines = sorted((n for n, d in nodes(data="kind") if d == "Node"), key=_natural)
    pods_on: dict[str, list[str]] = {m: [] for m in machines}
    unscheduled: list[str] = []
    for n, d in nodes(data=True):
        if d["kind"] != "Pod" or not visible(n):
            continue
        node = d.get("node")
        if node and f"Node/{node}" in pods_on:
            pods_on[f"Node/{node}"].append(n)
        else:
            unscheduled.append(n)
    for lst in pods_on.values():
        lst.sort(key=_natural)
    unscheduled.sort(key=_natural)

    busiest = max([len(v) for v in pods_on.values()] + [len(unscheduled), 0])
    if mode is None:
        mode = "detailed" if len(machines) <= 4 and busiest <= 9 else "compact"
    if mode == "detailed":
        frame_w, cell_w, cell_h, pod_size, head_h, agent_h, max_rows = 3.4, 0.8, 0.62, 0.36, 0.42, 0.42, 3
    else:
        frame_w, cell_w, cell_h, pod_size, head_h, agent_h, max_rows = 2.6, 0.3, 0.3, 0.22, 0.3, 0.2, 4
    pad = 0.12
    per_row = max(1, int((frame_w - 2 * pad) // cell_w))
    cap = max_pods_per_node if max_pods_per_node is not None else per_row * max_rows
    cap = max(1, cap)

    # which machines get a frame
    shown = machines
    hidden_machines: list[str] = []
    if len(machines) > max_nodes:
        keep = max(1, max_nodes - 1)
        shown = machines[:keep]
        extra = [m for m in machines[keep:] if m in highlight]
        shown = shown[: keep - len(extra)] + extra if extra else shown
        hidden_machines = [m for m in machines if m not in set(shown)]

    frames: list[Frame] = []
    for m in shown:
        frames.append(Frame(m, nodes[m]["name"], nodes[m].get("status", ""), (0, 0, 0, 0), pods_on[m]))
    if unscheduled:
        frames.append(Frame(UNSCHEDULED, "not scheduled yet", "", (0, 0, 0, 0), unscheduled, kind="unscheduled"))
    if hidden_machines:
        more = Frame("more-nodes", f"+{len(hidden_machines)} more nodes", "", (0, 0, 0, 0), [], kind="more")
        counts: dict[str, int] = {}
        for m in hidden_machines:
            for p in pods_on[m]:
                s = nodes[p].get("status", "")
                counts[s] = counts.get(s, 0) + 1
        more.hidden = sum(counts.values())
        more.hidden_status = counts
        frames.append(more)

    for fr in frames:
        if fr.kind == "more" or len(fr.pods) <= cap:
            continue
        keep = cap - 1
        visible_pods = fr.pods[:keep]
        wanted = [p for p in fr.pods[keep:] if p in highlight]
        if wanted:
            visible_pods = visible_pods[: keep - len(wanted)] + wanted
        rest = [p for p in fr.pods if p not in set(visible_pods)]
        fr.hidden = len(rest)
        for p in rest:
            s = nodes[p].get("status", "")
            fr.hidden_status[s] = fr.hidden_status.get(s, 0) + 1
        fr.pods = visible_pods

    # bottom row: Services, then workloads
    bottom = sorted((n for n, d in nodes(data="kind") if d == "Service" and visible(n)), key=_natural)
    if show_workloads:
        # each Deployment followed by the ReplicaSets it owns, then the other workloads
        placed: set[str] = set()
        for deploy in sorted((n for n, d in nodes(data="kind") if d == "Deployment" and visible(n)), key=_natural):
            bottom.append(deploy)
            owned = [v for _, v, rel in G.out_edges(deploy, data="relation") if rel == "owns"]
            for rs in sorted((v for v in owned if nodes[v]["kind"] == "ReplicaSet"), key=_natural):
                if rs not in placed:
                    bottom.append(rs)
                    placed.add(rs)
        for kind in ("ReplicaSet", "DaemonSet", "Job"):
            bottom += sorted(
                (n for n, d in nodes(data="kind") if d == kind and visible(n) and n not in placed), key=_natural
            )
    # past ~40 frames the text inside frames gets too small to read: no tags, one watches "bus"
    dense = mode == "compact" and len(frames) > 40
    tag_h = 0.24 if mode == "compact" and bottom and not dense else 0.0  # a row of "svc N" tags per frame

    tiles = [len(fr.pods) + (1 if fr.hidden else 0) for fr in frames]
    rows_needed = [max(1, math.ceil(t / per_row)) for t in tiles]
    frame_h_max = max([head_h + agent_h + r * cell_h + tag_h + 2 * pad for r in rows_needed] + [1.0])

    n_frames = len(frames)
    if mode == "detailed":
        cols = max(1, n_frames)
    else:
        cols = max(1, min(n_frames, max(4, math.ceil(math.sqrt(2.2 * n_frames * frame_h_max / frame_w)))))
    gap = 0.3
    grid_rows = math.ceil(n_frames / cols)

    grid_w = cols * frame_w + (cols + 1) * gap
    width = max(grid_w, 10.2)  # the control plane band needs about 10 units
    grid_x = (width - grid_w) / 2  # a narrow grid is centred under the control plane
    k = max(1.0, width / FIG_WIDTH_MAX)
    # row heights (frames in one grid row share the tallest height)
    row_h = []
    for r in range(grid_rows):
        hs = [
            head_h + agent_h + rows_needed[i] * cell_h + tag_h + 2 * pad
            for i in range(r * cols, min(n_frames, (r + 1) * cols))
        ]
        row_h.append(max(hs) if hs else frame_h_max)
    grid_h = sum(row_h) + max(0, grid_rows - 1) * gap

    box_w, box_h = 2.1 * k, 0.5 * k
    row_gap = 0.2 * k
    # other watchers (a cloud-controller-manager, a storage provisioner, a student's client)
    # stack under etcd on the left
    extra_cp = sorted(
        n for n, d in nodes(data="kind") if d in ("ControlPlaneComponent", "Client") and n not in CONTROL_PLANE
    )
    cp_rows = max(2, 1 + len(extra_cp))
    api_h = cp_rows * box_h + (cp_rows - 1) * row_gap
    cp_h = api_h + 0.8 * k
    lane = 1.0 * k  # room for the watches lines between control plane and machines
    svc_w, svc_h = 1.7 * k if mode == "compact" else 1.9, 0.5 * k if mode == "compact" else 0.55
    bottom_h = (svc_h + (1.0 if mode == "detailed" else 0.6) * k) if bottom else 0.2 * k
    height = cp_h + lane + grid_h + bottom_h + 0.2 * k

    boxes: dict[str, tuple[float, float, float, float]] = {}
    positions: dict[str, tuple[float, float]] = {}

    # control plane band
    top = height - 0.1 * k
    cx = width / 2
    cp_y = top - 0.45 * k - api_h  # room above the boxes for the band's label
    boxes["control-plane"] = (0.1 * k, cp_y - 0.15 * k, width - 0.2 * k, api_h + 0.6 * k)
    boxes["kube-apiserver"] = (cx - box_w / 2, cp_y, box_w, api_h)
    left_x = cx - box_w / 2 - 1.3 * k - box_w
    right_x = cx + box_w / 2 + 1.3 * k

    def row_y(r: int) -> float:
        return cp_y + api_h - (r + 1) * box_h - r * row_gap

    boxes["kube-scheduler"] = (right_x, row_y(0), box_w, box_h)
    boxes["kube-controller-manager"] = (right_x, row_y(1), box_w, box_h)
    if extra_cp:
        boxes["etcd"] = (left_x, row_y(0), box_w, box_h)
    else:
        boxes["etcd"] = (left_x, cp_y + api_h / 2 - box_h / 2, box_w, box_h)
    for i, n in enumerate(extra_cp):
        boxes[n] = (left_x, row_y(i + 1), box_w, box_h)
    for n in (*CONTROL_PLANE, *extra_cp):
        x, y, w, h = boxes[n]
        positions[n] = (x + w / 2, y + h / 2)

    # machine frames, row by row
    grid_top = cp_y - 0.15 * k - lane
    y_cursor = grid_top
    for r in range(grid_rows):
        rh = row_h[r]
        for c in range(cols):
            i = r * cols + c
            if i >= n_frames:
                break
            fr = frames[i]
            x0 = grid_x + gap + c * (frame_w + gap)
            y0 = y_cursor - rh
            fr.box = (x0, y0, frame_w, rh)
            fr.tag_y = y0 + pad + tag_h / 2
            boxes[fr.id] = fr.box
            positions[fr.id] = (x0 + frame_w / 2, y0 + rh / 2)
            inner_top = y0 + rh - pad - head_h
            if fr.kind == "node":
                host = nodes[fr.id]["name"]
                aw = (frame_w - 2 * pad - 3 * 0.06) / 4
                for j, agent in enumerate(NODE_AGENTS):
                    aid = f"{agent}/{host}"
                    if aid not in nodes:
                        continue
                    ab = (x0 + pad + j * (aw + 0.06), inner_top - agent_h + 0.04, aw, agent_h - 0.08)
                    fr.agents[aid] = ab
                    boxes[aid] = ab
                    positions[aid] = (ab[0] + aw / 2, ab[1] + ab[3] / 2)
            pods_top = inner_top - (agent_h if fr.kind == "node" else 0.0)
            for j, p in enumerate(fr.pods):
                row, col = divmod(j, per_row)
                positions[p] = (x0 + pad + (col + 0.5) * cell_w, pods_top - (row + 0.5) * cell_h)
            if fr.hidden:
                row, col = divmod(len(fr.pods), per_row)
                positions[f"{fr.id}/more"] = (x0 + pad + (col + 0.5) * cell_w, pods_top - (row + 0.5) * cell_h)
        y_cursor -= rh + gap

    # bottom row (one row; past what fits, a "+N more" box)
    hidden_bottom = 0
    if bottom:
        y = 0.2 * k
        step = svc_w + 0.4 * k
        fit = max(1, int((width - 2 * gap + 0.4 * k) // step))
        if len(bottom) > fit:
            keep = fit - 1
            kept = bottom[:keep]
            extra = [n for n in bottom[keep:] if n in highlight]
            if extra:
                kept = kept[: max(0, keep - len(extra))] + extra
            hidden_bottom = len(bottom) - len(kept)
            bottom = kept
        slots = len(bottom) + (1 if hidden_bottom else 0)
        total = slots * step - 0.4 * k
        start = max(gap, (width - total) / 2)
        for i, n in enumerate(bottom):
            b = (start + i * step, y, svc_w, svc_h)
            boxes[n] = b
            positions[n] = (b[0] + svc_w / 2, y + svc_h / 2)
        if hidden_bottom:
            boxes["more-bottom"] = (start + len(bottom) * step, y, svc_w, svc_h)
    return ClusterLayout(
        width=width,
        height=height,
        k=k,
        mode=mode,
        boxes=boxes,
        positions=positions,
        frames=frames,
        pod_size=pod_size,
        bottom=bottom,
        hidden_nodes=len(hidden_machines),
        dense=dense,
        grid_top=grid_top,
        grid_bottom=grid_top - grid_h,
        hidden_bottom=hidden_bottom,
    )


# -- drawing ----------------------------------------------------------------------------------
def draw_cluster(
    cluster: Any,
    ax: Any = None,
    *,
    highlight: str | Iterable[str] | None = None,
    show_agents: bool = True,
    max_pods_per_node: int | None = None,
    title: str | None = None,
    show_workloads: bool = False,
    show_system: bool = False,
    max_nodes: int = 120,
    legend: bool = True,
) -> Any:
    """Draw a cluster (or its graph) in a layered layout; returns the matplotlib Axes.

    Parameters
    ----------
    cluster
        A :class:`~k8slearn.Cluster`, or a graph from :func:`k8slearn.graph.build_graph`.
    ax
        Axes to draw in (default: a new figure sized to the cluster).
    highlight
        A graph node id or several (``"kube-scheduler"``, ``"kubelet/node-2"``,
        ``"Pod/default/web-1"``, ``"Service/default/web"``): drawn emphasised in
        orange with their edges.
    show_agents
        Draw the node agents and their ``watches`` lines.
    max_pods_per_node
        Pods drawn per machine before the rest fold into a "+N" tile.
    title
        Axes title (default: time, machines and pods).
    show_workloads, show_system, max_nodes
        See :func:`cluster_layout`.
    legend
        Draw the legend under the picture.

    Examples
    --------
    >>> import k8slearn as kl
    >>> ax = draw_cluster(kl.Cluster.demo(nodes=2), highlight="kube-scheduler")
    >>> ax.get_title(loc="left")
    't = 5 s: 2 nodes, 0 pods'
    """
    from ..graph import build_graph

    G = cluster if hasattr(cluster, "nodes") and hasattr(cluster, "edges") else build_graph(cluster)
    return draw_graph(
        G,
        ax,
        highlight=highlight,
        show_agents=show_agents,
        max_pods_per_node=max_pods_per_node,
        title=title,
        show_workloads=show_workloads,
        show_system=show_system,
        max_nodes=max_nodes,
        legend=legend,
    )


def draw_graph(
    G: nx.MultiDiGraph,
    ax: Any = None,
    *,
    highlight: str | Iterable[str] | None = None,
    show_agents: bool = True,
    max_pods_per_node: int | None = None,
    title: str | None = None,
    show_workloads: bool = False,
    show_system: bool = False,
    max_nodes: int = 120,
    legend: bool = True,
) -> Any:
    """Draw a cluster graph; the work behind :func:`draw_cluster`."""
    import matplotlib.pyplot as plt

    apply_style()
    if highlight is None:
        marked: set[str] = set()
    elif isinstance(highlight, str):
        marked = {highlight}
    else:
        marked = set(highlight)
    lay = cluster_layout(
        G,
        highlight=marked,
        max_pods_per_node=max_pods_per_node,
        max_nodes=max_nodes,
        show_workloads=show_workloads,
        show_system=show_system,
    )
    if ax is None:
        fig_w = lay.width / lay.k
        fig_h = lay.height / lay.k + (0.6 if legend else 0.0)
        _, ax = plt.subplots(figsize=(fig_w, fig_h))
        ax.set_position((0, (0.6 / fig_h) if legend else 0, 1, lay.height / lay.k / fig_h))
    else:
        fig = ax.figure
        bbox = ax.get_position()
        w_in = bbox.width * fig.get_size_inches()[0]
        h_in = bbox.height * fig.get_size_inches()[1]
        lay.k = max(lay.width / w_in, lay.height / h_in)  # text sizes follow the real scale
    painter = _Painter(ax, G, lay, marked)
    painter.draw(show_agents=show_agents, show_workloads=show_workloads)
    ax.set_xlim(0, lay.width)
    ax.set_ylim(0, lay.height)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        n_pods = sum(1 for _, d in G.nodes(data="kind") if d == "Pod")
        n_nodes = sum(1 for _, d in G.nodes(data="kind") if d == "Node")
        t = G.graph.get("time", 0.0)
        title = f"t = {t:g} s: {n_nodes} node{'s' if n_nodes != 1 else ''}, {n_pods} pod{'s' if n_pods != 1 else ''}"
    ax.set_title(title, fontsize=11, loc="left")
    if legend:
        painter.legend()
    return ax


class _Painter:
    """Puts the layout on an Axes (one instance per drawing)."""

    def __init__(self, ax: Any, G: nx.MultiDiGraph, lay: ClusterLayout, marked: set[str]) -> None:
        self.ax = ax
        self.G = G
        self.lay = lay
        self.marked = marked
        self.statuses: dict[str, str] = {}
        self.used: set[str] = set()

    # sizes: ``pt`` converts a length in canvas units into points on the page
    def pt(self, units: float) -> float:
        return units / self.lay.k * 72.0

    def text(self, x: float, y: float, s: str, size: float, **kw: Any) -> bool:
        """``size`` in points at full scale of the frame contents (scaled by 1/k); False if too small."""
        fs = size / self.lay.k
        if fs < MIN_FONT:
            return False
        self.ax.text(x, y, s, fontsize=fs, **kw)
        return True

    def draw(self, *, show_agents: bool, show_workloads: bool) -> None:
        self._control_plane()
        self._frames(show_agents)
        self._bottom()
        self._pods()
        self._service_edges(show_workloads)
        if show_agents:
            self._agent_watches()

    # control plane ---------------------------------------------------------------------
    def _control_plane(self) -> None:
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

        ax, lay, G = self.ax, self.lay, self.G
        x, y, w, h = lay.boxes["control-plane"]
        ax.add_patch(
            FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc="#eef3fc",
                           ec=COLORS["control-plane"], lw=0.8, ls=(0, (4, 3)), zorder=0)
        )  # fmt: skip
        ax.text(x + 0.12 * lay.k, y + h - 0.1 * lay.k, "control plane", fontsize=9, va="top", ha="left",
                color=COLORS["control-plane"], fontweight="bold")  # fmt: skip
        subtitle = {
            "etcd": "the only database",
            "kube-apiserver": "every read, write and watch",
            "kube-scheduler": "binds pods to nodes",
            "kube-controller-manager": "reconcile loops",
            "cloud-controller-manager": "cloud provider loops",
        }
        comps = [n for n in lay.boxes if n in G and G.nodes[n]["kind"] in ("ControlPlaneComponent", "Client")]
        for n in comps:
            bx, by, bw, bh = lay.boxes[n]
            on = n in self.marked
            colour = COLORS["control-plane"] if G.nodes[n]["kind"] == "ControlPlaneComponent" else COLORS["edge"]
            ax.add_patch(
                FancyBboxPatch((bx, by), bw, bh, boxstyle=f"round,pad=0,rounding_size={0.06 * lay.k}", fc=colour,
                               ec=COLORS["highlight"] if on else "white", lw=3.0 if on else 0.8, zorder=3)
            )  # fmt: skip
            cx, cy = bx + bw / 2, by + bh / 2
            sub = subtitle.get(n)
            name, size = n, 9.0
            if len(name) > 24:  # "local-path-storage/local-path-provisioner"
                name, size = name.replace("/", "/\n", 1) if "/" in name else name, 7.0
                if max(len(part) for part in name.split("\n")) > 30:
                    name = "\n".join(part[:29] + "…" if len(part) > 30 else part for part in name.split("\n"))
            ax.text(cx, cy + (0.07 * lay.k if sub else 0), name, fontsize=size, ha="center", va="center", color="white",
                    fontweight="bold", zorder=4)  # fmt: skip
            if sub:
                ax.text(cx, cy - 0.13 * lay.k, sub, fontsize=7, ha="center", va="center", color="#dbe6fb", zorder=4)
        self.used.add("control-plane")

        # stores-in and the control-plane watches arrows
        def arrow(src: str, dst: str, label: str, on: bool, rad: float = 0.0) -> None:
            sx, sy, sw, sh = lay.boxes[src]
            dx, dy, dw, dh = lay.boxes[dst]
            # horizontal, at the height of the smaller box
            y = sy + sh / 2 if sh <= dh else dy + dh / 2
            if sx > dx:
                start, end = (sx, y), (dx + dw, y)
            else:
                start, end = (sx + sw, y), (dx, y)
            if abs(start[0] - end[0]) > 1.5 * lay.k:  # not a neighbour: go round, over the boxes between
                rad = -0.25 if sx > dx else 0.25
            colour = COLORS["highlight"] if on else COLORS["control-plane"]
            ax.add_patch(
                FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, lw=2.2 if on else 1.2, color=colour,
                                connectionstyle=f"arc3,rad={rad}", zorder=2)
            )  # fmt: skip
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.06 * lay.k, label, fontsize=7, ha="center",
                    va="bottom", color=colour, zorder=4)  # fmt: skip

        if G.has_edge("kube-apiserver", "etcd"):
            on = bool({"kube-apiserver", "etcd"} & self.marked)
            arrow("kube-apiserver", "etcd", "stores in", on)
            self.used.add("stores-in")
        for n in comps:
            if n == "kube-apiserver":
                continue
            resources = sorted({d["resource"] for _, v, d in G.out_edges(n, data=True) if d["relation"] == "watches"})
            if not resources:
                continue
            listed = ", ".join(resources)
            label = "watches\n" + (
                listed if len(resources) <= 2 and len(listed) <= 24 else f"{len(resources)} resources"
            )
            arrow(n, "kube-apiserver", label, n in self.marked)
            self.used.add("watches")

    # machine frames --------------------------------------------------------------------
    def _frames(self, show_agents: bool) -> None:
        from matplotlib.patches import FancyBboxPatch, Rectangle

        ax, lay, G = self.ax, self.lay, self.G
        for fr in lay.frames:
            x, y, w, h = fr.box
            on = fr.id in self.marked
            if fr.kind == "node":
                ready = G.nodes[fr.id].get("ready", False)
                ec = COLORS["highlight"] if on else (COLORS["node"] if ready else POD_COLORS["Failed"])
                ls = "-"
                fc = COLORS["node-fill"]
            elif fr.kind == "unscheduled":
                ec, ls, fc = POD_COLORS["Pending"], (0, (4, 3)), "#fff8e8"
            else:
                ec, ls, fc = COLORS["node"], (0, (2, 2)), "white"
            ax.add_patch(
                FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.06", fc=fc, ec=ec,
                               lw=2.6 if on else 1.0, ls=ls, zorder=1)
            )  # fmt: skip
            head = fr.title
            if fr.kind == "node" and fr.status and fr.status != "Ready":
                head += f"  {fr.status}"
            detailed = lay.mode == "detailed"
            colour = COLORS["text"] if fr.kind != "node" or G.nodes[fr.id].get("ready") else POD_COLORS["Failed"]
            self.text(x + 0.12, y + h - 0.08, head, 9 if detailed else 8.5, ha="left", va="top",
                      fontweight="bold", color=colour, zorder=5)  # fmt: skip
            if detailed and fr.kind == "node":
                ip = G.nodes[fr.id].get("ip", "")
                self.text(x + w - 0.12, y + h - 0.09, ip, 7, ha="right", va="top", color=COLORS["edge"], zorder=5)
            if fr.kind == "more":
                summary = ", ".join(
                    f"{n:,} {s}" for s, n in sorted(fr.hidden_status.items(), key=lambda t: (-t[1], t[0]))
                )
                self.text(x + w / 2, y + h / 2, f"+{lay.hidden_nodes:,}", 14, ha="center", va="center",
                          color=COLORS["node"], fontweight="bold")  # fmt: skip
                ax.text(lay.width - 0.3, lay.grid_bottom - 0.08 * lay.k, f"+{lay.hidden_nodes:,} more nodes not drawn, "
                        f"with {fr.hidden:,} pods" + (f" ({summary})" if summary else ""), fontsize=8.5, ha="right",
                        va="top", color=COLORS["text"])  # fmt: skip
            self.used.add("node")
            if not show_agents:
                continue
            for aid, (ax0, ay0, aw, ah) in fr.agents.items():
                a_on = aid in self.marked
                ax.add_patch(
                    Rectangle((ax0, ay0), aw, ah, fc=COLORS["agent"], ec=COLORS["highlight"] if a_on else "none",
                              lw=2.4 if a_on else 0, zorder=3)
                )  # fmt: skip
                if detailed:
                    label = AGENT_LABELS.get(G.nodes[aid]["component"], G.nodes[aid]["component"])
                    self.text(ax0 + aw / 2, ay0 + ah / 2, label, 6.5, ha="center", va="center", color="white",
                              zorder=4)  # fmt: skip
                self.used.add("agent")

    # pods --------------------------------------------------------------------------------
    def _pods(self) -> None:
        ax, lay, G = self.ax, self.lay, self.G
        groups: dict[tuple[str, bool], list[tuple[float, float]]] = {}
        labels = lay.mode == "detailed"
        for fr in lay.frames:
            for p in fr.pods:
                d = G.nodes[p]
                status = d.get("status", "") or "Unknown"
                colour = pod_color(status)
                hatched = status == "Terminating"
                groups.setdefault((colour, hatched), []).append(lay.positions[p])
                self.statuses[_legend_status(status)] = colour
                if labels:
                    x, y = lay.positions[p]
                    self.text(x, y - lay.pod_size / 2 - 0.03, _short_name(d["name"]), 6.3, ha="center", va="top",
                              color=COLORS["text"], zorder=5)  # fmt: skip
            if fr.hidden and fr.kind != "more":
                x, y = lay.positions[f"{fr.id}/more"]
                self.text(x, y, f"+{fr.hidden}", 7 if labels else 6.5, ha="center", va="center",
                          color=COLORS["text"], fontweight="bold", zorder=5)  # fmt: skip
        size = self.pt(lay.pod_size) ** 2
        marker = "o" if labels else "s"
        for (colour, hatched), pts in sorted(groups.items()):
            xs, ys = zip(*pts)
            ax.scatter(xs, ys, s=size, c=colour, marker=marker, edgecolors="white" if not hatched else "#4b5563",
                       linewidths=0.6, hatch="////" if hatched else None, zorder=4)  # fmt: skip
        marked = [
            lay.positions[p] for p in self.marked if p in lay.positions and G.nodes.get(p, {}).get("kind") == "Pod"
        ]
        if marked:
            xs, ys = zip(*marked)
            ax.scatter(xs, ys, s=size * 1.9, facecolors="none", edgecolors=COLORS["highlight"], linewidths=2.4,
                       marker=marker, zorder=6)  # fmt: skip

    # services and workloads --------------------------------------------------------------
    def _bottom(self) -> None:
        from matplotlib.patches import FancyBboxPatch

        ax, lay, G = self.ax, self.lay, self.G
        for n in lay.bottom:
            x, y, w, h = lay.boxes[n]
            d = G.nodes[n]
            on = n in self.marked
            colour = COLORS["service"] if d["kind"] == "Service" else COLORS["workload"]
            ax.add_patch(
                FancyBboxPatch((x, y), w, h, boxstyle=f"round,pad=0,rounding_size={0.08 * min(1.0, lay.k)}",
                               fc=colour, ec=COLORS["highlight"] if on else "white", lw=3.0 if on else 0.8, zorder=3)
            )  # fmt: skip
            if d["kind"] == "Service":
                head, sub = f"svc/{d['name']}", d.get("cluster_ip", "")
                if lay.mode == "compact":
                    ready = sum(1 for _, _, rel in G.out_edges(n, data="relation") if rel == "routes-to")
                    sub = " · ".join(t for t in (sub, f"{ready} endpoint{'s' if ready != 1 else ''}") if t)
                self.used.add("service")
            else:
                short = {"Deployment": "deploy", "ReplicaSet": "rs", "DaemonSet": "ds", "Job": "job"}[d["kind"]]
                head, sub = f"{short}/{d['name']}", f"{d.get('ready_replicas', 0)}/{d.get('replicas', 0)} ready"
                self.used.add("workload")
            scale = self.lay.k if lay.mode == "compact" else 1.0
            fs = 8.5 if lay.mode == "compact" else 8.5 / lay.k
            if len(head) > 22:
                head = head[:21] + "…"
            if fs * 1.0 >= MIN_FONT:
                ax.text(x + w / 2, y + h / 2 + 0.08 * scale, head, fontsize=fs, ha="center", va="center",
                        color="white", fontweight="bold", zorder=4)  # fmt: skip
                ax.text(x + w / 2, y + h / 2 - 0.13 * scale, sub, fontsize=fs * 0.8, ha="center", va="center",
                        color="#ece4fa", zorder=4)  # fmt: skip

        if lay.hidden_bottom:
            x, y, w, h = lay.boxes["more-bottom"]
            ax.add_patch(
                FancyBboxPatch((x, y), w, h, boxstyle=f"round,pad=0,rounding_size={0.08 * min(1.0, lay.k)}",
                               fc="white", ec=COLORS["service"], lw=1.0, ls=(0, (3, 2)), zorder=3)
            )  # fmt: skip
            what = "Services" if all(G.nodes[n]["kind"] == "Service" for n in lay.bottom) else "objects"
            ax.text(x + w / 2, y + h / 2, f"+{lay.hidden_bottom} more {what}", fontsize=8.5 if lay.mode == "compact"
                    else 8.5 / lay.k, ha="center", va="center", color=COLORS["service"], zorder=4)  # fmt: skip

    def _service_edges(self, show_workloads: bool) -> None:
        from matplotlib.collections import LineCollection

        ax, lay, G = self.ax, self.lay, self.G
        frame_of: dict[str, str] = {}
        for fr in lay.frames:
            for p in fr.pods:
                frame_of[p] = fr.id
        pos = lay.positions
        tags: dict[str, list[tuple[str, int, int, bool]]] = {}
        for n in lay.bottom:
            if n not in G:
                continue
            x, y, w, h = lay.boxes[n]
            src = (x + w / 2, y + h)
            on_src = n in self.marked
            routes: dict[str, float] = {}
            selects: list[str] = []
            owns: list[str] = []
            for _, v, d in G.out_edges(n, data=True):
                rel = d["relation"]
                if G.nodes[v]["kind"] != "Pod":
                    if rel == "owns" and v in lay.boxes and show_workloads:
                        self._owns_arrow(n, v)
                    continue
                if rel == "routes-to":
                    routes[v] = d.get("weight", 0.0)
                elif rel == "selects":
                    selects.append(v)
                elif rel == "owns":
                    owns.append(v)
            selects = [p for p in selects if p not in routes]
            if lay.mode == "detailed":
                for kind, targets, style in (("routes-to", list(routes), "-"), ("selects", selects, (0, (3, 2))),
                                             ("owns", owns, (0, (1, 2)))):  # fmt: skip
                    segs, hot = [], []
                    for p in targets:
                        if p not in pos:
                            continue
                        seg = [src, _pod_anchor(pos[p], lay)]
                        (hot if on_src or p in self.marked else segs).append(seg)
                    colour = COLORS["service"] if G.nodes[n]["kind"] == "Service" else COLORS["workload"]
                    for group, col, lw in ((segs, colour, 1.1), (hot, COLORS["highlight"], 2.2)):
                        if group:
                            ax.add_collection(LineCollection(group, colors=col, linewidths=lw, linestyles=style,
                                                             alpha=0.55 if col != COLORS["highlight"] else 0.95,
                                                             zorder=2))  # fmt: skip
                            self.used.add(kind)
                    if kind == "routes-to" and routes:
                        for p in targets:
                            if p in pos:
                                px, py = pos[p]
                                self.text(px + lay.pod_size / 2 + 0.03, py, _fraction(routes[p]), 6.5,
                                          ha="left", va="center", color=COLORS["service"], fontweight="bold", zorder=5)  # fmt: skip
                continue
            # compact: a "svc N" tag per machine frame instead of a line per pod
            counts: dict[str, list[int]] = {}
            for p, routed in [(p, 1) for p in routes] + [(p, 0) for p in selects + owns]:
                if G.nodes[p]["kind"] != "Pod":
                    continue
                fid = frame_of.get(p) or _frame_of_hidden(G, p, lay)
                if fid:
                    c = counts.setdefault(fid, [0, 0])
                    c[0 if routed else 1] += 1
            for fid, (r, s) in counts.items():
                tags.setdefault(fid, []).append((n, r, s, on_src))
        if lay.mode == "compact":
            self._tags(tags)

    def _owns_arrow(self, owner: str, dependent: str) -> None:
        """Deployment -> ReplicaSet in the bottom row: a short arrow, or an arc over the boxes between."""
        from matplotlib.patches import FancyArrowPatch

        lay = self.lay
        ox, oy, ow, oh = lay.boxes[owner]
        dx, dy, dw, dh = lay.boxes[dependent]
        on = owner in self.marked or dependent in self.marked
        if dx > ox:
            start, end = (ox + ow, oy + oh / 2), (dx, dy + dh / 2)
        else:
            start, end = (ox, oy + oh / 2), (dx + dw, dy + dh / 2)
        adjacent = abs(end[0] - start[0]) < 0.6 * max(1.0, lay.k)
        self.ax.add_patch(
            FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, lw=2.0 if on else 1.1,
                            ls="-" if adjacent else (0, (1, 2)),
                            color=COLORS["highlight"] if on else COLORS["workload"],
                            connectionstyle="arc3,rad=0" if adjacent else "arc3,rad=-0.3", zorder=2)
        )  # fmt: skip
        self.used.add("owns")

    def _tags(self, tags: dict[str, list[tuple[str, int, int, bool]]]) -> None:
        """One small tag per Service (or workload) with pods in a frame: ``web 3``."""
        from matplotlib.collections import LineCollection

        ax, lay, G = self.ax, self.lay, self.G
        size = 7.0
        char_w = 0.62 * size / 72.0  # canvas units per character of the label
        hot = []
        for fr in lay.frames:
            items = tags.get(fr.id)
            if not items:
                continue
            x, y, w, h = fr.box
            cursor, limit = x + 0.12, x + w - 0.12
            for i, (n, r, s, on) in enumerate(items):
                d = G.nodes[n]
                is_svc = d["kind"] == "Service"
                colour = COLORS["service"] if is_svc else COLORS["workload"]
                label = f"{d['name']} {r if r else s}"
                width = len(label) * char_w + 0.1
                if cursor + width > limit and i < len(items):
                    rest = len(items) - i
                    self.text(cursor, fr.tag_y, f"+{rest}", size, ha="left", va="center", color=colour, zorder=5)
                    break
                edge = COLORS["highlight"] if on else colour
                shown = self.text(cursor + 0.05, fr.tag_y, label, size, ha="left", va="center", color=colour, zorder=5,
                                  bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": edge, "lw": 1.6 if on else 0.6,
                                        "ls": "-" if r or not is_svc else (0, (2, 1.5))})  # fmt: skip
                if not shown:
                    break
                self.used.add("tag-service" if is_svc else "tag-workload")
                if r == 0 and is_svc:
                    self.used.add("tag-selects")
                if on:
                    bx, by, bw, bh = lay.boxes[n]
                    hot.append([(bx + bw / 2, by + bh), (cursor + width / 2, fr.tag_y - 0.1)])
                cursor += width + 0.12
        if hot:
            ax.add_collection(LineCollection(hot, colors=COLORS["highlight"], linewidths=1.2, alpha=0.8, zorder=2.5))

    def _agent_watches(self) -> None:
        from matplotlib.collections import LineCollection

        ax, lay, G = self.ax, self.lay, self.G
        ax_, ay_, aw_, ah_ = lay.boxes["kube-apiserver"]
        target = (ax_ + aw_ / 2, ay_)
        segs, hot = [], []
        watchers = 0
        for fr in lay.frames:
            if not fr.agents:
                continue
            watching = [
                a for a in fr.agents if any(d["relation"] == "watches" for _, _, d in G.out_edges(a, data=True))
            ]
            watchers += len(watching)
            marked = [a for a in watching if a in self.marked]
            if lay.mode == "compact" and watching:
                x, y, w, h = fr.box
                seg = [(x + w / 2, y + h), target]
                if marked:
                    hot.append(seg)
                elif not lay.dense:
                    segs.append(seg)
                continue
            for a in watching:
                bx, by, bw, bh = fr.agents[a]
                seg = [(bx + bw / 2, by + bh), target]
                (hot if a in self.marked else segs).append(seg)
        if lay.dense and watchers:
            # one "bus" instead of a line per machine: from the top row of frames up to kube-apiserver
            tops = [fr for fr in lay.frames if abs(fr.box[1] + fr.box[3] - lay.grid_top) < 1e-6 and fr.agents]
            bus_y = lay.grid_top + 0.35 * lay.k
            xs = [fr.box[0] + fr.box[2] / 2 for fr in tops]
            segs.append([target, (target[0], bus_y)])
            segs.append([(min(xs), bus_y), (max(xs), bus_y)])
            segs.extend([(x, bus_y), (x, lay.grid_top)] for x in xs)
            machines = sum(1 for fr in lay.frames if fr.agents) + lay.hidden_nodes
            ax.text(target[0] + 0.1 * lay.k, (target[1] + bus_y) / 2, f"watches from the kubelet and kube-proxy\n"
                    f"of every node ({machines} nodes)", fontsize=8, ha="left", va="center",
                    color=COLORS["control-plane"])  # fmt: skip
            ax.add_collection(LineCollection(segs, colors=COLORS["control-plane"], linewidths=2.0, alpha=0.6,
                                             zorder=0.6))  # fmt: skip
            self.used.add("watches")
        elif segs:
            ax.add_collection(LineCollection(segs, colors=COLORS["control-plane"], linewidths=0.9, alpha=0.35,
                                             zorder=0.6))  # fmt: skip
            self.used.add("watches")
        if hot:
            ax.add_collection(LineCollection(hot, colors=COLORS["highlight"], linewidths=2.2, alpha=0.95, zorder=2.5))
            self.used.add("watches")

    # legend ----------------------------------------------------------------------------
    def legend(self) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [Patch(fc=COLORS["control-plane"], label="control-plane component")]
        if any(self.G.nodes[n]["kind"] == "Client" for n in self.lay.boxes if n in self.G):
            handles.append(Patch(fc=COLORS["edge"], label="other API client"))
        if "agent" in self.used:
            handles.append(Patch(fc=COLORS["agent"], label="node agent (kubelet, kube-proxy, runtime, cAdvisor)"))
        handles.append(Patch(fc=COLORS["node-fill"], ec=COLORS["node"], label="Node (worker machine)"))
        order = ["Running", "Pending", "CrashLoopBackOff / Failed", "Succeeded", "Terminating", "Unknown"]
        marker = "o" if self.lay.mode == "detailed" else "s"
        for s in order:
            if s not in self.statuses:
                continue
            if s == "Terminating":
                handles.append(Patch(fc=self.statuses[s], ec="#4b5563", hatch="////", lw=0.6, label="Pod Terminating"))
            else:
                handles.append(Line2D([], [], ls="none", marker=marker, ms=8, mfc=self.statuses[s], mec="white",
                                      label=f"Pod {s}"))  # fmt: skip
        if "service" in self.used:
            handles.append(Patch(fc=COLORS["service"], label="Service"))
        if "workload" in self.used:
            handles.append(Patch(fc=COLORS["workload"], label="Deployment / ReplicaSet"))
        if "watches" in self.used:
            handles.append(Line2D([], [], color=COLORS["control-plane"], lw=1.2, label="watches (to kube-apiserver)"))
        if "routes-to" in self.used:
            handles.append(Line2D([], [], color=COLORS["service"], lw=1.2, label="routes to (ready endpoint)"))
        if "selects" in self.used:
            handles.append(Line2D([], [], color=COLORS["service"], lw=1.2, ls=(0, (3, 2)), label="selects (not ready)"))
        if "tag-service" in self.used:
            handles.append(Patch(fc="white", ec=COLORS["service"], label="svc N: N endpoints of a Service on the node"))
        if "tag-selects" in self.used:
            handles.append(Patch(fc="white", ec=COLORS["service"], ls=(0, (2, 1.5)), label="selected, not ready"))
        if "owns" in self.used:
            handles.append(Line2D([], [], color=COLORS["workload"], lw=1.2, ls=(0, (1, 2)), label="owns"))
        if self.marked:
            handles.append(Patch(fc="white", ec=COLORS["highlight"], lw=2.4, label="highlighted"))
        ncol = min(5, len(handles))
        self.ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol, frameon=False,
                       fontsize=8, handlelength=1.6, columnspacing=1.2)  # fmt: skip


def _legend_status(status: str) -> str:
    if status in ("Running", "Pending", "Succeeded", "Terminating"):
        return status
    if status == "Completed":
        return "Succeeded"
    colour = pod_color(status)
    if colour == POD_COLORS["Failed"]:
        return "CrashLoopBackOff / Failed"
    if colour == POD_COLORS["Pending"]:
        return "Pending"
    if colour == POD_COLORS["Running"]:
        return "Running"
    return "Unknown"


def _short_name(name: str, limit: int = 14) -> str:
    """``web-7d4b9c8f6d-x2k5p`` -> ``web-…-x2k5p``: keep the start and the unique end."""
    if len(name) <= limit:
        return name
    head, _, tail = name.rpartition("-")
    if tail and len(tail) <= 6:
        first = head.split("-")[0]
        short = f"{first[: limit - len(tail) - 3]}…-{tail}"
        return short
    return name[: limit - 1] + "…"


def _fraction(weight: float) -> str:
    if weight <= 0:
        return "0"
    n = round(1 / weight)
    return f"1/{n}" if abs(1 / n - weight) < 1e-9 else f"{weight:.2f}"


def _pod_anchor(p: tuple[float, float], lay: ClusterLayout) -> tuple[float, float]:
    return (p[0], p[1] - lay.pod_size / 2)


def _frame_of_hidden(G: nx.MultiDiGraph, pod: str, lay: ClusterLayout) -> str | None:
    node = G.nodes[pod].get("node")
    fid = f"Node/{node}" if node else "unscheduled"
    if fid in lay.boxes:
        return fid
    return "more-nodes" if "more-nodes" in lay.boxes else None
