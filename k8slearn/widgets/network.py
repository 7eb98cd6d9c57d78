"""A Service lab: scale a Deployment, take a pod out of rotation, switch kube-proxy's mode - and watch.

The logic lives in plain functions (:func:`scale_deployment`, :func:`set_pod_ready`,
:func:`lab_summary`) and in :class:`ServiceLab`'s methods, which return text; the
ipywidgets dashboard (:meth:`ServiceLab.widget`) only wires buttons to them and shows
the rules and a traffic histogram after each change. Every step advances virtual time
so kube-proxy's sync (at most once per second) has happened before traffic is sent.

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..api.objects import set_condition

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["set_pod_ready", "scale_deployment", "lab_summary", "LabSnapshot", "ServiceLab"]


def set_pod_ready(cluster: Cluster, pod: str, ready: bool, namespace: str = "default") -> dict:
    """Report a pod's readiness probe as passing or failing, as its kubelet would.

    Writes the ``Ready`` and ``ContainersReady`` conditions (and the containers'
    ``ready`` flags) through the status subresource. The EndpointSlice controller then
    moves the pod in or out of its Services' endpoints, and every kube-proxy re-syncs.
    A simulation shortcut for "the readiness endpoint starts failing": on a real
    cluster the kubelet's prober writes this after ``failureThreshold`` failed probes.
    """
    obj = cluster.api.get("Pod", pod, namespace)
    status = dict(obj.get("status") or {})
    now = cluster.clock.timestamp()
    flag = "True" if ready else "False"
    reason = {} if ready else {"reason": "ContainersNotReady", "message": "containers with unready status: [...]"}
    conditions = status.get("conditions") or []
    names = [c["name"] for c in (obj.get("spec") or {}).get("containers") or ()]
    if not ready:
        reason["message"] = f"containers with unready status: [{' '.join(names)}]"
    for type_ in ("ContainersReady", "Ready"):
        conditions = set_condition(conditions, {"type": type_, "status": flag, "lastProbeTime": None, **reason}, now)
    status["conditions"] = conditions
    status["containerStatuses"] = [dict(cs, ready=ready) for cs in status.get("containerStatuses") or ()]
    node = (obj.get("spec") or {}).get("nodeName") or ""
    return cluster.api.replace_status("Pod", pod, namespace, status, user=f"kubelet/{node}")


def scale_deployment(
    cluster: Cluster, name: str, replicas: int, namespace: str = "default", timeout: float = 60.0
) -> float:
    """``kubectl scale deployment <name> --replicas=N`` and run until the rollout settles.

    Returns the virtual seconds it took for the ready pods to match (plus one kube-proxy
    sync); raises TimeoutError if that does not happen within ``timeout``.
    """
    cluster.api.patch("Deployment", name, namespace, {"spec": {"replicas": int(replicas)}})

    def settled(c: Any) -> bool:
        d = c.api.get("Deployment", name, namespace)
        st = d.get("status") or {}
        return (
            st.get("readyReplicas", 0) == replicas
            and st.get("replicas", 0) == replicas
            and st.get("observedGeneration") == d["metadata"].get("generation")
        )

    took = cluster.run_until(settled, timeout=timeout)
    cluster.run(1.5)  # let the EndpointSlice controller and every kube-proxy catch up
    return took + 1.5


@dataclass
class LabSnapshot:
    """What the lab shows after a step: the node's rules for the Service and the traffic it sent."""

    time: float
    mode: str
    rules: str
    traffic: Any
    summary: str


def lab_summary(traffic: Any) -> str:
    """One line per pod: requests received, and the chi-square verdict against the rules' split."""
    from ..viz.network import chi_square

    attrs = traffic.attrs
    expected = attrs.get("expected") or {}
    lines = []
    for row in traffic.itertuples():
        share = expected.get(row.pod, 0.0)
        note = "" if share > 0 else "  (not in the rules)"
        lines.append(f"  {row.pod:<28} {row.node:<8} {row.requests:>6}  expected {share:.1%}{note}")
    obs = list(traffic["requests"])
    exp = [expected.get(p, 0.0) * attrs.get("sent", 0) for p in traffic["pod"]]
    test = chi_square(obs, exp)
    failed = attrs.get("rejected", 0) + attrs.get("dropped", 0) + attrs.get("refused", 0)
    tail = f"  {test}" + (f"; {failed} requests failed" if failed else "")
    return "\n".join(lines) + "\n" + tail


