"""Rollouts over time: how many pods each ReplicaSet of a Deployment wants and has.

:class:`RolloutHistory` watches the ReplicaSets of one Deployment and records, at every
change, each one's ``spec.replicas`` (desired) and ``status.availableReplicas``;
:func:`plot_rollout` draws them as step lines together with the two bounds a
RollingUpdate keeps: ``replicas + maxSurge`` pods at most, ``replicas - maxUnavailable``
available at least.

Used in: 07_rolling_updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .style import COLORS, POD_COLORS, apply_style

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["RolloutHistory", "plot_rollout", "REVISION_COLORS"]

#: Older revisions first; the newest ReplicaSet is always drawn green.
REVISION_COLORS = ("#4a5568", "#2f6fde", "#b7791f", "#7b4fc9", "#8a8f98")


def _revision(rs: dict) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0"))
    except ValueError:
        return 0


class RolloutHistory:
    """Records the ReplicaSets of a Deployment from a watch, starting now.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=1)
    >>> RolloutHistory(c, "web").frame().columns.tolist()
    ['time', 'replicaset', 'revision', 'desired', 'current', 'ready', 'available']
    """

    def __init__(self, cluster: Cluster, deployment: str, namespace: str = "default") -> None:
        self.cluster = cluster
        self.deployment = deployment
        self.namespace = namespace
        self.started = cluster.clock.now
        self.rows: list[dict] = []
        self._last: dict[str, tuple] = {}
        self._watch = cluster.api.watch("ReplicaSet", self._on_rs, namespace=namespace, send_initial_events=True)
        #: The first ``initial_rows`` rows are the state found at the start (the watch's initial events);
        #: later rows at the same instant are changes.
        self.initial_rows = len(self.rows)

    def stop(self) -> None:
        self._watch.stop()

    def _owned(self, rs: dict) -> bool:
        return any(
            r.get("kind") == "Deployment" and r.get("name") == self.deployment and r.get("controller")
            for r in rs["metadata"].get("ownerReferences") or []
        )

    def _on_rs(self, event: Any) -> None:
        rs = event.object
        if not self._owned(rs) and rs["metadata"]["name"] not in self._last:
            return
        name = rs["metadata"]["name"]
        status = rs.get("status") or {}
        if event.type == "DELETED":
            values = (_revision(rs), 0, 0, 0, 0)
        else:
            values = (
                _revision(rs),
                int((rs.get("spec") or {}).get("replicas", 1)),
                int(status.get("replicas") or 0),
                int(status.get("readyReplicas") or 0),
                int(status.get("availableReplicas") or 0),
            )
        if self._last.get(name) == values:
            return
        self._last[name] = values
        now = self.cluster.clock.now
        self.rows.append(dict(zip(("time", "replicaset", "revision", "desired", "current", "ready", "available"),
                                  (now, name, *values))))  # fmt: skip

    def frame(self) -> Any:
        """Every recorded change: time, replicaset, revision, desired, current, ready, available."""
        import pandas as pd

        cols = ["time", "replicaset", "revision", "desired", "current", "ready", "available"]
        return pd.DataFrame(self.rows, columns=cols)

    def steps(self) -> Any:
        """Desired and available pods of every ReplicaSet after each moment (one row per time)."""
        import pandas as pd

        names: list[str] = []
        state: dict[str, tuple[int, int]] = {}
        out = []
        for row in self.rows:
            if row["replicaset"] not in names:
                names.append(row["replicaset"])
            state[row["replicaset"]] = (row["desired"], row["available"])
            snapshot = {"time": row["time"]}
            for n in names:
                snapshot[f"{n} desired"] = state[n][0]
                snapshot[f"{n} available"] = state[n][1]
            if out and out[-1]["time"] == row["time"]:
                out[-1] = snapshot
            else:
                out.append(snapshot)
        frame = pd.DataFrame(out).fillna(0)
        for col in frame.columns[1:]:
            frame[col] = frame[col].astype(int)
        return frame


def plot_rollout(
    history: RolloutHistory,
    ax: Any = None,
    *,
    until: float | None = None,
    title: str | None = None,
    bounds: tuple[int, int] | None = None,
) -> Any:
    """Step lines of desired (solid) and available (dotted) pods per ReplicaSet; returns the Axes.

    ``bounds`` = ``(replicas + maxSurge, replicas - maxUnavailable)`` draws the two limits a
    RollingUpdate keeps (default: computed from the Deployment as it is now).
    """
    import matplotlib.pyplot as plt
    from matplotlib.transforms import offset_copy

    from ..controlplane.controllers.deployment import max_surge, max_unavailable

    apply_style()
    now = history.cluster.clock.now if until is None else until
    frame = history.frame()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    names = sorted(frame["replicaset"].unique(), key=lambda n: int(frame[frame.replicaset == n].revision.max()))
    start = history.started
    left = start - 0.06 * max(now - start, 1.0)  # a margin that shows the state before the first change
    right = max(now, start + 1)
    right += 0.05 * (right - left)  # and one after the last change, so its final step is visible
    top = 1
    # replay the rows: the state found at the start is drawn from the left margin on, every change at its time
    # (a ReplicaSet created later rises from 0 at its creation), and after each row the sum of all desired counts
    lines: dict[str, tuple[list[float], list[int], list[int]]] = {}
    state: dict[str, int] = {}
    totals: dict[float, int] = {}
    for k, row in enumerate(history.rows):
        name = row["replicaset"]
        at = left if k < history.initial_rows else max(row["time"], start)
        times, desired, available = lines.setdefault(name, ([], [], []))
        if not times and at > left:
            times.append(at)
            desired.append(0)
            available.append(0)
        times.append(at)
        desired.append(row["desired"])
        available.append(row["available"])
        state[name] = row["desired"]
        totals[at] = sum(state.values())
    for i, name in enumerate(names):
        times, desired, available = lines[name]
        newest = i == len(names) - 1
        color = POD_COLORS["Running"] if newest else REVISION_COLORS[i % len(REVISION_COLORS)]
        times, desired, available = [*times, right], [*desired, desired[-1]], [*available, available[-1]]
        top = max(top, *desired, *available)
        revision = int(frame[frame.replicaset == name].revision.max())
        ax.step(times, desired, where="post", color=color, linewidth=2.2, label=f"{name} (rev {revision}) desired")
        ax.step(times, available, where="post", color=color, linewidth=1.6, linestyle=":",
                label=f"{name} available")  # fmt: skip
    if totals:
        ts = [*totals.keys(), right]
        vs = [*totals.values(), list(totals.values())[-1]]
        ax.step(ts, vs, where="post", color=COLORS["text"], linewidth=1.0, alpha=0.6, label="all ReplicaSets desired")
        top = max(top, *vs)
    d = history.cluster.api.get_or_none("Deployment", history.deployment, history.namespace)
    if bounds is None and d is not None:
        replicas = int((d.get("spec") or {}).get("replicas", 1))
        bounds = (replicas + max_surge(d), replicas - max_unavailable(d))
    if bounds is not None:
        high, low = bounds
        top = max(top, high)
        # the labels sit a few points above their line, so a ReplicaSet line at the same value never strikes them
        lifted = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, y=3, units="points")
        for value, text in ((high, f"max pods (replicas + maxSurge) = {high}"),
                            (low, f"min available (replicas - maxUnavailable) = {low}")):  # fmt: skip
            ax.axhline(value, color=COLORS["highlight"], linestyle="--", linewidth=1)
            ax.text(0.01, value, text, transform=lifted, va="bottom", fontsize=7.5, color=COLORS["highlight"],
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.5}, zorder=4)  # fmt: skip
    ax.set_xlim(left, right)
    ax.set_ylim(0, top + 1.5)
    ax.set_xlabel("virtual time (s)")
    ax.set_ylabel("pods")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    ax.set_title(title or f"Deployment {history.deployment}: ReplicaSets over time", loc="left")
    return ax
