"""Break it: kill a pod, crash a container, fail or cordon a node - then step the clock and watch.

The logic lives in plain functions that act on a cluster and return one line of text
(:func:`kill_pod`, :func:`crash_container`, :func:`fail_node`, :func:`recover_node`,
:func:`cordon_node`, :func:`uncordon_node`, :func:`step`, :func:`cluster_summary`) and in
:class:`BreakIt`, which keeps a log and a :class:`~k8slearn.viz.timeline.PodHistory`.
:meth:`BreakIt.widget` only wires ipywidgets buttons to those methods and redraws the
cluster picture; the virtual time is shown on every step. Nothing uses the wall clock.

Used in: 05_self_healing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "kill_pod",
    "crash_container",
    "fail_node",
    "recover_node",
    "cordon_node",
    "uncordon_node",
    "step",
    "cluster_summary",
    "BreakIt",
]


def _running_pods(cluster: Cluster, namespace: str) -> list[dict]:
    return [
        p
        for p in cluster.api.list("Pod", namespace)
        if not p["metadata"].get("deletionTimestamp") and (p.get("status") or {}).get("phase") == "Running"
    ]


def kill_pod(cluster: Cluster, name: str | None = None, namespace: str = "default") -> str:
    """Delete a pod (default: the first Running one), like ``kubectl delete pod``."""
    if name is None:
        pods = _running_pods(cluster, namespace)
        if not pods:
            return "no Running pod to kill"
        name = pods[0]["metadata"]["name"]
    try:
        cluster.api.delete("Pod", name, namespace, user="kubectl")
    except ApiError as err:
        return err.kubectl().removesuffix("\n")
    return f'pod "{name}" deleted from {namespace} namespace'


def crash_container(cluster: Cluster, pod: str | None = None, namespace: str = "default", exit_code: int = 1) -> str:
    """Make a container of a pod exit with ``exit_code`` (the kubelet restarts it)."""
    if pod is None:
        pods = _running_pods(cluster, namespace)
        if not pods:
            return "no Running pod to crash"
        pod = pods[0]["metadata"]["name"]
    try:
        cluster.crash_container(pod, exit_code=exit_code, namespace=namespace)
    except ApiError as err:
        return err.kubectl().removesuffix("\n")
    except AttributeError:
        return "this kubelet cannot crash containers yet"
    return f"container of {pod} exited with code {exit_code}"


def fail_node(cluster: Cluster, node: str) -> str:
    """The node's kubelet stops: no more heartbeats (the machine is gone)."""
    cluster.fail_node(node)
    return f"{node}: kubelet stopped (no more heartbeats)"


def recover_node(cluster: Cluster, node: str) -> str:
    """The node's kubelet comes back."""
    cluster.recover_node(node)
    return f"{node}: kubelet running again"


def cordon_node(cluster: Cluster, node: str) -> str:
    """``kubectl cordon``: no new pods on the node; the ones there keep running."""
    return str(cluster.kubectl(f"cordon {node}")).strip()


def uncordon_node(cluster: Cluster, node: str) -> str:
    """``kubectl uncordon``."""
    return str(cluster.kubectl(f"uncordon {node}")).strip()


def step(cluster: Cluster, seconds: float) -> str:
    """Advance virtual time; returns the new time."""
    cluster.run(seconds)
    return f"t = {cluster.now:g} s"


def cluster_summary(cluster: Cluster, namespace: str = "default") -> str:
    """One line per node: its STATUS and its pods with their STATUS; then unscheduled pods."""
    from ..kubectl.tables import node_status, pod_status

    lines = [f"t = {cluster.now:g} s"]
    pods = cluster.api.list("Pod", namespace)
    for node in cluster.api.list("Node"):
        name = node["metadata"]["name"]
        here = [p for p in pods if (p.get("spec") or {}).get("nodeName") == name]
        cells = ", ".join(f"{p['metadata']['name']} {pod_status(p)[0]}" for p in here) or "-"
        lines.append(f"{name} ({node_status(node)}): {cells}")
    pending = [p for p in pods if not (p.get("spec") or {}).get("nodeName")]
    if pending:
        lines.append("not scheduled: " + ", ".join(p["metadata"]["name"] for p in pending))
    return "\n".join(lines)


