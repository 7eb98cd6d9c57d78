"""Pictures and tables of the API machinery: the request pipeline, etcd revisions, watches, the audit log.

Notes
-----
- :func:`draw_request_pipeline`: the stages a write goes through in kube-apiserver
  (decode and defaults, admission, validation, the etcd write with its resourceVersion
  check, watch events) and where a rejected request stopped.
- :func:`draw_revisions`: every write to etcd as a dot on one global revision axis,
  one row per key, coloured by the component that wrote it (from the audit log).
- :func:`draw_watches` and :func:`watch_table`: which component watches which
  resources; every arrow ends at kube-apiserver, only kube-apiserver reaches etcd.
- :func:`audit_frame` and :func:`draw_audit`: the API server's audit log, "who wrote
  what".

Used in: 01_api_server_and_etcd, 00_architecture.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .style import COLORS, POD_COLORS, apply_style

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from ..api.errors import ApiError
    from ..cluster import Cluster

__all__ = [
    "PIPELINE",
    "stage_of",
    "draw_request_pipeline",
    "revision_frame",
    "draw_revisions",
    "watch_table",
    "draw_watches",
    "audit_frame",
    "draw_audit",
    "writer_group",
    "object_anatomy",
    "watch_frame",
    "draw_history_window",
]

#: The stages of a write request, as drawn: ``(id, label, what it does)``.
PIPELINE = (
    ("client", "client", "kubectl apply,\na controller, a kubelet"),
    ("authn", "authn / authz", "who is it? allowed?\n(not simulated)"),
    ("decode", "decode + defaults", "JSON to an object,\nfill in defaults"),
    ("admission", "admission", "plugins may change\nor refuse it"),
    ("validation", "validation", "field rules\n(422 Invalid)"),
    ("etcd", "etcd write", "check resourceVersion,\nnext revision"),
    ("watch", "watch events", "ADDED, MODIFIED,\nDELETED"),
)

_STAGE_OF_REASON = {
    "BadRequest": "decode",
    "Invalid": "validation",
    "Forbidden": "admission",
    "Conflict": "etcd",
    "AlreadyExists": "etcd",
    "NotFound": "etcd",
    "Expired": "watch",
}


def stage_of(err: ApiError) -> str:
    """The pipeline stage that produced an API error (``Invalid`` -> ``validation``).

    Examples
    --------
    >>> from k8slearn.api.errors import ApiError
    >>> stage_of(ApiError.conflict("pods", "web"))
    'etcd'
    """
    return _STAGE_OF_REASON.get(err.reason, "validation")


def draw_request_pipeline(stopped_at: str | ApiError | None = None, *, ax: Any = None, title: str | None = None) -> Any:
    """Draw the request pipeline of kube-apiserver; mark where a request stopped.

    Parameters
    ----------
    stopped_at
        A stage id of :data:`PIPELINE` or an :class:`~k8slearn.ApiError` (its stage is
        found with :func:`stage_of`, its code and reason are written under it). The
        stages after it are greyed: the request never reached them.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    apply_style()
    err = None
    if stopped_at is not None and not isinstance(stopped_at, str):
        err = stopped_at
        stopped_at = stage_of(err)
    ids = [s[0] for s in PIPELINE]
    stop = ids.index(stopped_at) if stopped_at in ids else None
    if ax is None:
        _, ax = plt.subplots(figsize=(13.5, 2.6))
    w, h, gap = 1.75, 0.9, 0.38
    for i, (sid, label, what) in enumerate(PIPELINE):
        x = i * (w + gap)
        reached = stop is None or i <= stop
        if sid == "client":
            fc, ec, text = "white", COLORS["text"], COLORS["text"]
        elif sid == "authn":
            fc, ec, text = "white", COLORS["control-plane"], COLORS["control-plane"]
        elif sid == "etcd":
            fc, ec, text = COLORS["control-plane"], "white", "white"
        else:
            fc, ec, text = "#dbe6fb", COLORS["control-plane"], COLORS["text"]
        if not reached:
            fc, ec, text = "#f3f4f6", "#c9ccd1", "#9aa0a6"
        stopped = stop is not None and i == stop
        ax.add_patch(
            FancyBboxPatch((x, 0), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=fc,
                           ec=POD_COLORS["Failed"] if stopped else ec, lw=2.6 if stopped else 1.0,
                           ls=(0, (3, 2)) if sid == "authn" else "-")
        )  # fmt: skip
        ax.text(x + w / 2, h * 0.7, label, ha="center", va="center", fontsize=8.5, fontweight="bold", color=text)
        ax.text(x + w / 2, h * 0.3, what, ha="center", va="center", fontsize=7, color=text, linespacing=1.15)
        if i < len(PIPELINE) - 1:
            colour = COLORS["edge"] if stop is None or i < stop else "#d1d5db"
            ax.add_patch(
                FancyArrowPatch((x + w, h / 2), (x + w + gap, h / 2), arrowstyle="-|>", mutation_scale=12, lw=1.2,
                                color=colour)
            )  # fmt: skip
        if stopped:
            words = f"{err.code} {err.reason}" if err is not None else "stopped here"
            ax.text(x + w / 2, -0.18, f"✖ {words}", ha="center", va="top", fontsize=9, fontweight="bold",
                    color=POD_COLORS["Failed"])  # fmt: skip
    api_x0, api_x1 = 1 * (w + gap) - 0.1, 5 * (w + gap) + w + 0.1
    ax.plot([api_x0, api_x1], [h + 0.2, h + 0.2], color=COLORS["control-plane"], lw=1.2)
    ax.text((api_x0 + api_x1) / 2, h + 0.28, "kube-apiserver", ha="center", va="bottom", fontsize=9,
            color=COLORS["control-plane"], fontweight="bold")  # fmt: skip
    ax.set_xlim(-0.1, len(PIPELINE) * (w + gap) - gap + 0.1)
    ax.set_ylim(-0.55, h + 0.65)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        title = (
            "A write's way through kube-apiserver"
            if stop is None
            else f"The request stopped at {PIPELINE[stop][1]}: nothing was written to etcd"
            if stopped_at != "watch"
            else "The watch was refused: its resourceVersion is older than etcd's history"
        )
    ax.set_title(title, loc="left", fontsize=11)
    return ax


