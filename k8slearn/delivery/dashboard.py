"""An application dashboard across clusters: one row per environment, read from each cluster's API.

Notes
-----
What Devtron's application page shows for every environment an app is deployed to
(the running image, pods ready, rollout state, restarts, recent events), computed
with plain functions from the Deployment, its pods and the events of each cluster:
:func:`app_status`, :func:`app_events` and :func:`rollout_state`. :class:`AppDashboard`
only wires them to a table, an events list and a "run" button.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..api.objects import pod_is_ready

if TYPE_CHECKING:
    from .environments import Fleet

__all__ = ["rollout_state", "app_status", "app_events", "AppDashboard", "STATUS_COLUMNS"]

STATUS_COLUMNS = ["environment", "cluster", "image", "ready", "up-to-date", "rollout", "restarts", "warnings",
                  "last event"]  # fmt: skip


def rollout_state(deploy: Mapping | None) -> str:
    """``Not deployed``, ``Progressing``, ``Complete`` or ``Failed`` (progress deadline exceeded).

    Notes
    -----
    ``Complete`` is what ``kubectl rollout status`` calls "successfully rolled out":
    the controller observed the latest spec and every replica is updated and
    available, with no old one left. ``Failed`` is the Progressing condition with
    reason ProgressDeadlineExceeded.

    Examples
    --------
    >>> rollout_state(None)
    'Not deployed'
    >>> rollout_state(
    ...     {
    ...         "metadata": {"name": "web", "generation": 2},
    ...         "spec": {"replicas": 2},
    ...         "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
    ...     }
    ... )
    'Complete'
    """
    from ..kubectl import KubectlError
    from ..kubectl.rollout import deployment_status

    if deploy is None:
        return "Not deployed"
    try:
        _, done = deployment_status(dict(deploy))
    except KubectlError:
        return "Failed"
    return "Complete" if done else "Progressing"


def _pods_of(cluster: Any, deploy: Mapping) -> list[dict]:
    ns = deploy["metadata"].get("namespace") or "default"
    labels = ((deploy.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    if not labels:
        return []
    return [p for p in cluster.api.list("Pod", ns, selector=dict(labels)) if not p["metadata"].get("deletionTimestamp")]


def _belongs(name: str, app: str) -> bool:
    return name == app or name.startswith(app + "-")


def _events(cluster: Any, namespace: str, app: str) -> list[Any]:
    return [r for r in cluster.event_log.records if r.namespace == namespace and _belongs(r.name, app)]


def app_status(fleet: Fleet, app: str, deployment: str | None = None) -> Any:
    """One row per environment: image, pods ready, up-to-date, rollout state, restarts, warnings, last event.

    ``deployment`` is the Deployment's name (default: the app name).
    """
    import pandas as pd

    name = deployment or app
    rows = []
    for env in fleet:
        cluster = fleet.clusters[env.cluster]
        deploy = cluster.api.get_or_none("Deployment", name, env.namespace)
        row: dict[str, Any] = {"environment": env.name, "cluster": env.cluster}
        if deploy is None:
            row.update({"image": "", "ready": "", "up-to-date": "", "rollout": "Not deployed", "restarts": 0,
                        "warnings": 0, "last event": ""})  # fmt: skip
            rows.append(row)
            continue
        spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
        pods = _pods_of(cluster, deploy)
        restarts = sum(
            cs.get("restartCount", 0) for p in pods for cs in (p.get("status") or {}).get("containerStatuses") or ()
        )
        events = _events(cluster, env.namespace, app)
        last = events[-1] if events else None
        row.update(
            {
                "image": containers[0].get("image", ""),
                "ready": f"{sum(1 for p in pods if pod_is_ready(p))}/{spec.get('replicas', 1)}",
                "up-to-date": status.get("updatedReplicas", 0),
                "rollout": rollout_state(deploy),
                "restarts": restarts,
                "warnings": sum(1 for r in events if r.type == "Warning"),
                "last event": f"{last.reason}: {last.message}" if last else "",
            }
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    frame.attrs["app"] = app
    return frame


def app_events(fleet: Fleet, app: str, environment: str, limit: int = 8) -> Any:
    """The last ``limit`` events of ``app``'s objects in ``environment`` (time, type, reason, object, message)."""
    import pandas as pd

    env = fleet[environment]
    cluster = fleet.clusters[env.cluster]
    records = _events(cluster, env.namespace, app)[-limit:] if limit else []
    rows = [{"time": round(r.time, 2), "type": r.type, "reason": r.reason, "object": f"{r.kind.lower()}/{r.name}",
             "message": r.message} for r in records]  # fmt: skip
    return pd.DataFrame(rows, columns=["time", "type", "reason", "object", "message"])


