"""Pictures of scheduling: what each node holds, how the plugins scored, who waits in the queue.

- :func:`draw_node_resources`: one bar per node, the requests of its pods stacked
  (coloured per workload, one segment per pod) inside the node's allocatable frame;
- :func:`draw_score_heatmap`: the ``explain()`` table as a heat map, nodes by plugins;
- :func:`draw_queue`: activeQ, backoffQ and the unschedulable pods side by side;
- :func:`draw_utilization_comparison`: the same workload under several scoring
  strategies, for bin packing;
- :func:`draw_scoring_curves`: NodeResourcesFit's score against a node's utilization
  for LeastAllocated, MostAllocated and RequestedToCapacityRatio shapes.

The data come from plain functions (:func:`node_requests_frame`,
:func:`utilization_frame`, :func:`fragmentation`, :func:`score_breakdown`,
:func:`scoring_curves`) that lessons and tests call directly.

Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .style import COLORS, POD_COLORS, apply_style

__all__ = [
    "node_requests_frame",
    "utilization_frame",
    "fragmentation",
    "workload_of",
    "draw_node_resources",
    "draw_score_heatmap",
    "draw_queue",
    "draw_utilization_comparison",
    "score_breakdown",
    "fragmentation_frame",
    "scoring_curves",
    "draw_scoring_curves",
]

MI = 1024 * 1024
#: A qualitative palette for workloads (pods of one app share a colour, the same in every picture). It leaves
#: out style.py's meaningful colours (control-plane blue, agent teal, Failed red) so a workload never reads as one.
WORKLOAD_COLORS = (
    "#ff9da6", "#9d755d", "#d37295", "#b279a2", "#bcbd22", "#4c78a8", "#eeca3b", "#f58518", "#54a24b",
    "#8c6bb1", "#72b7b2", "#a0522d",
)  # fmt: skip


def workload_of(pod: Mapping) -> str:
    """The pod's workload: its ``app`` label, else its controller's name, else the pod name."""
    meta = pod.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get("app"):
        return labels["app"]
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller"):
            name = ref.get("name", "")
            if ref.get("kind") == "ReplicaSet" and "pod-template-hash" in labels:
                name = name[: -len(labels["pod-template-hash"]) - 1] or name
            return name
    return meta.get("name", "")


def _unit(resource: str) -> tuple[float, str]:
    if resource == "cpu":
        return 1.0, "millicores"
    if resource in ("memory", "ephemeral-storage"):
        return float(MI), "MiB"
    return 1.0, resource


def node_requests_frame(cluster: Any, resource: str = "cpu", non_zero: bool = False) -> Any:
    """One row per pod on a node: node, pod, workload, request (millicores or MiB).

    ``non_zero`` counts containers without a request as 100m cpu / 200Mi memory, as the
    scoring plugins do. ``frame.attrs["allocatable"]`` maps node -> allocatable.
    """
    import pandas as pd

    from ..controlplane.scheduler.plugins.helpers import pod_requests, quantity_value

    scale, unit = _unit(resource)
    rows = []
    alloc = {}
    for node in cluster.api.list("Node"):
        name = node["metadata"]["name"]
        raw = ((node.get("status") or {}).get("allocatable") or {}).get(resource, "0")
        alloc[name] = quantity_value(resource, str(raw)) / scale
        for pod in sorted(cluster.api.pods_on_node(name), key=lambda p: p["metadata"].get("creationTimestamp", "")):
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            req = pod_requests(pod, non_zero=non_zero).get(resource, 0) / scale
            rows.append({"node": name, "pod": pod["metadata"]["name"], "workload": workload_of(pod), "request": req})
    frame = pd.DataFrame(rows, columns=["node", "pod", "workload", "request"])
    frame.attrs["allocatable"] = alloc
    frame.attrs["unit"] = unit
    return frame


def utilization_frame(cluster: Any, resources: Sequence[str] = ("cpu", "memory")) -> Any:
    """Per node: requested / allocatable (0..1) of each resource, and the pod count."""
    import pandas as pd

    rows = {}
    for resource in resources:
        frame = node_requests_frame(cluster, resource)
        used = frame.groupby("node")["request"].sum()
        for node, alloc in frame.attrs["allocatable"].items():
            rows.setdefault(node, {})[resource] = float(used.get(node, 0.0)) / alloc if alloc else 0.0
    counts = node_requests_frame(cluster, resources[0]).groupby("node").size()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["pods"] = [int(counts.get(n, 0)) for n in out.index]
    out.index.name = "node"
    return out


def fragmentation(cluster: Any, probe: Mapping[str, str]) -> dict[str, Any]:
    """How much free room is usable by pods of size ``probe`` (e.g. ``{"cpu": "2", "memory": "4Gi"}``).

    Returns the free cpu (millicores) summed over nodes, how many probe pods would fit
    in total (each node on its own), the same as if all free room were one node, and
    the fraction lost to fragmentation.
    """
    from ..controlplane.scheduler.plugins.helpers import pod_requests, quantity_value

    want = {r: quantity_value(r, str(v)) for r, v in probe.items()}
    free_total = dict.fromkeys(want, 0)
    fits = 0
    for node in cluster.api.list("Node"):
        name = node["metadata"]["name"]
        alloc = (node.get("status") or {}).get("allocatable") or {}
        pods = [p for p in cluster.api.pods_on_node(name)
                if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]  # fmt: skip
        used = dict.fromkeys(want, 0)
        for p in pods:
            reqs = pod_requests(p)
            for r in want:
                used[r] += reqs.get(r, 0)
        per_node = None
        for r, w in want.items():
            free = quantity_value(r, str(alloc.get(r, "0"))) - used[r]
            free_total[r] += max(free, 0)
            n = max(free, 0) // w if w else 10**9
            per_node = n if per_node is None else min(per_node, n)
        fits += per_node or 0
    pooled = min((free_total[r] // w if w else 10**9) for r, w in want.items())
    lost = 0.0 if pooled == 0 else 1.0 - fits / pooled
    return {"free": free_total, "fits": int(fits), "fits_if_pooled": int(pooled), "fragmentation": lost}


def score_breakdown(cluster: Any, pod: Any, node: str, resources: Sequence[str] = ("cpu", "memory")) -> Any:
    """NodeResourcesFit's arithmetic for ``pod`` on ``node``, one row per resource.

    Columns: unit (millicores, MiB), allocatable, requested (the pods already on the
    node, counted as scoring counts them: 100m / 200Mi for containers without
    requests), pod (the incoming pod's request), after (requested + pod), and the
    per-resource LeastAllocated and MostAllocated scores (integer division on the exact
    quantities, as upstream). ``frame.attrs`` holds the node's LeastAllocated and
    MostAllocated scores with weight 1 per resource. ``pod`` is a manifest (dict or
    YAML text) or the name of a pod in "default".
    """
    import pandas as pd

    from ..api.manifests import load_manifests
    from ..controlplane.scheduler.plugins.helpers import pod_requests, quantity_value
    from ..controlplane.scheduler.plugins.node_resources_fit import (
        least_allocated_scorer,
        least_requested_score,
        most_allocated_scorer,
        most_requested_score,
    )

    if isinstance(pod, str) and "\n" not in pod and ":" not in pod:
        pod = cluster.api.get("Pod", pod, "default")
    elif not isinstance(pod, Mapping):
        pod = load_manifests(pod)[0]
    node_obj = cluster.api.get("Node", node)
    alloc_raw = (node_obj.get("status") or {}).get("allocatable") or {}
    name = (pod.get("metadata") or {}).get("name")
    on_node = [p for p in cluster.api.pods_on_node(node)
               if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
               and p["metadata"].get("name") != name]  # fmt: skip
    incoming = pod_requests(pod, non_zero=True)
    rows = {}
    exact: dict[str, tuple[int, int]] = {}
    for r in resources:
        scale, unit = _unit(r)
        alloc = quantity_value(r, str(alloc_raw.get(r, "0")))
        used = sum(pod_requests(p, non_zero=True).get(r, 0) for p in on_node)
        after = used + incoming.get(r, 0)
        exact[r] = (after, alloc)
        rows[r] = {"unit": unit, "allocatable": alloc / scale, "requested": used / scale,
                   "pod": incoming.get(r, 0) / scale, "after": after / scale,
                   "LeastAllocated": least_requested_score(after, alloc) if alloc else None,
                   "MostAllocated": most_requested_score(after, alloc) if alloc else None}  # fmt: skip
    frame = pd.DataFrame.from_dict(rows, orient="index")
    for col in ("allocatable", "requested", "pod", "after"):
        if all(float(v).is_integer() for v in frame[col]):
            frame[col] = frame[col].astype(int)
    frame.index.name = "resource"
    after = [exact[r][0] for r in resources]
    alloc = [exact[r][1] for r in resources]
    weights = [1] * len(resources)
    frame.attrs["LeastAllocated"] = least_allocated_scorer(after, alloc, weights)
    frame.attrs["MostAllocated"] = most_allocated_scorer(after, alloc, weights)
    return frame


def fragmentation_frame(clusters: Mapping[str, Any], probe: Mapping[str, str]) -> Any:
    """:func:`fragmentation` for several clusters, one row each (free cpu in millicores, memory in MiB)."""
    import pandas as pd

    rows = {}
    for name, c in clusters.items():
        f = fragmentation(c, probe)
        row: dict[str, int] = {}
        if "cpu" in probe:
            row["free cpu (m)"] = f["free"]["cpu"]
        if "memory" in probe:
            row["free memory (MiB)"] = f["free"]["memory"] // MI
        row["probe pods that fit"] = f["fits"]
        row["would fit if pooled"] = f["fits_if_pooled"]
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "cluster"
    return frame


def scoring_curves(shapes: Mapping[str, Sequence[Mapping[str, int]]] | None = None) -> Any:
    """Score (0-100) against utilization (0-100 %) of one resource, per strategy.

    LeastAllocated and MostAllocated always; each entry of ``shapes`` is a
    RequestedToCapacityRatio shape as written in the configuration
    (``[{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]``, scores 0-10).
    """
    import pandas as pd

    from ..controlplane.scheduler.plugins.helpers import broken_linear_function
    from ..controlplane.scheduler.plugins.node_resources_fit import (
        least_requested_score,
        most_requested_score,
        scaled_shape,
    )

    util = list(range(101))
    data = {"LeastAllocated": [least_requested_score(u, 100) for u in util],
            "MostAllocated": [most_requested_score(u, 100) for u in util]}  # fmt: skip
    for label, shape in (shapes or {}).items():
        points = scaled_shape([(p["utilization"], p["score"]) for p in shape])
        data[label] = [broken_linear_function(points, u) for u in util]
    frame = pd.DataFrame(data, index=pd.Index(util, name="utilization %"))
    return frame


def draw_scoring_curves(
    shapes: Mapping[str, Sequence[Mapping[str, int]]] | None = None, ax: Any = None, title: str | None = None
) -> Any:
    """NodeResourcesFit's per-resource score against the node's utilization after placing the pod."""
    import matplotlib.pyplot as plt

    apply_style()
    frame = scoring_curves(shapes)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    styles = {"LeastAllocated": ("#4c78a8", "-"), "MostAllocated": ("#e45756", "-")}
    extra = iter(("#54a24b", "#b279a2", "#f58518", "#72b7b2"))
    for label in frame.columns:
        color, dash = styles.get(label) or (next(extra, "#9d755d"), "--")
        ax.plot(frame.index, frame[label], color=color, linestyle=dash, linewidth=2, label=label)
    ax.set_xlim(0, 100)
    ax.set_ylim(-2, 104)
    ax.set_xlabel("utilization of the resource on the node, with the pod (%)")
    ax.set_ylabel("score (0-100)")
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(title or "Which node does each strategy like?", loc="left")
    return ax


_SHORT = {
    "TaintToleration": "Taint\nToleration",
    "NodeAffinity": "Node\nAffinity",
    "NodeResourcesFit": "NodeResources\nFit",
    "PodTopologySpread": "PodTopology\nSpread",
    "InterPodAffinity": "InterPod\nAffinity",
    "NodeResourcesBalancedAllocation": "Balanced\nAllocation",
    "ImageLocality": "Image\nLocality",
}


def _workload_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per workload, picked from its name (crc32), so a workload keeps its colour across pictures."""
    import zlib

    n = len(WORKLOAD_COLORS)
    out: dict[str, str] = {}
    used: set[int] = set()
    for w in sorted(set(names)):
        slot = zlib.crc32(w.encode()) % n
        free = [k for k in range(n) if (slot + k) % n not in used]
        slot = (slot + free[0]) % n if free else slot
        used.add(slot)
        out[w] = WORKLOAD_COLORS[slot]
    return out


def draw_node_resources(
    cluster: Any,
    resource: str = "cpu",
    ax: Any = None,
    non_zero: bool = False,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
    legend: bool = True,
) -> Any:
    """Per node: the pods' requests stacked (one segment per pod) inside the allocatable frame.

    Returns the matplotlib Axes. ``non_zero`` draws the requests the scoring plugins
    count (100m / 200Mi for containers without one); segments past the frame overflow
    visibly.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    apply_style()
    frame = node_requests_frame(cluster, resource, non_zero)
    alloc: dict[str, float] = frame.attrs["allocatable"]
    unit = frame.attrs["unit"]
    nodes = [n for n in cluster.nodes() if n in alloc] or sorted(alloc)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(nodes) + 2), 3.8))
    colors = dict(colors or _workload_colors(frame.workload))
    width = 0.62
    for i, node in enumerate(nodes):
        cap = alloc.get(node, 0.0)
        ax.add_patch(Rectangle((i - width / 2 - 0.04, 0), width + 0.08, cap, fill=True,
                               facecolor=COLORS["node-fill"], edgecolor=COLORS["node"], linewidth=1.2, zorder=1))  # fmt: skip
        bottom = 0.0
        for _, row in frame[frame.node == node].iterrows():
            ax.add_patch(Rectangle((i - width / 2, bottom), width, row.request,
                                   facecolor=colors.get(row.workload, POD_COLORS["Unknown"]), edgecolor="white",
                                   linewidth=0.8, zorder=2))  # fmt: skip
            bottom += row.request
        share = bottom / cap * 100 if cap else 0
        ax.text(i, max(cap, bottom) * 1.01, f"{share:.0f}%", ha="center", va="bottom", fontsize=9, color=COLORS["text"])
    top = max([*alloc.values(), *(frame.groupby("node")["request"].sum().tolist() or [0])], default=1) or 1
    ax.set_xlim(-0.6, len(nodes) - 0.4)
    ax.set_ylim(0, top * 1.12)
    ax.set_xticks(range(len(nodes)))
    ax.set_xticklabels(nodes, rotation=30 if len(nodes) > 6 else 0, ha="right" if len(nodes) > 6 else "center")
    label = "non-zero requests" if non_zero else "requests"
    ax.set_ylabel(f"{resource} {label} ({unit})")
    ax.set_title(title or f"{resource} requested per node (grey frame: allocatable)", loc="left")
    if legend and colors:
        handles = [Patch(facecolor=c, label=w) for w, c in colors.items() if w in set(frame.workload)]
        if handles:
            ax.legend(handles=handles, title="workload", fontsize=8, title_fontsize=8, loc="upper left",
                      bbox_to_anchor=(1.01, 1.0), frameon=False)  # fmt: skip
    return ax


def draw_score_heatmap(frame: Any, ax: Any = None, weighted: bool = False, title: str | None = None) -> Any:
    """The ``explain()`` table as a heat map: nodes (rows) by score plugins (columns).

    Cells show each plugin's normalized score (``weighted`` multiplies by the plugin's
    weight); filtered-out nodes are grey and their row names the filter reason; NaN
    cells (plugin skipped) are blank with a dash.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    apply_style()
    plugins = [c for c in frame.columns if c not in ("filter", "total")]
    weights = frame.attrs.get("weights", {})
    values = frame[plugins].to_numpy(dtype=float)
    if weighted:
        values = values * np.array([weights.get(p, 1) for p in plugins], dtype=float)
    vmax = 100.0 * (max(weights.values()) if weighted and weights else 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.95 * len(plugins) + 3.6, 0.36 * len(frame) + 1.5))
    masked = np.ma.masked_invalid(values)
    cmap = plt.get_cmap("Greens").with_extremes(bad=COLORS["node-fill"])
    ax.imshow(masked, cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            v = values[r, c]
            text = "–" if np.isnan(v) else f"{v:.0f}"
            color = "white" if (not np.isnan(v) and v > 0.6 * vmax) else COLORS["text"]
            ax.text(c, r, text, ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(plugins)))
    ax.set_xticklabels([f"{_SHORT.get(p, p)}\nweight {weights.get(p, 1)}" for p in plugins], fontsize=8)
    rows = []
    for node, verdict, total in zip(frame.index, frame["filter"], frame["total"]):
        rows.append(f"{node}  total {total:.0f}" if verdict == "ok" else f"{node}  ✗ {verdict}")
    ax.set_yticks(range(len(frame)))
    ax.set_yticklabels(rows, fontsize=8)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(length=0)
    what = "weighted scores" if weighted else "normalized scores (0-100, before weights)"
    ax.set_title(title or f"Score plugins per node: {what}", loc="left")
    return ax


