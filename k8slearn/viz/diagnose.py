"""The troubleshooting decision flow as a picture: symptom -> kubectl command -> what to read -> cause.

One row per first symptom a ``kubectl get`` shows (a Pending pod, a container that cannot
start, a crash loop, an image that cannot be pulled, a Service without endpoints, a
NotReady node). Symptom boxes use the lesson palette (Pending amber, failing red, Running
green, nodes grey); commands are dark boxes in a monospace font, as typed.

Used in: 10_capstone.
"""

from __future__ import annotations

from typing import Any

from .style import COLORS, POD_COLORS, apply_style

__all__ = ["FLOW_ROWS", "draw_flow"]

#: (key, symptom, colour, kubectl command, what to look for, usual cause and remedy)
FLOW_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Pending", "pod Pending", POD_COLORS["Pending"], "kubectl describe pod",
     "Events: FailedScheduling\n'untolerated taint(s)'\n'Insufficient cpu'",
     "a taint without toleration,\nrequests too big\n→ toleration, smaller requests"),
    ("CreateContainerConfigError", "CreateContainer-\nConfigError", POD_COLORS["Failed"], "kubectl describe pod",
     "Events: Failed\nconfigmap \"...\" not found", "missing ConfigMap or key\n→ create it"),
    ("CrashLoopBackOff", "CrashLoopBackOff", POD_COLORS["CrashLoopBackOff"], "kubectl logs --previous",
     "the last lines before\nthe container exited", "bad config, app bug\n→ fix the config or image"),
    ("ImagePullBackOff", "ImagePullBackOff,\nrollout stuck", POD_COLORS["Failed"],
     "kubectl rollout status\nkubectl describe pod", "Failed to pull image \"...\"\nProgressDeadlineExceeded",
     "wrong tag, repository\nor registry\n→ kubectl rollout undo"),
    ("no endpoints", "Running,\nno traffic", POD_COLORS["Running"], "kubectl get endpoints\nkubectl describe svc",
     "<none>: the selector\nmatches no pod\nblank: pods not Ready",
     "wrong selector, failing\nreadiness probe\n→ fix the selector or probe"),
    ("NotReady", "node NotReady", COLORS["node"], "kubectl describe node\nkubectl get leases",
     "Conditions: Kubelet stopped\nposting node status",
     "kubelet or machine down\n→ restart it; its pods\nleave after 300 s"),
)  # fmt: skip

_ALIASES = {
    "ErrImagePull": "ImagePullBackOff",
    "ProgressDeadlineExceeded": "ImagePullBackOff",
    "not Ready": "no endpoints",
    "endpoints not ready": "no endpoints",
    "Error": "CrashLoopBackOff",
    "node NotReady": "NotReady",
}


def _box(ax: Any, x: float, y: float, w: float, h: float, text: str, face: str, *, edge: str | None = None,
         color: str = "white", mono: bool = False, size: float = 8.5, weight: str = "normal",
         lw: float = 1.0) -> None:  # fmt: skip
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.0,rounding_size=0.8", facecolor=face,
                                edgecolor=edge or face, linewidth=lw))  # fmt: skip
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", color=color, fontsize=size, weight=weight,
            family="monospace" if mono else None, linespacing=1.25)  # fmt: skip


def _arrow(ax: Any, x0: float, y0: float, x1: float, y1: float, color: str, lw: float = 1.2) -> None:
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw,
                                                             "shrinkA": 0, "shrinkB": 0})  # fmt: skip


def draw_flow(ax: Any = None, highlight: str | None = None, title: str | None = None) -> Any:
    """Draw the decision flow; ``highlight`` (a symptom such as ``"Pending"``) emphasises one row.

    Returns the matplotlib Axes.

    Examples
    --------
    >>> ax = draw_flow(highlight="Pending")
    >>> ax.get_title(loc="left")
    'From symptom to cause: start at kubectl get, follow the row'
    """
    import matplotlib.pyplot as plt

    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(13, 7.6))
    key = _ALIASES.get(highlight or "", highlight)
    n = len(FLOW_ROWS)
    row_h, gap = 11.0, 2.6
    top = n * (row_h + gap)
    cols = (("You see", 15.0), ("Run next", 37.0), ("Look for", 63.0), ("Usual cause → fix", 91.0))
    for label, x in cols:
        ax.text(x, top + 3.5, label, ha="left", va="bottom", fontsize=10, weight="bold", color=COLORS["text"])
    root_y0, root_y1 = gap / 2, top - gap / 2
    _box(ax, 0.5, root_y0, 10.5, root_y1 - root_y0, "kubectl get\npods\nnodes\ndeployments\nendpoints",
         COLORS["control-plane"], mono=True, size=9.5, weight="bold")  # fmt: skip
    for i, (row_key, symptom, colour, command, look, cause) in enumerate(FLOW_ROWS):
        y = top - (i + 1) * (row_h + gap) + gap / 2
        mid = y + row_h / 2
        on = key is None or key == row_key
        alpha_text = COLORS["text"] if on else "#9aa0a6"
        edge = COLORS["highlight"] if key == row_key else None
        lw = 2.6 if key == row_key else 1.0
        line = COLORS["edge"] if on else "#d0d3d8"
        _arrow(ax, 11.0, mid, 15.0, mid, line)
        _box(ax, 15.0, y, 18.0, row_h, symptom, colour if on else "#e5e7eb", edge=edge, lw=lw,
             color="white" if on else "#9aa0a6", size=9, weight="bold")  # fmt: skip
        _arrow(ax, 33.0, mid, 37.0, mid, line)
        _box(ax, 37.0, y, 22.0, row_h, command, COLORS["workload"] if on else "#e5e7eb", edge=edge, lw=lw,
             color="white" if on else "#9aa0a6", mono=True, size=8.5)  # fmt: skip
        _arrow(ax, 59.0, mid, 63.0, mid, line)
        _box(ax, 63.0, y, 24.0, row_h, look, "white", edge=edge or (COLORS["node"] if on else "#e5e7eb"), lw=lw,
             color=alpha_text, size=8.5)  # fmt: skip
        _arrow(ax, 87.0, mid, 91.0, mid, line)
        _box(ax, 91.0, y, 24.0, row_h, cause, COLORS["node-fill"] if on else "white", edge=edge or "#d0d3d8", lw=lw,
             color=alpha_text, size=8.5)  # fmt: skip
    ax.set_xlim(0, 115.5)
    ax.set_ylim(-1, top + 8)
    ax.set_axis_off()
    ax.set_title(title or "From symptom to cause: start at kubectl get, follow the row", loc="left")
    return ax
