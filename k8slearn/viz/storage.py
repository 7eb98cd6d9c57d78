"""Storage as a picture: which pod uses which claim, which volume backs it, which class made it.

:func:`storage_table` lists every PersistentVolumeClaim with its phase, volume, size,
access modes, class and the pods (and nodes) that use it; :func:`draw_storage` draws the
same chain left to right - Pods → PersistentVolumeClaims → PersistentVolumes →
StorageClasses - colouring claims and volumes by phase (Bound green, Pending amber,
Available teal, Released grey, Failed/Lost red) and naming the node a local volume is
pinned to.

Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .style import COLORS, POD_COLORS, apply_style, pod_color

if TYPE_CHECKING:
    import pandas as pd

    from ..cluster import Cluster

__all__ = ["storage_table", "volume_table", "draw_storage", "PHASE_COLORS", "ACCESS_MODE_SHORT"]

#: Colour of a claim or volume by its ``status.phase``.
PHASE_COLORS = {
    "Bound": POD_COLORS["Running"],
    "Pending": POD_COLORS["Pending"],
    "Available": COLORS["agent"],
    "Released": POD_COLORS["Succeeded"],
    "Failed": POD_COLORS["Failed"],
    "Lost": POD_COLORS["Failed"],
}
#: How kubectl abbreviates access modes (``RWO`` ...).
ACCESS_MODE_SHORT = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _modes(modes: Any) -> str:
    return ",".join(ACCESS_MODE_SHORT.get(m, m) for m in modes or ())


def _pinned_node(pv: Mapping) -> str:
    """The node a volume's node affinity names (``kubernetes.io/hostname In [x]``), if any."""
    terms = ((((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")) or []
    for term in terms:
        for expr in term.get("matchExpressions") or ():
            if expr.get("key") == "kubernetes.io/hostname" and expr.get("operator") == "In":
                return ",".join(expr.get("values") or ())
    return ""


def _users(cluster: Cluster, namespace: str | None) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for pod in cluster.api.list("Pod", namespace):
        ns = pod["metadata"].get("namespace", "")
        for vol in (pod.get("spec") or {}).get("volumes") or ():
            src = vol.get("persistentVolumeClaim")
            if src and src.get("claimName"):
                out.setdefault((ns, src["claimName"]), []).append(pod)
    return out


def storage_table(cluster: Cluster, namespace: str | None = "default") -> pd.DataFrame:
    """One row per PersistentVolumeClaim: the claim, its volume, its class and its pods.

    Columns: namespace, claim, status, volume, capacity, access_modes, storageclass,
    pods, node (the node the volume is pinned to, or where its pods run).
    """
    import pandas as pd

    users = _users(cluster, namespace)
    volumes = {v["metadata"]["name"]: v for v in cluster.api.list("PersistentVolume")}
    rows = []
    for pvc in cluster.api.list("PersistentVolumeClaim", namespace):
        m, spec, status = pvc["metadata"], pvc.get("spec") or {}, pvc.get("status") or {}
        pv = volumes.get(spec.get("volumeName") or "")
        pods = users.get((m.get("namespace", ""), m["name"]), [])
        node = _pinned_node(pv) if pv else ""
        if not node:
            node = ",".join(sorted({p["spec"]["nodeName"] for p in pods if (p.get("spec") or {}).get("nodeName")}))
        rows.append(
            {
                "namespace": m.get("namespace", ""),
                "claim": m["name"],
                "status": status.get("phase", "Pending"),
                "volume": spec.get("volumeName", ""),
                "capacity": (status.get("capacity") or {}).get("storage", ""),
                "access_modes": _modes(status.get("accessModes") or spec.get("accessModes")),
                "storageclass": spec.get("storageClassName") or "",
                "pods": ",".join(p["metadata"]["name"] for p in pods),
                "node": node,
            }
        )
    columns = ["namespace", "claim", "status", "volume", "capacity", "access_modes", "storageclass", "pods", "node"]
    return pd.DataFrame(rows, columns=columns)


def volume_table(cluster: Cluster) -> pd.DataFrame:
    """One row per PersistentVolume, like ``kubectl get pv`` plus the node a local volume lives on."""
    import pandas as pd

    rows = []
    for pv in cluster.api.list("PersistentVolume"):
        spec, status = pv.get("spec") or {}, pv.get("status") or {}
        ref = spec.get("claimRef") or {}
        rows.append(
            {
                "volume": pv["metadata"]["name"],
                "capacity": (spec.get("capacity") or {}).get("storage", ""),
                "access_modes": _modes(spec.get("accessModes")),
                "reclaim_policy": spec.get("persistentVolumeReclaimPolicy", ""),
                "status": status.get("phase", ""),
                "claim": f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else "",
                "storageclass": spec.get("storageClassName") or "",
                "node": _pinned_node(pv),
            }
        )
    columns = ["volume", "capacity", "access_modes", "reclaim_policy", "status", "claim", "storageclass", "node"]
    return pd.DataFrame(rows, columns=columns)


def _short(name: str, limit: int = 16) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def draw_storage(cluster: Cluster, namespace: str | None = "default", ax: Any = None, title: str | None = None) -> Any:
    """Draw Pods → claims → volumes → classes; returns the Axes.

    Each column is sorted by name; every box says what matters (a claim's phase and
    size, a volume's capacity, reclaim policy and node, a class's provisioner and
    binding mode). Lines: a pod *uses* a claim, a claim is *bound to* a volume (dashed
    while it only asks for a class), a volume *belongs to* a class.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    apply_style()
    api = cluster.api
    claims = api.list("PersistentVolumeClaim", namespace)
    claim_keys = {(c["metadata"].get("namespace", ""), c["metadata"]["name"]) for c in claims}
    users = _users(cluster, namespace)
    pods: list[dict] = []
    seen = set()
    for key in sorted(users):
        for p in users[key]:
            pk = (p["metadata"].get("namespace", ""), p["metadata"]["name"])
            if pk not in seen:
                seen.add(pk)
                pods.append(p)
    pods.sort(key=lambda p: p["metadata"]["name"])
    volumes = api.list("PersistentVolume")
    classes = api.list("StorageClass")
    columns = [("Pods", pods), ("PersistentVolumeClaims", claims), ("PersistentVolumes", volumes),
               ("StorageClasses", classes)]  # fmt: skip
    rows = max([len(items) for _, items in columns] + [1])
    if ax is None:
        _, ax = plt.subplots(figsize=(12, round(max(2.6, 0.95 * rows + 1.6), 1)))
    width, height, gap = 2.5, 0.72, 0.95
    xs = [0.0, 3.3, 6.6, 9.9]
    centres: dict[str, tuple[float, float]] = {}

    def box(x: float, y: float, label: str, face: str, edge: str, key: str, hatch: str | None = None) -> None:
        patch = FancyBboxPatch((x, y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                               facecolor=face, edgecolor=edge, linewidth=1.4, hatch=hatch, zorder=1)  # fmt: skip
        ax.add_patch(patch)
        ax.text(x + width / 2, y, label, ha="center", va="center", fontsize=8, color=COLORS["text"], zorder=3)
        centres[key] = (x, y)

    def y_of(i: int, n: int) -> float:
        return -(i - (n - 1) / 2) * gap

    for col, (heading, items) in enumerate(columns):
        ax.text(xs[col] + width / 2, (rows - 1) / 2 * gap + 0.75, heading, ha="center", va="bottom",
                fontsize=10, fontweight="bold", color=COLORS["text"])  # fmt: skip
        for i, obj in enumerate(items):
            m = obj["metadata"]
            y = y_of(i, len(items))
            if col == 0:
                from ..graph import pod_status

                status = pod_status(obj)
                node = (obj.get("spec") or {}).get("nodeName") or "not scheduled"
                box(xs[0], y, f"{_short(m['name'])}\n{status} · {node}", _tint(pod_color(status)), pod_color(status),
                    f"pod/{m.get('namespace', '')}/{m['name']}")  # fmt: skip
            elif col == 1:
                phase = (obj.get("status") or {}).get("phase", "Pending")
                size = ((obj.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage", "")
                box(xs[1], y, f"{_short(m['name'])}\n{phase} · asks {size}", _tint(PHASE_COLORS.get(phase, "#999")),
                    PHASE_COLORS.get(phase, "#999"), f"pvc/{m.get('namespace', '')}/{m['name']}",
                    "///" if m.get("deletionTimestamp") else None)  # fmt: skip
            elif col == 2:
                spec = obj.get("spec") or {}
                phase = (obj.get("status") or {}).get("phase", "")
                node = _pinned_node(obj)
                where = f" · {node}" if node else ""
                label = (f"{_short(m['name'], 18)}\n{(spec.get('capacity') or {}).get('storage', '')} "
                         f"{_modes(spec.get('accessModes'))} {spec.get('persistentVolumeReclaimPolicy', '')}{where}\n"
                         f"class: {spec.get('storageClassName') or '(none)'}")  # fmt: skip
                box(xs[2], y, label, _tint(PHASE_COLORS.get(phase, "#999")), PHASE_COLORS.get(phase, "#999"),
                    f"pv/{m['name']}", "///" if m.get("deletionTimestamp") else None)  # fmt: skip
            else:
                default = (m.get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"
                label = f"{m['name']}{' (default)' if default else ''}\n{_short(obj.get('provisioner', ''), 24)}"
                mode = "WaitForFirstConsumer" if obj.get("volumeBindingMode") == "WaitForFirstConsumer" else "Immediate"
                box(xs[3], y, f"{label}\n{mode}", "#eef0f3", COLORS["workload"], f"sc/{m['name']}")

    def line(a: str, b: str, style: str = "-", color: str = COLORS["edge"]) -> None:
        if a not in centres or b not in centres:
            return
        (x1, y1), (x2, y2) = centres[a], centres[b]
        ax.annotate("", xy=(x2, y2), xytext=(x1 + width, y1), zorder=0.5,
                    arrowprops={"arrowstyle": "-|>", "color": color, "linestyle": style, "lw": 1.2,
                                "shrinkA": 2, "shrinkB": 2})  # fmt: skip

    for (ns, claim), users_of in users.items():
        if (ns, claim) not in claim_keys:
            continue
        for p in users_of:
            line(f"pod/{ns}/{p['metadata']['name']}", f"pvc/{ns}/{claim}")
    for pvc in claims:
        m, spec = pvc["metadata"], pvc.get("spec") or {}
        key = f"pvc/{m.get('namespace', '')}/{m['name']}"
        if spec.get("volumeName"):
            line(key, f"pv/{spec['volumeName']}", color=PHASE_COLORS["Bound"])
        elif spec.get("storageClassName") and key in centres and f"sc/{spec['storageClassName']}" in centres:
            # an unbound claim only names its class: dashed, straight to the class column
            (x1, y1), (x2, y2) = centres[key], centres[f"sc/{spec['storageClassName']}"]
            ax.annotate("", xy=(x2, y2), xytext=(x1 + width, y1), zorder=0.5,
                        arrowprops={"arrowstyle": "-|>", "color": POD_COLORS["Pending"], "linestyle": "--",
                                    "lw": 1.1, "connectionstyle": "arc3,rad=-0.25"})  # fmt: skip
    for pv in volumes:
        cls = (pv.get("spec") or {}).get("storageClassName")
        if cls:
            line(f"pv/{pv['metadata']['name']}", f"sc/{cls}", style=":")
    for col, (_, items) in enumerate(columns):
        if not items:
            ax.text(xs[col] + width / 2, 0, "(none)", ha="center", va="center", fontsize=9, color=COLORS["edge"])
    from matplotlib.patches import Patch

    phases = [(obj.get("status") or {}).get("phase") or "Pending" for obj in [*claims, *volumes]]
    shown = [p for p in PHASE_COLORS if p in phases]
    if shown:
        handles = [Patch(facecolor=_tint(PHASE_COLORS[p]), edgecolor=PHASE_COLORS[p], label=p) for p in shown]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=len(handles), fontsize=8,
                  frameon=False, title="claim / volume phase", title_fontsize=8)  # fmt: skip
    top = (rows - 1) / 2 * gap
    ax.set_xlim(-0.2, xs[-1] + width + 0.2)
    ax.set_ylim(-top - 1.3, top + 1.15)
    ax.set_aspect("auto")
    ax.axis("off")
    ax.set_title(title or "Who uses which storage: Pod → claim → volume → StorageClass", loc="left")
    return ax


def _tint(color: str, amount: float = 0.78) -> str:
    """A light version of ``color`` for box backgrounds."""
    color = color.lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    r, g, b = (int(v + (255 - v) * amount) for v in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"
