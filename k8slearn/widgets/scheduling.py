"""Schedule the next pending pod, after you predicted where it goes, and see why it went there.

The logic is plain functions (:func:`pending_pods`, :func:`schedule_next`,
:func:`contributions`) that lessons call directly and tests check; :class:`ScheduleNext`
only wires them to a :class:`~k8slearn.widgets.predict.PredictReveal` and a "next pod"
button. While the widget is in use the scheduler is paused (``scheduler.pause()``), so
pods wait in the queue until you schedule them one by one.

Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .predict import PredictReveal

__all__ = ["pending_pods", "schedule_next", "contributions", "ScheduleOutcome", "ScheduleNext"]


def pending_pods(cluster: Any) -> list[str]:
    """Names of the pods waiting in the scheduling queue, the next one first."""
    return [qpi.key[1] for _, qpi in cluster.scheduler.queue.pods()]


def contributions(cluster: Any, pod_name: str, namespace: str = "default") -> Any:
    """Each plugin's weighted contribution (normalized score x weight) per node, from the last attempt.

    Returns a DataFrame indexed by node with one column per score plugin that ran,
    ``total`` and ``filter`` ("ok" or the reason); nodes the attempt did not examine
    are left out. ``frame.attrs["selected"]`` is the chosen node.
    """
    import numpy as np
    import pandas as pd

    record = cluster.scheduler.last_record(pod_name, namespace)
    if record is None:
        raise KeyError(f'no scheduling attempt recorded for pod "{namespace}/{pod_name}"')
    rows: dict[str, dict[str, Any]] = {}
    scores = record.scores
    plugins = list(scores.plugins) if scores is not None else []
    if scores is not None:
        for i, node in enumerate(scores.nodes):
            row = {p: int(scores.normalized[p][i]) * scores.weights.get(p, 1) for p in plugins}
            row["total"] = int(scores.total[i])
            row["filter"] = "ok"
            rows[node] = row
    else:
        for node in record.feasible:
            rows[node] = {"total": np.nan, "filter": "ok (the only feasible node: not scored)"}
    for node, status in record.node_to_status.items():
        rows[node] = {**dict.fromkeys(plugins, np.nan), "total": np.nan, "filter": status.message}
    order = [n for n in cluster.nodes() if n in rows] + sorted(set(rows) - set(cluster.nodes()))
    frame = pd.DataFrame.from_dict({n: rows[n] for n in order}, orient="index", columns=[*plugins, "total", "filter"])
    frame.index.name = "node"
    frame.attrs["selected"] = record.selected
    return frame


@dataclass
class ScheduleOutcome:
    """What one scheduling cycle did."""

    pod: str
    node: str | None
    message: str
    table: Any

    def __str__(self) -> str:
        if self.node:
            return f"{self.pod} -> {self.node}"
        return f"{self.pod} stays Pending: {self.message}"


def schedule_next(cluster: Any) -> ScheduleOutcome | None:
    """Run one scheduling cycle for the next pending pod; None when the queue is empty.

    The binding and events happen as usual; ``cluster.run(0)`` lets watchers react.
    """
    scheduler = cluster.scheduler
    key = scheduler.peek()
    if key is None:
        return None
    record = scheduler.schedule_next()
    cluster.run(0)
    ns, name = key
    pod = cluster.api.get_or_none("Pod", name, ns)
    node = ((pod or {}).get("spec") or {}).get("nodeName")
    table = contributions(cluster, name, ns) if record is not None else None
    return ScheduleOutcome(name, node, record.message if record is not None else "", table)


class ScheduleNext:
    """A widget: predict the node of the next pending pod, then schedule it and see the scores.

    Parameters
    ----------
    cluster
        The cluster; its scheduler is paused while the widget is used
        (``cluster.scheduler.resume()`` hands scheduling back to the clock).
    """

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        cluster.scheduler.pause()
        self.history: list[ScheduleOutcome] = []
        self._current: Any = None

    def question(self) -> PredictReveal | None:
        """The prediction for the pod that is next in the queue (None: nothing pending)."""
        key = self.cluster.scheduler.peek()
        if key is None:
            return None
        outcome: dict[str, ScheduleOutcome] = {}

        def run() -> ScheduleOutcome:
            if "done" not in outcome:
                result = schedule_next(self.cluster)
                assert result is not None
                outcome["done"] = result
                self.history.append(result)
            return outcome["done"]

        def answer() -> str:
            return run().node or "stays Pending"

        self._current = run

        def explanation() -> Any:
            result = run()
            return result.table if result.table is not None else result.message

        choices = [*self.cluster.nodes(), "stays Pending"]
        return PredictReveal(f"Where will pod {key[1]} go?", choices, answer, explanation)

    def reveal(self) -> ScheduleOutcome | None:
        """Schedule the pod of the open question (if not yet revealed) and return what happened.

        This is what the widget's "Reveal" does; a lesson cell calls it to print the
        outcome whether or not the student clicked. None when nothing is pending.
        """
        if self._current is None and self.question() is None:
            return None
        return self._current()

    def finish(self) -> None:
        """Hand scheduling back to kube-scheduler's own loop (``scheduler.resume()``)."""
        self._current = None
        self.cluster.scheduler.resume()

    def widget(self) -> Any:
        import ipywidgets as w

        header = w.HTML()
        holder = w.VBox()
        button = w.Button(description="Next pending pod", icon="forward", layout=w.Layout(width="auto"))

        def refresh(_: Any = None) -> None:
            pending = pending_pods(self.cluster)
            header.value = f"<b>Pending pods:</b> {', '.join(pending) if pending else '(none)'}"
            q = self.question()
            holder.children = (q.widget(),) if q is not None else (w.HTML("Nothing to schedule."),)

        button.on_click(refresh)
        refresh()
        return w.VBox([header, holder, button])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