# -- one object ----------------------------------------------------------------------------------
_SET_BY = {
    "apiVersion": "you (the manifest)",
    "kind": "you (the manifest)",
    "metadata.name": "you (or generateName + 5 random characters)",
    "metadata.namespace": "you, or the request's namespace (default)",
    "metadata.uid": "kube-apiserver, once, on create",
    "metadata.resourceVersion": "kube-apiserver, on every write: the etcd revision",
    "metadata.generation": "kube-apiserver, +1 on every spec change",
    "metadata.creationTimestamp": "kube-apiserver, once, on create",
    "metadata.labels": "you (selectors match them)",
    "metadata.annotations": "you and tools (kubectl keeps last-applied-configuration)",
    "metadata.ownerReferences": "the controller that created it",
    "spec": "you: the desired state (kube-apiserver fills in defaults)",
    "status": "the controller or kubelet in charge: the actual state",
}


def object_anatomy(obj: dict, width: int = 60) -> pd.DataFrame:
    """One row per top-level field of an object: its value (shortened) and who sets it.

    Examples
    --------
    >>> t = object_anatomy({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {}})
    >>> t["field"].tolist()
    ['apiVersion', 'kind', 'metadata.name', 'spec']
    """
    import json

    import pandas as pd

    def short(value: Any) -> str:
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {json.dumps(v, separators=(',', ':')) if isinstance(v, (dict, list)) else v}"
                             for k, v in value.items())  # fmt: skip
        else:
            text = str(value)
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = []
    for field in ("apiVersion", "kind"):
        if field in obj:
            rows.append((field, short(obj[field]), _SET_BY[field]))
    for field, value in (obj.get("metadata") or {}).items():
        key = f"metadata.{field}"
        rows.append((key, short(value), _SET_BY.get(key, "")))
    for field in ("spec", "status"):
        if field in obj:
            rows.append((field, short(obj[field]) or "{}", _SET_BY[field]))
    return pd.DataFrame(rows, columns=["field", "value", "set by"])


