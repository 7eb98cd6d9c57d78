"""The one palette every picture uses (LESSON-STYLE.md "Pictures").

Control-plane components blue, node agents teal, Nodes grey frames, Pods by phase
(Running green, Pending amber, Failed/CrashLoopBackOff red, Succeeded light grey,
Terminating hatched), Services purple.
"""

from __future__ import annotations

__all__ = ["COLORS", "POD_COLORS", "pod_color", "apply_style", "FIGSIZE"]

COLORS = {
    "control-plane": "#2f6fde",  # blue
    "agent": "#1a9e96",  # teal
    "node": "#8a8f98",  # grey frame
    "node-fill": "#f1f2f4",
    "service": "#7b4fc9",  # purple
    "workload": "#4a5568",  # Deployments, ReplicaSets: slate
    "config": "#b7791f",  # ConfigMaps, Secrets, volumes: ochre
    "edge": "#6b7280",
    "highlight": "#e8590c",
    "text": "#1f2937",
}

POD_COLORS = {
    "Running": "#2e9e44",  # green
    "Pending": "#f0a202",  # amber
    "Failed": "#d62828",  # red
    "CrashLoopBackOff": "#d62828",
    "Error": "#d62828",
    "Succeeded": "#c9ccd1",  # light grey
    "Completed": "#c9ccd1",
    "Terminating": "#9aa0a6",  # drawn hatched
    "Unknown": "#6b7280",
}

FIGSIZE = (9, 5)


def pod_color(status: str) -> str:
    """Colour of a pod by its kubectl STATUS word (ContainerCreating counts as Pending)."""
    if status in POD_COLORS:
        return POD_COLORS[status]
    if status.startswith(("Init:", "ContainerCreating", "PodInitializing")):
        return POD_COLORS["Pending"]
    if status in ("ErrImagePull", "ImagePullBackOff", "OOMKilled", "CreateContainerConfigError") or status.startswith(
        ("Init:Error", "Init:CrashLoopBackOff")
    ):
        return POD_COLORS["Failed"]
    return POD_COLORS["Unknown"]


def apply_style() -> None:
    """Matplotlib defaults shared by all lesson pictures."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "font.size": 10,
            "figure.facecolor": "white",
        }
    )
