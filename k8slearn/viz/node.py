"""Pictures of the node agents: a pod's journey, restart timelines, probes, cAdvisor curves.

- :func:`plot_pod_journey`: what the scheduler and the kubelet did for one pod, second by
  second (the events a ``kubectl describe pod`` lists, on a time axis).
- :func:`plot_restarts`: a container's instances (running bars, exits) with the waits
  between them, next to the upstream CrashLoopBackOff series 10, 20, 40 ... 300 s.
- :func:`plot_probes`: every probe run (successes, failures), the Ready state they
  produce, and the restarts a liveness probe caused.
- :func:`plot_usage`: cAdvisor's CPU or memory samples per pod over time, with limits.

Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .style import COLORS, POD_COLORS, apply_style

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "BACKOFF_SERIES",
    "backoff_series",
    "restart_frame",
    "probe_frame",
    "plot_pod_journey",
    "plot_restarts",
    "plot_probes",
    "plot_usage",
]

#: The upstream waits before restarts 2, 3, ... (the first restart is immediate).
BACKOFF_SERIES = (10, 20, 40, 80, 160, 300, 300, 300)


def backoff_series(n: int, initial: float = 10.0, cap: float = 300.0) -> list[float]:
    """The first ``n`` CrashLoopBackOff waits: ``initial`` doubling up to ``cap``.

    Examples
    --------
    >>> backoff_series(8)
    [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0, 300.0]
    """
    out, wait = [], float(initial)
    for _ in range(n):
        out.append(min(wait, cap))
        wait *= 2
    return out


def _slot(cluster: Cluster, pod: str, container: str | None, namespace: str) -> Any:
    obj = cluster.api.get("Pod", pod, namespace)
    kubelet = cluster.kubelet(obj["spec"]["nodeName"])
    worker = kubelet.pod_worker(pod, namespace)
    return worker, worker.slot(container) if container else worker.slots[0], kubelet


def restart_frame(cluster: Cluster, pod: str, container: str | None = None, namespace: str = "default") -> Any:
    """One row per container instance: started, finished, exit code, reason, wait before it."""
    import pandas as pd

    _, slot, kubelet = _slot(cluster, pod, container, namespace)
    rows = kubelet.container_history(pod, slot.name, namespace)
    prev_end = None
    for row in rows:
        row["wait_before"] = None if prev_end is None else round(row["started"] - prev_end, 3)
        prev_end = row["finished"]
    return pd.DataFrame(rows, columns=["instance", "restartCount", "started", "finished", "exitCode", "reason",
                                       "wait_before", "containerID"])  # fmt: skip


def probe_frame(cluster: Cluster, pod: str, container: str | None = None, namespace: str = "default") -> Any:
    """Every probe run of a container (skipped successes included): time, kind, ok, message."""
    import pandas as pd

    _, slot, kubelet = _slot(cluster, pod, container, namespace)
    return pd.DataFrame(kubelet.probe_history(pod, slot.name, namespace), columns=["time", "kind", "ok", "message"])


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


_SOURCE_COLORS = {"default-scheduler": COLORS["control-plane"], "kubelet": COLORS["agent"]}


def plot_pod_journey(cluster: Cluster, pod: str, namespace: str = "default", ax: Any = None,
                     title: str | None = None, until: float | None = None, limit: int = 14,
                     reasons: tuple[str, ...] | None = None) -> Any:  # fmt: skip
    """The events of one pod in time order: one line per event, placed at its virtual time.

    ``reasons`` keeps only events with those reasons; ``limit`` caps the number of rows.
    """
    records = [r for r in cluster.event_log.records if r.kind == "Pod" and r.name == pod and r.namespace == namespace]
    if until is not None:
        records = [r for r in records if r.time <= until]
    if reasons is not None:
        records = [r for r in records if r.reason in reasons]
    records = records[:limit]
    ax = _axes(ax, (10, 0.4 * max(len(records), 3) + 1.4))
    if not records:
        ax.text(0.5, 0.5, f"no events for pod {pod}", ha="center", va="center", transform=ax.transAxes)
        return ax
    start = records[0].time
    span = max(records[-1].time - start, 1.0)
    for i, r in enumerate(records):
        x = r.time - start
        color = POD_COLORS["Failed"] if r.type == "Warning" else _SOURCE_COLORS.get(r.source, COLORS["text"])
        ax.plot([x], [-i], "o", color=color, ms=7, zorder=3)
        ax.plot([0, x], [-i, -i], ":", color=COLORS["edge"], lw=0.8, zorder=1)
        message = r.message if len(r.message) <= 72 else r.message[:69] + "..."
        ax.text(x + span * 0.015, -i, f"{r.source}  {r.reason}: {message}", va="center", fontsize=8, color=color)
    ax.set_yticks([])
    ax.set_ylim(-len(records) + 0.4, 0.8)
    ax.set_xlim(-0.02 * span, span * 2.6)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(f"virtual seconds since the first event (t = {start:g} s)")
    ax.set_title(title or f"Pod {pod}, event by event")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_restarts(cluster: Cluster, pod: str, container: str | None = None, namespace: str = "default",
                  axes: Any = None, title: str | None = None) -> Any:  # fmt: skip
    """RESTARTS over time (top: the steps get longer) and each wait next to the upstream series (bottom)."""
    import matplotlib.pyplot as plt

    apply_style()
    frame = restart_frame(cluster, pod, container, namespace)
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(10, 6.5), gridspec_kw={"height_ratios": [1.2, 1]})
    top, bottom = axes
    now = cluster.now
    origin = float(frame.started.iloc[0]) if len(frame) else 0.0
    xs, ys = [0.0], [0]
    for row in frame.itertuples():
        if row.instance == 0:
            continue
        xs.append(row.started - origin)
        ys.append(row.restartCount)
    xs.append(now - origin)
    ys.append(ys[-1])
    top.step(xs, ys, where="post", color=POD_COLORS["Failed"], lw=2)
    for row in frame.itertuples():
        if row.finished is not None and row.finished == row.finished:
            top.plot([row.finished - origin], [row.restartCount], "X", color=POD_COLORS["Failed"], ms=7, zorder=3)
        if row.wait_before is not None and row.wait_before == row.wait_before and row.wait_before >= 5:
            mid = row.started - row.wait_before / 2 - origin
            top.text(mid, row.restartCount - 1 + 0.25, f"{row.wait_before:g} s", ha="center", fontsize=8,
                     color=COLORS["text"])  # fmt: skip
    top.set_xlabel("virtual seconds since the first start (X = the container exited)")
    top.set_ylabel("RESTARTS")
    top.set_xlim(0, max(now - origin, 1) * 1.02)
    top.set_ylim(-0.3, max(ys) + 0.8)
    top.grid(alpha=0.3)
    top.set_title(title or f"{pod}: every crash waits twice as long before the next restart")
    waits = [w for w in frame.wait_before.tolist() if w is not None and w == w]
    n = len(waits)
    if n:
        idx = list(range(1, n + 1))
        series = [0.0] + backoff_series(n - 1)
        bottom.bar([x - 0.2 for x in idx], waits, width=0.4, color=POD_COLORS["Failed"], label="measured wait")
        bottom.bar([x + 0.2 for x in idx], series, width=0.4, color=COLORS["node"], alpha=0.7,
                   label="upstream: immediate, then 10 s doubling, capped at 300 s")  # fmt: skip
        bottom.set_xticks(idx, [f"restart {x}" for x in idx], fontsize=8)
        bottom.set_ylabel("seconds waited before it")
        bottom.legend(loc="upper left", fontsize=8)
        bottom.set_title("The CrashLoopBackOff back-off, restart by restart")
    else:
        bottom.text(0.5, 0.5, "no restarts yet", ha="center", va="center", transform=bottom.transAxes)
        bottom.set_xticks([])
    plt.tight_layout()
    return axes


_KIND_ROWS = {"startup": 3, "liveness": 2, "readiness": 1}


def plot_probes(cluster: Cluster, pod: str, container: str | None = None, namespace: str = "default", ax: Any = None,
                title: str | None = None) -> Any:  # fmt: skip
    """Probe runs (green dot = success, red x = failure) per kind, with Ready and restarts underneath."""
    ax = _axes(ax, (10, 3.8))
    worker, slot, kubelet = _slot(cluster, pod, container, namespace)
    runs = probe_frame(cluster, pod, slot.name, namespace)
    history = kubelet.container_history(pod, slot.name, namespace)
    origin = history[0]["started"] if history else 0.0
    for kind, y in _KIND_ROWS.items():
        part = runs[runs.kind == kind]
        if part.empty:
            continue
        ok = part[part.ok]
        bad = part[~part.ok]
        ax.plot(ok.time - origin, [y] * len(ok), "o", color=POD_COLORS["Running"], ms=5)
        ax.plot(bad.time - origin, [y] * len(bad), "x", color=POD_COLORS["Failed"], ms=8, mew=2)
    # Ready: replay the readiness results through the thresholds
    from ..node.probes import probe_spec

    spec = probe_spec(slot.spec, "readiness")
    now = cluster.now
    for inst in history:
        start, end = inst["started"], inst["finished"] if inst["finished"] is not None else now
        spans = []
        if spec is None:
            spans.append((start, end))
        else:
            ready, since, ok_n, bad_n = False, None, 0, 0
            part = runs[(runs.kind == "readiness") & (runs.time >= start) & (runs.time <= end)]
            for r in part.itertuples():
                if r.ok:
                    ok_n, bad_n = ok_n + 1, 0
                    if not ready and ok_n >= spec.success_threshold:
                        ready, since = True, r.time
                else:
                    bad_n, ok_n = bad_n + 1, 0
                    if ready and bad_n >= spec.failure_threshold:
                        ready = False
                        spans.append((since, r.time))
            if ready:
                spans.append((since, end))
        for a, b in spans:
            ax.barh(0, b - a, left=a - origin, height=0.4, color=POD_COLORS["Running"], alpha=0.5)
        ax.barh(-0.6, end - start, left=start - origin, height=0.25, color=COLORS["agent"], alpha=0.7)
        if inst["finished"] is not None:
            ax.plot([inst["finished"] - origin], [-0.6], "X", color=POD_COLORS["Failed"], ms=8)
    used = [k for k in _KIND_ROWS if not runs[runs.kind == k].empty]
    ticks = [(-0.6, "container"), (0, "Ready")] + [(_KIND_ROWS[k], f"{k} probe") for k in used]
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks])
    ax.set_ylim(-1.1, max([_KIND_ROWS[k] for k in used], default=0) + 0.6)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", color=POD_COLORS["Running"], label="probe succeeded"),
               Line2D([], [], ls="", marker="x", mew=2, color=POD_COLORS["Failed"], label="probe failed"),
               Line2D([], [], ls="", marker="X", color=POD_COLORS["Failed"], label="container exited")]  # fmt: skip
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)
    ax.set_xlim(-1, max(now - origin, 10) * 1.02)
    ax.set_xlabel("virtual seconds since the container first started")
    ax.set_title(title or f"Probes of {pod}/{slot.name}: liveness failures restart it, readiness failures only "
                          "unready it")  # fmt: skip
    ax.grid(axis="x", alpha=0.3)
    return ax


#: One colour per pod in usage plots, from the course palette (agents first: cAdvisor measures).
_USAGE_COLORS = (COLORS["agent"], COLORS["service"], COLORS["config"], COLORS["control-plane"], COLORS["highlight"],
                 COLORS["workload"])  # fmt: skip


def plot_usage(cluster: Cluster, pods: list[str] | None = None, metric: str = "cpu", namespace: str = "default",
               ax: Any = None, title: str | None = None, limits: bool = True) -> Any:  # fmt: skip
    """cAdvisor samples (every 10 s) per pod: CPU in millicores or memory in MiB, with limits dashed."""
    from ..api.quantity import cpu_millis, memory_bytes

    ax = _axes(ax, (10, 4))
    frame = cluster.metrics()
    frame = frame[frame.namespace == namespace]
    if pods is not None:
        frame = frame[frame.pod.isin(pods)]
    column, scale, unit = ("cpu_cores", 1000.0, "millicores") if metric == "cpu" else ("memory_bytes", 2**-20, "MiB")
    colors = _USAGE_COLORS
    names = sorted(frame.pod.unique())
    for i, name in enumerate(names):
        part = frame[frame.pod == name].groupby("time")[column].sum()
        color = colors[i % len(colors)]
        ax.plot(part.index, part.values * scale, "-", marker=".", color=color, label=name)
        if limits:
            obj = cluster.api.get_or_none("Pod", name, namespace)
            total = 0.0
            for c in ((obj or {}).get("spec") or {}).get("containers") or []:
                lim = ((c.get("resources") or {}).get("limits") or {}).get("cpu" if metric == "cpu" else "memory")
                if lim is None:
                    total = 0.0
                    break
                total += cpu_millis(lim) if metric == "cpu" else memory_bytes(lim) * 2**-20
            if total:
                ax.axhline(total, color=color, ls="--", lw=1)
                ax.annotate(f"limit of {name}", (1.0, total), xycoords=("axes fraction", "data"), ha="right",
                            va="bottom", color=color, fontsize=8)  # fmt: skip
    ax.set_xlabel("virtual seconds")
    ax.set_ylabel(f"{'CPU' if metric == 'cpu' else 'memory (working set)'} [{unit}]")
    ax.set_ylim(bottom=0)
    if names:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or f"cAdvisor {'CPU' if metric == 'cpu' else 'memory'} samples every 10 s")
    ax.grid(alpha=0.3)
    return ax