# -- etcd revisions -----------------------------------------------------------------------------
_NOISY = ("/registry/leases/", "/registry/events/")


def writer_group(user: str) -> str:
    """Group a writer id for colouring: ``you``, ``controller``, ``scheduler``, ``kubelet`` ...

    Examples
    --------
    >>> writer_group("kube-controller-manager/replicaset-controller"), writer_group("kubelet/node-1")
    ('controller', 'node agent')
    """
    head = user.split("/", 1)[0]
    if head in ("kubectl", "", "test", "student"):
        return "you"
    if head in ("kube-controller-manager", "cloud-controller-manager"):
        return "controller"
    if head in ("kube-scheduler", "default-scheduler"):
        return "scheduler"
    if head in ("kubelet", "kube-proxy"):
        return "node agent"
    if head == "kube-apiserver":
        return "kube-apiserver"
    return "other"


_GROUP_COLORS = {
    "you": COLORS["highlight"],
    "kube-apiserver": COLORS["control-plane"],
    "scheduler": "#1e4fa8",
    "controller": "#6f9ce8",
    "node agent": COLORS["agent"],
    "other": COLORS["edge"],
}


def revision_frame(
    cluster: Cluster,
    *,
    prefix: str = "/registry/",
    since: int = 0,
    include_noisy: bool = False,
) -> pd.DataFrame:
    """Every etcd write still in history after revision ``since``, one row per write.

    Columns: revision, key, type (``PUT`` create/update or ``DELETE``), op (created,
    updated, deleted), version (the key's write count), writer (from the audit log).
    Leases and Events (heartbeats, notes) are left out unless ``include_noisy``.
    """
    import pandas as pd

    etcd = cluster.etcd
    after = max(since, etcd.compact_revision)
    writers: dict[int, str] = {}
    for entry in cluster.api.audit:
        if entry.resource_version > after:
            writers.setdefault(entry.resource_version, entry.user)
    rows = []
    for e in etcd.history(prefix, after):
        key = e.kv.key
        if not include_noisy and key.startswith(_NOISY):
            continue
        op = "deleted" if e.type == "DELETE" else "created" if e.prev_kv is None else "updated"
        rows.append(
            {
                "revision": e.revision,
                "key": key,
                "type": e.type,
                "op": op,
                "version": e.kv.version,
                "writer": writers.get(e.revision, ""),
            }
        )
    return pd.DataFrame(rows, columns=["revision", "key", "type", "op", "version", "writer"])


def draw_revisions(
    cluster: Cluster,
    *,
    keys: Iterable[str] | None = None,
    prefix: str = "/registry/",
    since: int = 0,
    max_keys: int = 14,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Draw etcd writes on one revision axis: a row per key, a dot per write, coloured by writer.

    Every write to any key takes the next revision, so the resourceVersion of an object
    is "the revision of its last write", not a per-object counter. ``keys`` picks the
    rows (default: the ``max_keys`` keys written first after ``since``, Leases and
    Events left out).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    apply_style()
    frame = revision_frame(cluster, prefix=prefix, since=since, include_noisy=keys is not None)
    if keys is not None:
        wanted = list(keys)
        frame = frame[frame["key"].isin(wanted)]
        order = [k for k in wanted if k in set(frame["key"])]
    else:
        order = list(dict.fromkeys(frame["key"]))[:max_keys]
        frame = frame[frame["key"].isin(order)]
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.42 * max(3, len(order)) + 1.3))
    row = {k: i for i, k in enumerate(order)}
    for i in row.values():
        ax.axhline(i, color="#e5e7eb", lw=0.8, zorder=0)
    groups_seen = []
    for group, colour in _GROUP_COLORS.items():
        part = frame[frame["writer"].map(writer_group) == group]
        if part.empty:
            continue
        groups_seen.append(group)
        for op, marker in (("created", "o"), ("updated", "o"), ("deleted", "X")):
            sub = part[part["op"] == op]
            if sub.empty:
                continue
            ax.scatter(sub["revision"], sub["key"].map(row), s=70 if op != "updated" else 42, marker=marker,
                       c=colour if op != "created" else "white", edgecolors=colour, linewidths=1.8, zorder=3)  # fmt: skip
    for k, i in row.items():
        last = frame[frame["key"] == k]
        if not last.empty:
            rv = int(last["revision"].iloc[-1])
            alive = last["op"].iloc[-1] != "deleted"
            ax.annotate(f"rv {rv}" if alive else "gone", (rv, i), xytext=(7, 0), textcoords="offset points",
                        va="center", fontsize=7.5, color=COLORS["text"] if alive else COLORS["edge"])  # fmt: skip
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([k.removeprefix("/registry/") for k in order], fontsize=8.5)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel("etcd revision (the resourceVersion of the write)")
    if not frame.empty:
        lo, hi = int(frame["revision"].min()), int(frame["revision"].max())
        ax.set_xlim(lo - 1, hi + max(3, (hi - lo) * 0.12))
    ax.grid(axis="x", color="#f3f4f6")
    handles = [Line2D([], [], ls="none", marker="o", ms=7, mfc=_GROUP_COLORS[g], mec=_GROUP_COLORS[g], label=g)
               for g in groups_seen]  # fmt: skip
    handles += [
        Line2D([], [], ls="none", marker="o", ms=7, mfc="white", mec=COLORS["edge"], mew=1.8, label="created"),
        Line2D([], [], ls="none", marker="X", ms=7, mfc=COLORS["edge"], mec=COLORS["edge"], label="deleted"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.6 / max(3, len(order))),
              ncol=len(handles), frameon=False, fontsize=8)  # fmt: skip
    ax.set_title(title or "Every write takes the next etcd revision, whatever object it changes", loc="left")
    return ax