class ServiceLab:
    """Change a Deployment behind a Service and see kube-proxy's rules and the traffic follow.

    Parameters
    ----------
    cluster
        A running cluster with the Deployment and the Service applied.
    service, deployment
        Names in ``namespace``.
    node
        The node whose rules are shown and from which requests are sent (a client pod there).
    requests
        Requests sent after each change.
    """

    def __init__(
        self,
        cluster: Cluster,
        service: str = "web",
        deployment: str = "web",
        namespace: str = "default",
        node: str | None = None,
        requests: int = 3000,
    ) -> None:
        self.cluster = cluster
        self.service = service
        self.deployment = deployment
        self.namespace = namespace
        self.node = node or next(iter(cluster.hosts))
        self.requests = requests

    # -- plain, testable steps ---------------------------------------------------------------------
    def pods(self) -> list[str]:
        """Pods of the Service's endpoints (ready or not), sorted."""
        slices = self.cluster.api.list(
            "EndpointSlice", self.namespace, selector={"kubernetes.io/service-name": self.service}
        )
        names = {(ep.get("targetRef") or {}).get("name") for sl in slices for ep in sl.get("endpoints") or ()}
        return sorted(n for n in names if n)

    def scale(self, replicas: int) -> str:
        took = scale_deployment(self.cluster, self.deployment, replicas, self.namespace)
        return f"scaled {self.deployment} to {replicas} replicas (settled after {took:g} virtual seconds)"

    def flip(self, pod: str) -> str:
        """Take a ready pod out of rotation, or put a not-ready one back."""
        obj = self.cluster.api.get("Pod", pod, self.namespace)
        from ..api.objects import pod_is_ready

        ready = not pod_is_ready(obj)
        set_pod_ready(self.cluster, pod, ready, self.namespace)
        self.cluster.run(1.5)
        return f"{pod} is now {'Ready' if ready else 'not Ready'}"

    def switch(self, mode: str) -> str:
        from ..node.kubeproxy import set_proxy_mode

        set_proxy_mode(self.cluster, mode)
        return f"kube-proxy now runs in {mode} mode on every node"

    def snapshot(self) -> LabSnapshot:
        """Send the requests and collect the rules and the summary (what the widget shows)."""
        c = self.cluster
        proxy = c.kube_proxy(self.node)
        traffic = c.send_traffic(self.service, self.requests, from_node=self.node, namespace=self.namespace)
        rules = proxy.rules(service=self.service, namespace=self.namespace)
        head = f"t={c.now:g}s  mode={c.proxy_mode}  {self.requests} requests from a pod on {self.node}:"
        return LabSnapshot(c.now, c.proxy_mode, rules, traffic, head + "\n" + lab_summary(traffic))

    # -- the dashboard --------------------------------------------------------------------------------
    def widget(self) -> Any:
        """The ipywidgets dashboard (replicas slider, ready toggle, mode buttons, rules, histogram)."""
        import ipywidgets as w
        import matplotlib.pyplot as plt

        from ..node.kubeproxy import PROXY_MODES
        from ..viz.network import rules_view, traffic_histogram

        replicas = w.IntSlider(value=len(self.pods()), min=0, max=8, description="replicas")
        scale_btn = w.Button(description="scale", button_style="primary")
        pod_pick = w.Dropdown(options=self.pods(), description="pod")
        flip_btn = w.Button(description="flip ready")
        mode = w.ToggleButtons(options=list(PROXY_MODES), value=self.cluster.proxy_mode, description="mode")
        log = w.Output(layout={"border": "1px solid #ddd", "height": "150px", "overflow": "auto"})
        rules_out = w.Output(layout={"height": "360px", "overflow": "auto", "width": "55%"})
        chart_out = w.Output(layout={"width": "45%"})

        def show(note: str) -> None:
            snap = self.snapshot()
            log.append_stdout(note + "\n" + snap.summary + "\n")
            # reset the outputs through the model state: clear_output() from a button callback can reach the
            # browser after the new output and wipe it
            rules_out.outputs = ()
            rules_out.append_display_data(rules_view(snap.rules, highlight=("KUBE-SVC-", "KUBE-SEP-", "numgen", "->")))
            chart_out.outputs = ()
            fig, ax = plt.subplots(figsize=(5.5, 3.6))
            traffic_histogram(snap.traffic, ax=ax)
            ax.title.set_fontsize(8)
            chart_out.append_display_data(fig)
            plt.close(fig)
            pod_pick.options = self.pods()

        def on_scale(_: Any) -> None:
            show(self.scale(replicas.value))

        def on_flip(_: Any) -> None:
            if pod_pick.value:
                show(self.flip(pod_pick.value))

        def on_mode(change: Any) -> None:
            show(self.switch(change["new"]))

        scale_btn.on_click(on_scale)
        flip_btn.on_click(on_flip)
        mode.observe(on_mode, names="value")
        show("starting point")
        controls = w.VBox([w.HBox([replicas, scale_btn]), w.HBox([pod_pick, flip_btn]), mode])
        return w.VBox([controls, log, w.HBox([rules_out, chart_out])])