class BreakIt:
    """A break-it lab over one cluster: actions, a log, a pod history and a picture.

    Examples
    --------
    >>> import k8slearn as kl
    >>> lab = BreakIt(kl.Cluster.demo(nodes=2))
    >>> lab.act("step", 10)
    't = 15 s'
    >>> lab.log
    ['t = 15 s']
    """

    ACTIONS = ("kill pod", "crash container", "fail node", "recover node", "cordon node", "uncordon node", "step")

    def __init__(self, cluster: Cluster, namespace: str = "default") -> None:
        from ..viz.timeline import PodHistory

        self.cluster = cluster
        self.namespace = namespace
        self.log: list[str] = []
        self.history = PodHistory(cluster, namespace=namespace)

    def act(self, action: str, target: Any = None) -> str:
        """Run one action (``"kill pod"``, ``"fail node"``, ``"step"`` ...) and log its line."""
        c = self.cluster
        if action == "kill pod":
            line = kill_pod(c, target, self.namespace)
        elif action == "crash container":
            line = crash_container(c, target, self.namespace)
        elif action == "fail node":
            line = fail_node(c, target)
            self.history.mark(target, "failure", f"{target} fails")
        elif action == "recover node":
            line = recover_node(c, target)
        elif action == "cordon node":
            line = cordon_node(c, target)
        elif action == "uncordon node":
            line = uncordon_node(c, target)
        elif action == "step":
            line = step(c, float(target or 10))
        else:
            raise ValueError(f"unknown action {action!r}; one of {', '.join(self.ACTIONS)}")
        self.log.append(line if action == "step" else f"t = {c.now:g} s: {line}")
        return line

    def picture(self) -> Any:
        """The cluster now: ``cluster.draw()`` (the pod grid if the graph drawing fails)."""
        import matplotlib.pyplot as plt

        try:
            ax = self.cluster.draw(title=f"t = {self.cluster.now:g} s")
        except Exception:  # noqa: BLE001 - the grid is a fallback picture
            from ..viz.timeline import draw_pod_grid

            ax = draw_pod_grid(self.cluster, namespace=self.namespace)
        fig = ax.figure
        plt.close(fig)
        return fig

    def widget(self) -> Any:
        """Buttons for every action, a step-the-clock row, the virtual time and the picture."""
        import ipywidgets as w

        c = self.cluster
        nodes = c.nodes()
        pod_names = [p["metadata"]["name"] for p in c.api.list("Pod", self.namespace)]
        pod_box = w.Dropdown(options=pod_names, description="pod", layout=w.Layout(width="300px"))
        node_box = w.Dropdown(options=nodes, description="node", layout=w.Layout(width="220px"))
        clock = w.HTML()
        log = w.Output(layout=w.Layout(max_height="140px", overflow="auto"))
        picture = w.Output()

        def refresh() -> None:
            clock.value = f"<b>virtual time: t = {c.now:g} s</b>"
            names = [p["metadata"]["name"] for p in c.api.list("Pod", self.namespace)]
            pod_box.options = names
            picture.outputs = ()
            picture.append_display_data(self.picture())

        def run(action: str, target: Any) -> None:
            line = self.act(action, target)
            log.append_stdout(self.log[-1] + "\n" if self.log else line + "\n")
            refresh()

        def button(label: str, action: str, target: Any, style: str = "") -> Any:
            b = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
            b.on_click(lambda _: run(action, target() if callable(target) else target))
            return b

        breakers = w.HBox([
            pod_box,
            button("kill pod", "kill pod", lambda: pod_box.value, "danger"),
            button("crash container", "crash container", lambda: pod_box.value, "warning"),
        ])  # fmt: skip
        node_row = w.HBox([
            node_box,
            button("fail node", "fail node", lambda: node_box.value, "danger"),
            button("recover node", "recover node", lambda: node_box.value, "success"),
            button("cordon", "cordon node", lambda: node_box.value, "warning"),
            button("uncordon", "uncordon node", lambda: node_box.value),
        ])  # fmt: skip
        steps = w.HBox([clock] + [button(f"+{label}", "step", seconds, "info")
                                  for label, seconds in (("10 s", 10), ("1 min", 60), ("5 min", 300))])  # fmt: skip
        refresh()
        return w.VBox([breakers, node_row, steps, log, picture])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
