"""Pictures for delivery (lesson 11): the pipeline, the policy layers and the dashboard.

- :func:`draw_pipeline`: the release, then one box per stage coloured by its state
  (Succeeded green, Failed red, Blocked by policy red and hatched, Waiting for
  approval amber, Not started grey), approval gates as diamonds between them;
- :func:`draw_policy_layers`: which layer sets which rule for one application in one
  environment, what overrides what, the exceptions, and the effective setting;
- :func:`draw_dashboard`: one card per environment: image, pods ready, rollout state;
- :func:`draw_fleet`: the clusters side by side, their nodes, and the pods of each environment.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from typing import Any

from .style import COLORS, POD_COLORS, apply_style

__all__ = ["draw_pipeline", "draw_policy_layers", "draw_dashboard", "draw_fleet", "STATE_COLORS"]

#: Fill colour of a stage box by state.
STATE_COLORS = {
    "Succeeded": POD_COLORS["Running"],
    "Failed": POD_COLORS["Failed"],
    "Blocked": POD_COLORS["Failed"],
    "Waiting for approval": POD_COLORS["Pending"],
    "Deploying": COLORS["control-plane"],
    "Not started": COLORS["node-fill"],
}

_ROLLOUT_COLORS = {
    "Complete": POD_COLORS["Running"],
    "Progressing": POD_COLORS["Pending"],
    "Failed": POD_COLORS["Failed"],
    "Not deployed": POD_COLORS["Unknown"],
}


def _short_image(image: str, limit: int = 30) -> str:
    """``nginx:1.27@sha256:90acff66...`` -> ``nginx:1.27@sha256:90acff66…``."""
    if "@sha256:" in image:
        head, digest = image.split("@sha256:", 1)
        image = f"{head}@sha256:{digest[:8]}…"
    return image if len(image) <= limit else image[: limit - 1] + "…"


def _release_label(release: Any) -> str:
    """``web`` / ``nginx:1.27`` / ``@sha256:90acff66…`` on separate lines."""
    image = _short_image(release.image, 60)
    head, sep, digest = image.partition("@")
    return "\n".join([release.app, _clip(head, 20), *([f"@{digest}"] if sep else [])])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw_pipeline(run: Any, ax: Any = None, *, title: str | None = None) -> Any:
    """Stages as boxes coloured by state, from a :class:`~k8slearn.delivery.PipelineRun` or a Pipeline."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon

    from ..delivery.pipeline import StageResult

    apply_style()
    results = run.results if hasattr(run, "results") else [StageResult(s) for s in run.stages]
    fleet = run.pipeline.fleet if hasattr(run, "pipeline") else run.fleet
    release = getattr(run, "release", None)
    n = len(results)
    box_w, box_h, gap = 2.6, 1.5, 1.3
    width = 2.2 + n * (box_w + gap)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, width * 0.95), 3.4))
    y = 0.0
    # the release
    ax.add_patch(FancyBboxPatch((0, y + 0.25), 1.7, box_h - 0.5, boxstyle="round,pad=0.04,rounding_size=0.12",
                                fc="white", ec=COLORS["workload"], lw=1.4))  # fmt: skip
    ax.text(0.85, y + box_h / 2 + 0.18, "release", ha="center", va="center", fontsize=9, fontweight="bold",
            color=COLORS["workload"])  # fmt: skip
    ax.text(0.85, y + box_h / 2 - 0.18, _release_label(release) if release else "(not run)",
            ha="center", va="center", fontsize=7, color=COLORS["text"])  # fmt: skip
    x = 1.7
    stopped_message = ""
    for r in results:
        env = fleet[r.stage.environment]
        start = x
        x += gap
        if r.stage.approval:
            cx = start + gap / 2
            waiting = r.state == "Waiting for approval"
            done = bool(r.approved_by)
            fc = POD_COLORS["Pending"] if waiting else POD_COLORS["Running"] if done else "white"
            ax.add_patch(Polygon([(cx, y + box_h / 2 + 0.32), (cx + 0.32, y + box_h / 2), (cx, y + box_h / 2 - 0.32),
                                  (cx - 0.32, y + box_h / 2)], closed=True, fc=fc, ec=COLORS["edge"], lw=1.0, zorder=3))  # fmt: skip
            label = f"approved\nby {r.approved_by}" if done else "approval"
            ax.text(cx, y + box_h / 2 - 0.42, label, ha="center", va="top", fontsize=7, color=COLORS["text"])
        ax.add_patch(FancyArrowPatch((start + 0.05, y + box_h / 2), (x - 0.05, y + box_h / 2), arrowstyle="-|>",
                                     mutation_scale=12, color=COLORS["edge"], lw=1.2, zorder=2))  # fmt: skip
        fc = STATE_COLORS.get(r.state, COLORS["node-fill"])
        grey = r.state == "Not started"
        blocked = r.state == "Blocked"
        # hatching takes the edge colour: a darker red shows the stripes of a blocked stage
        ax.add_patch(FancyBboxPatch((x, y), box_w, box_h, boxstyle="round,pad=0.04,rounding_size=0.15", fc=fc,
                                    ec=COLORS["node"] if grey else "#8f1b1b" if blocked else fc, lw=1.4,
                                    hatch="///" if blocked else None, zorder=3))  # fmt: skip
        ink = COLORS["text"] if grey else "white"
        ax.text(x + box_w / 2, y + box_h - 0.28, env.name, ha="center", va="center", fontsize=11, fontweight="bold",
                color=ink, zorder=4)  # fmt: skip
        ax.text(x + box_w / 2, y + box_h - 0.55, f"cluster {env.cluster}", ha="center", va="center", fontsize=7.5,
                color=ink, zorder=4)  # fmt: skip
        state = "Blocked by policy" if r.state == "Blocked" else r.state
        ax.text(x + box_w / 2, y + 0.62, state, ha="center", va="center", fontsize=9, fontweight="bold", color=ink,
                zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": fc, "ec": "none"} if r.state == "Blocked" else None)  # fmt: skip
        detail = []
        if r.duration is not None:
            detail.append(f"{r.duration:.1f} s")
        soaked = r.state != "Failed" or r.message.startswith("health gate")  # a failed rollout never soaked
        if r.stage.soak and soaked:
            detail.append(f"soak {r.stage.soak:g} s")
        if r.report is not None:
            n = len(r.report.denied)
            detail.append("policy ok" if r.report.allowed else f"policy: {n} violation{'s' if n != 1 else ''}")
        if detail:
            ax.text(x + box_w / 2, y + 0.28, " · ".join(detail), ha="center", va="center", fontsize=7.5, color=ink,
                    zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": fc, "ec": "none"} if r.state == "Blocked" else None)  # fmt: skip
        if r.state in ("Failed", "Blocked", "Waiting for approval") and not stopped_message:
            first = r.message.splitlines()[0] if r.message else r.state
            stopped_message = first if first.startswith(f"{env.name} ") else f"{env.name}: {first}"
        x += box_w
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(-0.9 if stopped_message else -0.3, box_h + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if stopped_message:
        ax.text(0, -0.55, _clip(stopped_message, 150), ha="left", va="center", fontsize=8.5, color=COLORS["text"])
    state = getattr(run, "state", "not started")
    if title is None:
        title = f"Pipeline of {release.app}@{_short_image(release.image, 40)}: {state}" if release else "Pipeline"
    ax.set_title(title, loc="left")
    return ax


def draw_policy_layers(policy: Any, app: str, environment: str, cluster: str, ax: Any = None, *,
                       title: str | None = None) -> Any:  # fmt: skip
    """A grid: one row per policy level, one column per rule; the effective setting at the bottom.

    The cell of the layer that decides a rule is drawn strong; values overridden by a
    lower layer are drawn faded and struck through; empty cells inherit from above.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from ..delivery.rules import RULES

    apply_style()
    rules = list(RULES)
    chain = policy.chain(app, environment, cluster)
    effective = policy.effective(app, environment, cluster)
    rows: list[tuple[str, dict[str, Any]]] = []
    levels = [("global", "global"), (f"cluster {cluster}", "cluster"), (f"environment {environment}", "environment"),
              (f"application {app}", "application"), (f"application {app} in {environment}", "application+env")]  # fmt: skip
    for label, level in levels:
        settings: dict[str, Any] = {}
        for layer in chain:
            kind = "application+env" if layer.environment else layer.level
            if kind == level:
                settings.update(layer.settings)
        rows.append((label, settings))
    exceptions = [e for e in policy.exceptions if e.application == app and e.environment in ("*", environment)]
    label_w, cell_w, cell_h = 4.6, 2.2, 0.55
    n_rows = len(rows) + 2
    if ax is None:
        _, ax = plt.subplots(figsize=(11.5, 0.5 * n_rows + 1.4))
    top = n_rows * cell_h
    for j, rule in enumerate(rules):
        ax.text(label_w + (j + 0.5) * cell_w, top + 0.25, rule, ha="center", va="center", fontsize=9.5,
                fontweight="bold", color=COLORS["text"])  # fmt: skip
    for i, (label, settings) in enumerate(rows):
        y = top - (i + 1) * cell_h
        present = any(layer.source == label for layer in chain)
        ax.text(label_w - 0.15, y + cell_h / 2, label, ha="right", va="center", fontsize=9,
                color=COLORS["control-plane"] if present else "#9aa0a6")  # fmt: skip
        for j, rule in enumerate(rules):
            x = label_w + j * cell_w
            if rule not in settings:
                ax.text(x + cell_w / 2, y + cell_h / 2, "·", ha="center", va="center", fontsize=10, color="#c9ccd1")
                continue
            decides = effective[rule].source == label
            fc = COLORS["control-plane"] if decides else "white"
            ax.add_patch(FancyBboxPatch((x + 0.12, y + 0.07), cell_w - 0.24, cell_h - 0.14,
                                        boxstyle="round,pad=0,rounding_size=0.08", fc=fc,
                                        ec=COLORS["control-plane"], lw=1.0, alpha=1.0 if decides else 0.6))  # fmt: skip
            ax.text(x + cell_w / 2, y + cell_h / 2, str(settings[rule]), ha="center", va="center", fontsize=9,
                    color="white" if decides else "#9aa0a6", fontweight="bold" if decides else "normal")  # fmt: skip
            if not decides:
                ax.plot([x + 0.45, x + cell_w - 0.45], [y + cell_h / 2, y + cell_h / 2], color="#9aa0a6", lw=0.9)
    # exceptions row
    y = top - (len(rows) + 1) * cell_h
    ax.text(label_w - 0.15, y + cell_h / 2, "exceptions", ha="right", va="center", fontsize=9,
            color=COLORS["highlight"] if exceptions else "#9aa0a6")  # fmt: skip
    for j, rule in enumerate(rules):
        hits = [e for e in exceptions if e.rule == rule]
        if hits:
            x = label_w + j * cell_w
            what = ", ".join(f"waive {e.field or 'all'}" for e in hits)
            ax.text(x + cell_w / 2, y + cell_h / 2, _clip(what, 24), ha="center", va="center", fontsize=8.5,
                    color=COLORS["highlight"], bbox={"boxstyle": "round,pad=0.2", "fc": "white",
                                                     "ec": COLORS["highlight"], "lw": 1.0})  # fmt: skip
    # effective row
    y = top - n_rows * cell_h
    ax.plot([label_w, label_w + len(rules) * cell_w], [y + cell_h + 0.02] * 2, color=COLORS["text"], lw=1.0)
    ax.text(label_w - 0.15, y + cell_h / 2, f"effective for {app} in {environment}", ha="right", va="center",
            fontsize=9, fontweight="bold", color=COLORS["text"])  # fmt: skip
    for j, rule in enumerate(rules):
        s = effective[rule]
        x = label_w + j * cell_w
        ax.text(x + cell_w / 2, y + cell_h / 2 + 0.09, str(s.value), ha="center", va="center", fontsize=10,
                fontweight="bold", color=COLORS["text"])  # fmt: skip
        ax.text(x + cell_w / 2, y + cell_h / 2 - 0.15, f"from {s.source}" if s.source else "(no layer: off)",
                ha="center", va="center", fontsize=7, color=COLORS["edge"])  # fmt: skip
    ax.add_patch(FancyArrowPatch((0.15, top - 0.1), (0.15, top - len(rows) * cell_h + 0.1), arrowstyle="-|>",
                                 mutation_scale=12, color=COLORS["edge"], lw=1.2))  # fmt: skip
    ax.text(0.3, top - len(rows) * cell_h / 2, "more specific:\noverrides\nthe rows above", ha="left", va="center",
            fontsize=7.5, color=COLORS["edge"])  # fmt: skip
    ax.set_xlim(0, label_w + len(rules) * cell_w + 0.1)
    ax.set_ylim(y - 0.1, top + 0.5)
    ax.axis("off")
    ax.set_title(title or f"Policy layers for {app} in {environment} (cluster {cluster})", loc="left")
    return ax


def draw_dashboard(frame: Any, ax: Any = None, *, title: str | None = None) -> Any:
    """One card per environment of :func:`~k8slearn.delivery.app_status`: image, pods ready, rollout."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Rectangle

    apply_style()
    rows = list(frame.itertuples(index=False))
    n = max(1, len(rows))
    card_w, card_h, gap = 3.6, 2.3, 0.3
    if ax is None:
        _, ax = plt.subplots(figsize=(max(7.0, n * (card_w + gap) * 0.95), 3.0))
    cols = list(frame.columns)
    for i, row in enumerate(rows):
        r = dict(zip(cols, row))
        x = i * (card_w + gap)
        ax.add_patch(FancyBboxPatch((x, 0), card_w, card_h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    fc=COLORS["node-fill"], ec=COLORS["node"], lw=1.2))  # fmt: skip
        ax.text(x + 0.18, card_h - 0.28, r["environment"], fontsize=12, fontweight="bold", va="center",
                color=COLORS["text"])  # fmt: skip
        ax.text(x + card_w - 0.18, card_h - 0.28, f"cluster {r['cluster']}", fontsize=7.5, va="center", ha="right",
                color=COLORS["edge"])  # fmt: skip
        colour = _ROLLOUT_COLORS.get(r["rollout"], POD_COLORS["Unknown"])
        ax.text(x + 0.18, card_h - 0.68, r["rollout"], fontsize=9, fontweight="bold", va="center", color="white",
                bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "none"})  # fmt: skip
        ax.text(x + 0.18, card_h - 1.05, _short_image(str(r["image"])) or "-", fontsize=8, va="center",
                color=COLORS["text"], family="monospace")  # fmt: skip
        ready, _, want = str(r["ready"]).partition("/")
        if want:
            k, total = int(ready or 0), int(want)
            for j in range(total):
                fc = POD_COLORS["Running"] if j < k else POD_COLORS["Pending"]
                ax.add_patch(Rectangle((x + 0.18 + j * 0.32, card_h - 1.55), 0.24, 0.24, fc=fc, ec="white"))
            ax.text(x + 0.18 + total * 0.32 + 0.05, card_h - 1.43, f"{r['ready']} ready · {r['restarts']} restarts",
                    fontsize=8, va="center", color=COLORS["text"])  # fmt: skip
        if r["warnings"]:
            warnings = f"{r['warnings']} warning{'s' if r['warnings'] != 1 else ''}"
            ax.text(x + card_w - 0.18, card_h - 0.68, warnings, fontsize=8, va="center", ha="right",
                    color=POD_COLORS["Failed"], fontweight="bold")  # fmt: skip
        ax.text(x + 0.18, 0.3, _clip(str(r["last event"]), 52), fontsize=7, va="center", color=COLORS["edge"])
    ax.set_xlim(-0.1, n * (card_w + gap))
    ax.set_ylim(-0.1, card_h + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    app = frame.attrs.get("app", "")
    ax.set_title(title or (f"{app} across the fleet" if app else "Application across the fleet"), loc="left")
    return ax


def draw_fleet(fleet: Any, ax: Any = None, *, title: str | None = None) -> Any:
    """The clusters side by side: control plane, nodes, and the pods of each environment's namespace."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch

    from ..graph import pod_status
    from .style import pod_color

    apply_style()
    envs_of: dict[str, list[Any]] = {}
    for env in fleet:
        envs_of.setdefault(env.cluster, []).append(env)
    names = list(fleet.clusters)
    node_w, node_h, gap = 1.5, 1.2, 0.2
    widths = [max(3.2, len(fleet.clusters[n].nodes()) * (node_w + gap) + gap) for n in names]
    total = sum(widths) + 0.5 * (len(names) - 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, total * 0.85), 3.6))
    x = 0.0
    height = 3.4
    statuses: set[str] = set()
    for name, w in zip(names, widths):
        c = fleet.clusters[name]
        envs = envs_of.get(name, [])
        prod = any(e.production for e in envs)
        ax.add_patch(FancyBboxPatch((x, 0), w, height, boxstyle="round,pad=0.02,rounding_size=0.15", fc="white",
                                    ec=COLORS["node"], lw=1.4 if prod else 1.0, ls="-" if prod else (0, (4, 2))))  # fmt: skip
        ax.text(x + 0.15, height - 0.28, f"cluster {name}", fontsize=10.5, fontweight="bold", va="center",
                color=COLORS["text"])  # fmt: skip
        if prod:
            ax.text(x + w - 0.15, height - 0.28, "production", fontsize=7.5, va="center", ha="right", color="white",
                    bbox={"boxstyle": "round,pad=0.2", "fc": COLORS["highlight"], "ec": "none"})  # fmt: skip
        ax.add_patch(FancyBboxPatch((x + 0.15, height - 0.95), w - 0.3, 0.38, boxstyle="round,pad=0,rounding_size=0.06",
                                    fc=COLORS["control-plane"], ec="none"))  # fmt: skip
        ax.text(x + w / 2, height - 0.76, "control plane", fontsize=8, ha="center", va="center", color="white")
        namespaces = {e.namespace for e in envs}
        for j, node in enumerate(c.nodes()):
            nx0 = x + gap + j * (node_w + gap)
            ax.add_patch(FancyBboxPatch((nx0, 0.75), node_w, node_h, boxstyle="round,pad=0,rounding_size=0.06",
                                        fc=COLORS["node-fill"], ec=COLORS["node"], lw=1.0))  # fmt: skip
            ax.text(nx0 + 0.08, 0.75 + node_h - 0.18, node, fontsize=7.5, va="center", color=COLORS["text"])
            pods = [p for p in c.api.pods_on_node(node) if (p["metadata"].get("namespace") or "") in namespaces]
            pods.sort(key=lambda p: p["metadata"]["name"])
            for k, pod in enumerate(pods[:8]):
                row, col = divmod(k, 4)
                word = pod_status(pod)
                statuses.add(word)
                ax.add_patch(Circle((nx0 + 0.22 + col * 0.35, 0.75 + node_h - 0.5 - row * 0.34), 0.13,
                                    fc=pod_color(word), ec="white", lw=0.8))  # fmt: skip
            if len(pods) > 8:
                ax.text(nx0 + node_w - 0.08, 0.9, f"+{len(pods) - 8}", fontsize=7, ha="right", color=COLORS["text"])
        label = ", ".join(f"environment {e.name} = namespace {e.namespace}" for e in envs) or "no environment"
        ax.text(x + w / 2, 0.35, label, fontsize=7.5, ha="center", va="center", color=COLORS["edge"])
        x += w + 0.5
    if statuses:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="none", marker="o", ms=8, mfc=pod_color(w), mec="white", label=f"Pod {w}")
                   for w in sorted(statuses)]  # fmt: skip
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles), frameon=False,
                  fontsize=8)  # fmt: skip
    ax.set_xlim(-0.1, x - 0.4)
    ax.set_ylim(-0.1, height + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        nodes = sum(len(c.nodes()) for c in fleet.clusters.values())
        title = f"The fleet: {len(names)} clusters, {nodes} nodes, {len(fleet)} environments"
    ax.set_title(title, loc="left")
    return ax