# -- a watch stream and etcd's history window ---------------------------------------------------
def watch_frame(watch: Any) -> pd.DataFrame:
    """The events a buffered watch received, one row each, with kubectl's STATUS word for pods.

    Columns: type (ADDED, MODIFIED, DELETED, ERROR), kind, name, resourceVersion, status
    (``Running``, ``Terminating`` ... for pods; the phase otherwise) and node.
    """
    import pandas as pd

    from ..graph import pod_status

    rows = []
    for e in watch.events:
        obj = e.object
        m = obj.get("metadata") or {}
        if obj.get("kind") == "Pod":
            status = pod_status(obj)
        elif obj.get("kind") == "Status":
            status = f"{obj.get('code')} {obj.get('reason')}"
        else:
            status = (obj.get("status") or {}).get("phase", "")
        rows.append(
            {
                "type": e.type,
                "kind": obj.get("kind", ""),
                "name": m.get("name", ""),
                "resourceVersion": m.get("resourceVersion", ""),
                "status": status,
                "node": (obj.get("spec") or {}).get("nodeName", ""),
            }
        )
    return pd.DataFrame(rows, columns=["type", "kind", "name", "resourceVersion", "status", "node"])


def draw_history_window(
    cluster: Cluster, asked: int | str | None = None, *, ax: Any = None, title: str | None = None
) -> Any:
    """Draw etcd's revision axis: what compaction forgot, what a watch can still replay.

    ``asked`` is the resourceVersion a watch wants to start from: inside the kept history
    the watch replays every change after it; before the compacted revision it gets
    ``410 Expired`` and the client must list again.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    apply_style()
    etcd = cluster.etcd
    now, compacted = etcd.revision, etcd.compact_revision
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 2.1))
    ax.add_patch(Rectangle((0, 0), compacted, 1, fc="#e5e7eb", ec="#9aa0a6", hatch="///", lw=0.8))
    ax.add_patch(Rectangle((compacted, 0), now - compacted, 1, fc="#dbe6fb", ec=COLORS["control-plane"], lw=1.0))
    if compacted > 0:
        ax.text(compacted / 2, 0.5, f"revisions 1-{compacted}: compacted, forgotten", ha="center", va="center",
                fontsize=8.5, color=COLORS["text"], bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5})  # fmt: skip
    kept = f"revisions {compacted + 1}-{now}: kept, a watch can replay them"
    if now - compacted >= 0.4 * max(now, 1):
        ax.text((compacted + now) / 2, 0.5, kept, ha="center", va="center", fontsize=8.5, color=COLORS["control-plane"])
        ax.annotate(f"now: revision {now}", (now, 1), xytext=(0, 6), textcoords="offset points", ha="right",
                    va="bottom", fontsize=8.5, color=COLORS["text"])  # fmt: skip
    else:  # a narrow window: say it above the bar
        ax.annotate(f"{kept} (now: revision {now})", (now, 1), xytext=(0, 6), textcoords="offset points",
                    ha="right", va="bottom", fontsize=8.5, color=COLORS["control-plane"])  # fmt: skip
    if asked not in (None, ""):
        rv = int(asked)
        ok = rv >= compacted
        colour = POD_COLORS["Running"] if ok else POD_COLORS["Failed"]
        ax.plot([rv, rv], [-0.15, 1.15], color=colour, lw=2.2)
        words = "replays every change after it" if ok else f"410 Expired: too old resource version: {rv} ({compacted})"
        ax.annotate(f"watch from resourceVersion {rv}: {words}", (rv, -0.15), xytext=(0, -6),
                    textcoords="offset points", ha="left", va="top", fontsize=9, fontweight="bold", color=colour)  # fmt: skip
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, now * 1.02 + 1)
    ax.set_ylim(-0.9, 1.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("etcd revision")
    ax.set_title(title or "etcd keeps a window of history; a watch must start inside it", loc="left")
    return ax


# -- watches ------------------------------------------------------------------------------------
def _graph(cluster_or_graph: Any) -> nx.MultiDiGraph:
    if hasattr(cluster_or_graph, "edges") and hasattr(cluster_or_graph, "nodes"):
        return cluster_or_graph
    from ..graph import build_graph

    return build_graph(cluster_or_graph)


def watch_table(cluster_or_graph: Any) -> pd.DataFrame:
    """Which component watches which resources, from the graph's ``watches`` edges.

    Columns: component, kind (ControlPlaneComponent, NodeAgent, Client), controllers
    (for the controller managers: how many of their controllers watch), resources
    (sorted, comma-separated) and watches (how many resources). Control plane first.
    """
    import pandas as pd

    G = _graph(cluster_or_graph)
    found: dict[str, tuple[set[str], set[str]]] = {}
    for u, _, d in G.edges(data=True):
        if d.get("relation") != "watches":
            continue
        resources, controllers = found.setdefault(u, (set(), set()))
        resources.add(d["resource"])
        if d.get("controller"):
            controllers.add(d["controller"])
    order = {"ControlPlaneComponent": 0, "Client": 1, "NodeAgent": 2}
    rows = []
    for comp in sorted(found, key=lambda n: (order.get(G.nodes[n]["kind"], 3), _natural(n))):
        resources, controllers = found[comp]
        rows.append(
            {
                "component": comp,
                "kind": G.nodes[comp]["kind"],
                "controllers": len(controllers),
                "resources": ", ".join(sorted(resources)),
                "watches": len(resources),
            }
        )
    return pd.DataFrame(rows, columns=["component", "kind", "controllers", "resources", "watches"])


def _natural(text: str) -> list[Any]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def draw_watches(
    cluster_or_graph: Any, *, ax: Any = None, highlight: str | None = None, title: str | None = None
) -> Any:
    """Draw who watches what: every component on the left or right, kube-apiserver in the middle, etcd under it.

    The control plane and other clients stand on the left, the node agents on the
    right (grouped per node); each arrow is labelled with the resources watched. No
    arrow ends at etcd except kube-apiserver's: that is the point of the picture.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    apply_style()
    G = _graph(cluster_or_graph)
    table = watch_table(G)
    left = table[table["kind"] != "NodeAgent"]
    right = table[table["kind"] == "NodeAgent"]
    nodes_seen = list(dict.fromkeys(c.split("/", 1)[1] for c in right["component"]))
    shown_nodes = nodes_seen[:4]
    hidden_nodes = len(nodes_seen) - len(shown_nodes)
    right = right[right["component"].map(lambda c: c.split("/", 1)[1] in shown_nodes)]
    rows = max(len(left), len(right) + (1 if hidden_nodes else 0), 3)
    row_h = 0.95
    height = rows * row_h + 0.4
    if ax is None:
        _, ax = plt.subplots(figsize=(12, max(3.6, 0.62 * height + 1.0)))
    box_w, box_h = 3.1, 0.66
    xl, xc, xr = 0.0, 5.4, 10.8
    api = (xc, height / 2 + 0.15, box_w * 0.8, 1.2)
    etcd = (xc + 0.15 * box_w, api[1] - 1.55, box_w * 0.5, 0.7)

    def box(x: float, y: float, w: float, h: float, fc: str, label: str, sub: str, on: bool = False) -> None:
        ax.add_patch(
            FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=fc,
                           ec=COLORS["highlight"] if on else "white", lw=2.8 if on else 0.8, zorder=3)
        )  # fmt: skip
        ax.text(x + w / 2, y + h * (0.64 if sub else 0.5), label, ha="center", va="center", color="white",
                fontsize=8.5, fontweight="bold", zorder=4)  # fmt: skip
        if sub:
            ax.text(x + w / 2, y + h * 0.27, sub, ha="center", va="center", color="white", fontsize=6.8, zorder=4)

    box(*api, COLORS["control-plane"], "kube-apiserver", "every watch ends here", highlight == "kube-apiserver")
    box(*etcd, COLORS["control-plane"], "etcd", "", highlight == "etcd")
    ax.add_patch(
        FancyArrowPatch((api[0] + api[2] * 0.4, api[1]), (etcd[0] + etcd[2] / 2, etcd[1] + etcd[3]),
                        arrowstyle="-|>", mutation_scale=12, lw=1.4, color=COLORS["control-plane"], zorder=2)
    )  # fmt: skip
    ax.text(api[0] + api[2] * 0.45 + 0.1, (api[1] + etcd[1] + etcd[3]) / 2, "the only client of etcd", fontsize=7.5,
            va="center", ha="left", color=COLORS["control-plane"])  # fmt: skip

    def resources_text(res: str, limit: int = 46) -> str:
        return res if len(res) <= limit else res[: limit - 1].rsplit(",", 1)[0] + ", …"

    def place(frame: Any, x: float, side: str) -> None:
        n = len(frame)
        top = height / 2 + (n - 1) * row_h / 2
        for i, r in enumerate(frame.itertuples()):
            y = top - i * row_h - box_h / 2
            comp = r.component
            colour = {"ControlPlaneComponent": COLORS["control-plane"], "NodeAgent": COLORS["agent"]}.get(
                r.kind, COLORS["edge"]
            )
            sub = f"{r.controllers} controller{'s' if r.controllers != 1 else ''}" if r.controllers else ""
            label = comp if len(comp) <= 26 else comp[:25] + "…"
            box(x, y, box_w, box_h, colour, label, sub, highlight == comp)
            start = (x + box_w, y + box_h / 2) if side == "left" else (x, y + box_h / 2)
            end_x = api[0] if side == "left" else api[0] + api[2]
            end_y = min(max(y + box_h / 2, api[1] + 0.1), api[1] + api[3] - 0.1)
            on = highlight == comp
            ax.add_patch(
                FancyArrowPatch(start, (end_x, end_y), arrowstyle="-|>", mutation_scale=11, lw=2.2 if on else 1.0,
                                color=COLORS["highlight"] if on else colour, alpha=0.9, zorder=2)
            )  # fmt: skip
            text = f"watches {r.watches}: " + resources_text(r.resources)
            tx = x + box_w / 2
            ax.text(tx, y - 0.04, text, ha="center", va="top", fontsize=6.5, color=COLORS["text"], zorder=4)

    place(left, xl, "left")
    place(right, xr, "right")
    if hidden_nodes:
        y = height / 2 - (len(right) - 1) * row_h / 2 - len(right) * row_h + 0.1
        ax.text(xr + box_w / 2, y, f"+ the kubelet and kube-proxy of {hidden_nodes} more nodes",
                ha="center", va="center", fontsize=8, color=COLORS["agent"])  # fmt: skip
    ax.set_xlim(xl - 0.2, xr + box_w + 0.2)
    ax.set_ylim(-0.35, height + 0.1)
    ax.axis("off")
    n_comp = len(table)
    ax.set_title(title or f"{n_comp} components watch the cluster; every watch goes to kube-apiserver", loc="left")
    return ax


# -- the audit log --------------------------------------------------------------------------------
def audit_frame(
    cluster: Cluster,
    *,
    users: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    verbs: Iterable[str] | None = None,
    name: str | None = None,
    last: int | None = None,
) -> pd.DataFrame:
    """The API server's audit log as a table: time, user, verb, kind, namespace, name, resourceVersion.

    Filters keep the rows whose ``user`` starts with one of ``users`` (so
    ``"kube-controller-manager"`` keeps every controller), whose kind is in ``kinds``,
    whose verb is in ``verbs`` and whose object is ``name``; ``last`` keeps the last rows.
    """
    import pandas as pd

    users_t = tuple(users) if users is not None else None
    kinds_s = set(kinds) if kinds is not None else None
    verbs_s = set(verbs) if verbs is not None else None
    rows = []
    for e in cluster.api.audit:
        if users_t is not None and not e.user.startswith(users_t):
            continue
        if kinds_s is not None and e.kind not in kinds_s:
            continue
        if verbs_s is not None and e.verb not in verbs_s:
            continue
        if name is not None and e.name != name:
            continue
        rows.append(
            {
                "time": e.time,
                "user": e.user,
                "verb": e.verb,
                "kind": e.kind,
                "namespace": e.namespace,
                "name": e.name,
                "resourceVersion": e.resource_version,
            }
        )
    frame = pd.DataFrame(rows, columns=["time", "user", "verb", "kind", "namespace", "name", "resourceVersion"])
    if last is not None:
        frame = frame.tail(last).reset_index(drop=True)
    return frame