class AppDashboard:
    """One application across the fleet: the status table, the events of one environment, a run button.

    Examples
    --------
    >>> import k8slearn as kl
    >>> from k8slearn.delivery import Environment, Fleet
    >>> fleet = Fleet({"staging": kl.Cluster.demo(nodes=1)})
    >>> fleet.add_environment(Environment("staging", "staging", "shop"))
    >>> d = AppDashboard(fleet, "web")
    >>> d.status()["rollout"].tolist()
    ['Not deployed']
    >>> d.run(30)
    'every cluster ran 30 s'
    """

    def __init__(self, fleet: Fleet, app: str, deployment: str | None = None, environment: str | None = None) -> None:
        self.fleet = fleet
        self.app = app
        self.deployment = deployment or app
        self.environment = environment or next(iter(fleet)).name
        self._view: dict[str, Any] | None = None

    def status(self) -> Any:
        return app_status(self.fleet, self.app, self.deployment)

    def events(self) -> Any:
        return app_events(self.fleet, self.app, self.environment)

    def run(self, seconds: float) -> str:
        """Advance every cluster by ``seconds`` of virtual time."""
        self.fleet.run(seconds)
        self._refresh()
        return f"every cluster ran {seconds:g} s"

    def select(self, environment: str) -> None:
        """Show the events of ``environment``."""
        self.fleet[environment]
        self.environment = environment
        self._refresh()

    def table_html(self) -> str:
        """The status table as HTML, the rollout cell coloured like the pod palette."""
        from ..viz.style import POD_COLORS

        colours = {"Complete": POD_COLORS["Running"], "Progressing": POD_COLORS["Pending"],
                   "Failed": POD_COLORS["Failed"], "Not deployed": POD_COLORS["Unknown"]}  # fmt: skip
        frame = self.status()
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>" for c in frame.columns)
        body = []
        for _, row in frame.iterrows():
            cells = []
            for c in frame.columns:
                value = str(row[c])
                if c == "image" and "@sha256:" in value:
                    value = value[: value.index("@sha256:") + 16] + "…"  # 8 hex digits are enough to tell them apart
                text = html.escape(value)
                style = "padding:2px 8px"
                if c == "rollout":
                    style += f";color:white;background:{colours.get(row[c], '#6b7280')};font-weight:600"
                cells.append(f"<td style='{style}'>{text}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f"<table style='border-collapse:collapse;font-size:90%'><tr>{head}</tr>{''.join(body)}</table>"

    def _refresh(self) -> None:
        view = self._view
        if view is None:
            return
        times = ", ".join(f"{name} t={c.now:.1f} s" for name, c in self.fleet.clusters.items())
        view["clock"].value = f"<b>{html.escape(self.app)}</b> · virtual time: {html.escape(times)}"
        view["table"].value = self.table_html()
        events = self.events().to_html(index=False, border=0)
        view[
            "events"
        ].value = f"<div style='font-size:85%'><b>events in {html.escape(self.environment)}</b>{events}</div>"

    def widget(self) -> Any:
        """The table, an environment picker for the events, and a button that runs every cluster 30 s."""
        import ipywidgets as w

        clock = w.HTML()
        table = w.HTML()
        events = w.HTML()
        picker = w.Dropdown(options=[e.name for e in self.fleet], value=self.environment, description="events in")
        button = w.Button(description="Run 30 s", icon="play", button_style="info")
        picker.observe(lambda change: self.select(change["new"]), names="value")
        button.on_click(lambda _: self.run(30))
        self._view = {"clock": clock, "table": table, "events": events, "picker": picker, "button": button}
        self._refresh()
        return w.VBox([clock, table, w.HBox([picker, button]), events])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