def draw_queue(scheduler: Any, ax: Any = None, title: str | None = None, max_rows: int = 10) -> Any:
    """activeQ, backoffQ and the unschedulable pods, one box per pod (priority, attempts)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    apply_style()
    scheduler = getattr(scheduler, "scheduler", scheduler)
    lanes: dict[str, list] = {"activeQ": [], "backoffQ": [], "unschedulable": []}
    for where, qpi in scheduler.queue.pods():
        lanes["unschedulable" if where == "gated" else where].append((where, qpi))
    rows = max(2, min(max_rows, max(len(v) for v in lanes.values())))
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.62 * rows + 1.7))
    colors = {
        "activeQ": COLORS["control-plane"],
        "backoffQ": POD_COLORS["Pending"],
        "unschedulable": POD_COLORS["Failed"],
    }
    notes = {"activeQ": "popped next: priority, then arrival", "backoffQ": "waiting out its back-off (1 s → 10 s)",
             "unschedulable": "waiting for a helpful cluster event (≤ 5 min)"}  # fmt: skip
    for col, (lane, items) in enumerate(lanes.items()):
        x = col * 3.7
        ax.text(x + 1.7, rows + 0.95, f"{lane} ({len(items)})", ha="center", fontsize=10, fontweight="bold",
                color=colors[lane])  # fmt: skip
        ax.text(x + 1.7, rows + 0.5, notes[lane], ha="center", fontsize=7.5, color=COLORS["edge"])
        if not items:
            ax.text(x + 1.7, rows - 0.5, "(empty)", ha="center", fontsize=8, color=COLORS["edge"])
        for i, (where, qpi) in enumerate(items[:max_rows]):
            y = rows - 1 - i
            ax.add_patch(FancyBboxPatch((x, y + 0.08), 3.4, 0.8, boxstyle="round,pad=0.02",
                                        facecolor=colors[lane], alpha=0.15 if where != "gated" else 0.06,
                                        edgecolor=colors[lane]))  # fmt: skip
            detail = f"priority {qpi.priority} · attempts {qpi.attempts}"
            if lane == "unschedulable":
                why = "scheduling gates" if where == "gated" else ", ".join(sorted(qpi.unschedulable_plugins))
                detail = f"rejected by {why}" if why else detail
            ax.text(x + 0.12, y + 0.64, qpi.key[1], fontsize=8.5, va="center", color=COLORS["text"])
            ax.text(x + 0.12, y + 0.3, detail[:46], fontsize=7, va="center", color=COLORS["edge"])
        if len(items) > max_rows:
            ax.text(x + 1.7, -0.35, f"+{len(items) - max_rows} more", ha="center", fontsize=8)
    ax.set_xlim(-0.2, 3 * 3.7)
    ax.set_ylim(-0.6, rows + 1.35)
    ax.axis("off")
    ax.set_title(title or f"The scheduling queue at t = {scheduler.clock.now:g} s", loc="left", pad=12)
    return ax


def draw_utilization_comparison(
    clusters: Mapping[str, Any], resource: str = "cpu", title: str | None = None, non_zero: bool = False
) -> Any:
    """Side by side: per-node requests for the same workload under each scoring strategy.

    Returns the Figure. All panels share the y axis and the workload colours.
    """
    import matplotlib.pyplot as plt

    apply_style()
    names = list(clusters)
    workloads: list[str] = []
    for c in clusters.values():
        workloads.extend(node_requests_frame(c, resource, non_zero).workload.tolist())
    colors = _workload_colors(workloads)
    n_nodes = max(len(c.nodes()) for c in clusters.values())
    fig, axes = plt.subplots(1, len(names), figsize=(max(4.2, 0.75 * n_nodes + 1.6) * len(names), 3.9),
                             sharey=True, squeeze=False)  # fmt: skip
    for i, (ax, name) in enumerate(zip(axes[0], names)):
        draw_node_resources(clusters[name], resource, ax=ax, non_zero=non_zero, colors=colors,
                            legend=i == len(names) - 1, title=name)  # fmt: skip
        if i:
            ax.set_ylabel("")
    fig.suptitle(title or f"The same pods, three scoring strategies ({resource})", x=0.01, ha="left",
                 fontweight="bold")  # fmt: skip
    fig.tight_layout()
    return fig