_KIND_COLORS = {
    "Pod": POD_COLORS["Running"],
    "Deployment": "#334155",
    "ReplicaSet": "#7c8ba1",
    "Service": COLORS["service"],
    "EndpointSlice": "#a98ae0",
    "Endpoints": "#cbb8f0",
    "Node": "#c4c8ce",
    "Lease": "#e5e7eb",
    "Event": "#f3f4f6",
    "ConfigMap": COLORS["config"],
    "Secret": "#e0b45c",
}
_OTHER_KIND = "#9aa0a6"


def draw_audit(
    cluster: Cluster,
    *,
    ax: Any = None,
    exclude_kinds: Iterable[str] = ("Lease", "Event"),
    group_nodes: bool = True,
    title: str | None = None,
) -> Any:
    """Draw who wrote what: one bar per writer, split by the kind of object written.

    ``group_nodes`` folds ``kubelet/node-1`` ... into ``kubelet/*`` (and kube-proxies alike).
    Leases (heartbeats) and Events are left out by default.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    apply_style()
    frame = audit_frame(cluster)
    frame = frame[~frame["kind"].isin(set(exclude_kinds))]
    if group_nodes:
        frame = frame.assign(
            user=frame["user"].map(
                lambda u: u.split("/", 1)[0] + "/*" if u.startswith(("kubelet/", "kube-proxy/")) else u
            )
        )
    frame = frame.assign(kind=frame["kind"].map(lambda k: k if k in _KIND_COLORS else "other"))
    table = frame.groupby(["user", "kind"]).size().unstack(fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=True).index] if not table.empty else table
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.42 * max(3, len(table)) + 1.2))
    kinds = [k for k in (*_KIND_COLORS, "other") if k in table.columns]
    left = np.zeros(len(table))
    for kind in kinds:
        values = table[kind].to_numpy()
        ax.barh(range(len(table)), values, left=left, color=_KIND_COLORS.get(kind, _OTHER_KIND), label=kind,
                edgecolor="white", linewidth=0.5)  # fmt: skip
        left = left + values
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels(list(table.index), fontsize=8.5)
    for i, total in enumerate(left):
        ax.text(total, i, f" {int(total)}", va="center", fontsize=8, color=COLORS["text"])
    ax.set_xlabel("writes to the API server (create, update, delete, binding)")
    ax.legend(loc="lower right", fontsize=8, frameon=False, title="object kind", title_fontsize=8)
    ax.set_title(title or "Who wrote what: the audit log of kube-apiserver", loc="left")
    return ax
