"""Autoscaling over time: offered load, replicas and CPU utilization against the target.

:class:`AutoscalingHistory` samples one HorizontalPodAutoscaler, its scale target and the
load offered to a Service while the clock runs (:meth:`AutoscalingHistory.run`);
:func:`plot_autoscaling` draws three panels on one time axis: requests per second,
replicas (what the HPA wants and how many pods are Ready) with the min/max bounds, and
the CPU utilization the HPA measured against its target.

Used in: 09_autoscaling.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .style import COLORS, POD_COLORS, apply_style

if TYPE_CHECKING:
    import pandas as pd

    from ..cluster import Cluster

__all__ = ["AutoscalingHistory", "plot_autoscaling", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = ["time", "rps", "replicas", "ready", "desired", "utilization", "target", "min", "max"]


def _target_utilization(hpa: dict, resource: str = "cpu") -> float:
    for m in (hpa.get("spec") or {}).get("metrics") or ():
        src = m.get("resource") or {}
        if m.get("type") == "Resource" and src.get("name") == resource:
            value = (src.get("target") or {}).get("averageUtilization")
            if value is not None:
                return float(value)
    return math.nan


def _current_utilization(hpa: dict, resource: str = "cpu") -> float:
    for m in (hpa.get("status") or {}).get("currentMetrics") or ():
        src = m.get("resource") or {}
        if m.get("type") == "Resource" and src.get("name") == resource:
            value = (src.get("current") or {}).get("averageUtilization")
            if value is not None:
                return float(value)
    return math.nan


class AutoscalingHistory:
    """Samples an HPA, its target and the offered load.

    Parameters
    ----------
    cluster
        The cluster.
    hpa
        Name of the HorizontalPodAutoscaler.
    service
        The Service whose offered load (``cluster.set_load``) is recorded; default: the
        HPA's scale target name.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=1)
    >>> AutoscalingHistory(c, "web").frame().columns.tolist()
    ['time', 'rps', 'replicas', 'ready', 'desired', 'utilization', 'target', 'min', 'max']
    """

    def __init__(self, cluster: Cluster, hpa: str, namespace: str = "default", service: str | None = None) -> None:
        self.cluster = cluster
        self.hpa = hpa
        self.namespace = namespace
        self.service = service
        self.rows: list[dict] = []

    def sample(self) -> dict:
        """Record the state now; returns the row."""
        from ..node.load import offered_rps

        c, ns = self.cluster, self.namespace
        hpa = c.api.get_or_none("HorizontalPodAutoscaler", self.hpa, ns) or {}
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        target = None
        if ref.get("kind") and ref.get("name"):
            try:
                target = c.api.get_or_none(ref["kind"], ref["name"], ns)
            except Exception:
                target = None
        replicas = int(((target or {}).get("spec") or {}).get("replicas") or 0)
        ready = 0
        selector = ((target or {}).get("spec") or {}).get("selector")
        if selector:
            from ..api.objects import pod_is_ready

            ready = sum(
                1
                for p in c.api.list("Pod", ns, selector=selector)
                if pod_is_ready(p) and not p["metadata"].get("deletionTimestamp")
            )
        service = self.service or ref.get("name", "")
        status = hpa.get("status") or {}
        row = {
            "time": c.clock.now,
            "rps": offered_rps(c, service, namespace=ns) if service else 0.0,
            "replicas": replicas,
            "ready": ready,
            "desired": status.get("desiredReplicas", math.nan) if status else math.nan,
            "utilization": _current_utilization(hpa),
            "target": _target_utilization(hpa),
            "min": spec.get("minReplicas", 1),
            "max": spec.get("maxReplicas", math.nan),
        }
        self.rows.append(row)
        return row

    def run(self, seconds: float, every: float = 5.0) -> pd.DataFrame:
        """Advance the clock ``seconds`` in steps of ``every``, sampling before and after each step."""
        if not self.rows or self.rows[-1]["time"] != self.cluster.clock.now:
            self.sample()
        steps = max(1, int(round(seconds / every)))
        for _ in range(steps):
            self.cluster.run(seconds / steps)
            self.sample()
        return self.frame()

    def frame(self) -> pd.DataFrame:
        """Every sample so far as a DataFrame (columns :data:`HISTORY_COLUMNS`)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)

    def __repr__(self) -> str:
        return f"<AutoscalingHistory hpa={self.hpa} samples={len(self.rows)}>"


def plot_autoscaling(data: Any, title: str | None = None, axes: Any = None) -> Any:
    """Three stacked panels over virtual time: offered load, replicas, CPU utilization.

    ``data`` is an :class:`AutoscalingHistory` or its frame. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    apply_style()
    frame = data.frame() if hasattr(data, "frame") else data
    if axes is None:
        fig, axes = plt.subplots(3, 1, figsize=(10.5, 6.4), sharex=True, gridspec_kw={"height_ratios": [1, 1.3, 1]})
    else:
        fig = axes[0].figure
    ax_rps, ax_rep, ax_cpu = axes
    t = frame["time"]
    ax_rps.step(t, frame["rps"], where="post", color=COLORS["service"], lw=2)
    ax_rps.fill_between(t, frame["rps"], step="post", color=COLORS["service"], alpha=0.12)
    ax_rps.set_ylabel("load\n(requests/s)")
    ax_rps.set_ylim(bottom=0)
    ax_rep.step(t, frame["replicas"], where="post", color=COLORS["control-plane"], lw=2, label="spec.replicas (HPA)")
    ax_rep.step(t, frame["ready"], where="post", color=POD_COLORS["Running"], lw=1.6, ls="--", label="Ready pods")
    if len(frame):
        lo, hi = frame["min"].iloc[-1], frame["max"].iloc[-1]
        ax_rep.axhline(lo, color=COLORS["edge"], lw=0.8, ls=":")
        if not (isinstance(hi, float) and math.isnan(hi)):
            ax_rep.axhline(hi, color=COLORS["edge"], lw=0.8, ls=":")
            ax_rep.text(t.iloc[0], hi, f" maxReplicas {int(hi)}", va="bottom", fontsize=8, color=COLORS["edge"])
        ax_rep.text(t.iloc[0], lo, f" minReplicas {int(lo)}", va="bottom", fontsize=8, color=COLORS["edge"])
        top = max(float(frame["replicas"].max()), float(frame["ready"].max()), float(hi) if hi == hi else 0.0)
        ax_rep.set_ylim(0, top + 1.5)
    ax_rep.set_ylabel("replicas")
    ax_rep.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax_cpu.plot(t, frame["utilization"], color=COLORS["highlight"], lw=2, marker="o", ms=2.5, label="measured")
    if len(frame) and frame["target"].notna().any():
        target = float(frame["target"].dropna().iloc[-1])
        ax_cpu.axhline(target, color=COLORS["text"], lw=1, ls="--", label=f"target {target:g}%")
        ax_cpu.axhspan(target * 0.9, target * 1.1, color=COLORS["text"], alpha=0.07, label="±10 % tolerance")
    ax_cpu.set_ylabel("CPU utilization\n(% of request)")
    ax_cpu.set_xlabel("virtual time (s)")
    ax_cpu.set_ylim(bottom=0)
    ax_cpu.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    if title is None and len(frame):
        peak = int(frame["replicas"].max())
        title = f"Replicas follow the load: up to {peak} pods at {frame['rps'].max():g} requests/s"
    fig.suptitle(title or "Autoscaling", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig
