"""The first look at a broken cluster: what is unhealthy, and which kubectl command to run next.

:func:`triage` does what an experienced operator does in the first minute: ``kubectl get
nodes``, ``kubectl get deployments``, ``kubectl get pods`` and ``kubectl get endpoints``,
keeping only what is not healthy, and for each symptom names the command that shows the
cause (the decision flow of :func:`k8slearn.viz.diagnose.draw_flow`). It does not say
*what* the cause is: that is the student's job.

Used in: 10_capstone.
"""

from __future__ import annotations

from typing import Any

__all__ = ["triage", "next_command", "FLOW"]

#: symptom -> (command to run next, what to look for). The rows of the decision flow picture.
FLOW: dict[str, tuple[str, str]] = {
    "Pending": ("kubectl describe pod {name}", "Events: FailedScheduling (taints, Insufficient cpu, affinity)"),
    "CreateContainerConfigError": ("kubectl describe pod {name}", 'Events: Failed: configmap "..." not found'),
    "CrashLoopBackOff": ("kubectl logs {name} --previous", "the last lines before the container exited"),
    "ErrImagePull": ("kubectl describe pod {name}", "Events: Failed to pull image"),
    "ImagePullBackOff": ("kubectl describe pod {name}", "Events: Failed to pull image"),
    "Error": ("kubectl logs {name} --previous", "the last lines before the container exited"),
    "OOMKilled": ("kubectl describe pod {name}", "Last State: Terminated, Reason: OOMKilled, the memory limit"),
    "Terminating": ("kubectl get pod {name} -o wide", "its NODE: is that node NotReady?"),
    "not Ready": ("kubectl describe pod {name}", "Events: Unhealthy (readiness probe failed)"),
    "NotReady": ("kubectl describe node {name}", "Conditions: Kubelet stopped posting node status; Taints"),
    "node NotReady": ("kubectl describe node {name}", "the pod's node stopped reporting: its status is stale"),
    "no endpoints": ("kubectl describe service {name}", "Selector: vs the pods' labels (kubectl get pods --show-labels)"),
    "endpoints not ready": ("kubectl get endpointslices -l kubernetes.io/service-name={name} -o yaml",
                            "conditions: ready: false - the pods fail their readiness probe"),
    "ProgressDeadlineExceeded": ("kubectl rollout status deployment/{name}", "then kubectl get pods: the new pods"),
    "unavailable": ("kubectl describe deployment {name}", "Replicas: ... unavailable; then the pods"),
}  # fmt: skip


def next_command(symptom: str, name: str) -> str:
    """The kubectl command the flow suggests for ``symptom`` on object ``name``."""
    command, _ = FLOW.get(symptom, ("kubectl describe pod {name}", ""))
    return command.format(name=name)


def _pod_symptom(pod: dict) -> str | None:
    from ..api.objects import pod_is_ready
    from ..graph import pod_status

    word = pod_status(pod)
    if word in ("Completed", "Succeeded"):
        return None
    if word == "Running":
        return None if pod_is_ready(pod) else "not Ready"
    if word.startswith("ContainerCreating"):
        return "Pending"
    return word


def triage(cluster: Any, namespace: str | None = None) -> Any:
    """Every unhealthy Node, Deployment, Pod and Service, with the next kubectl command to run.

    Returns a pandas DataFrame with columns ``object`` (``kind/name``), ``symptom``,
    ``next`` (the kubectl command) and ``look for``; empty when everything is healthy.
    """
    import pandas as pd

    from ..api.objects import get_condition
    from ._kit import node_ready

    api = cluster.api
    rows: list[tuple[str, str, str, str]] = []

    def add(kind: str, name: str, symptom: str, target: str = "") -> None:
        look = FLOW.get(symptom, ("", ""))[1]
        rows.append((f"{kind}/{name}", symptom, next_command(symptom, target or name), look))

    lost = []
    for node in api.list("Node"):
        if not node_ready(node):
            lost.append(node["metadata"]["name"])
            add("node", node["metadata"]["name"], "NotReady")
    for deploy in api.list("Deployment", namespace):
        progressing = get_condition(deploy.get("status") or {}, "Progressing") or {}
        want = (deploy.get("spec") or {}).get("replicas", 1)
        available = (deploy.get("status") or {}).get("availableReplicas", 0)
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            add("deployment", deploy["metadata"]["name"], "ProgressDeadlineExceeded")
        elif available < want:
            add("deployment", deploy["metadata"]["name"], "unavailable")
    for pod in api.list("Pod", namespace):
        symptom = _pod_symptom(pod)
        node = (pod.get("spec") or {}).get("nodeName")
        if symptom in ("not Ready", "Terminating") and node in lost:
            add("pod", pod["metadata"]["name"], "node NotReady", node)
        elif symptom is not None:
            add("pod", pod["metadata"]["name"], symptom)
    for svc in api.list("Service", namespace):
        if not (svc.get("spec") or {}).get("selector"):
            continue
        ep = api.get_or_none("Endpoints", svc["metadata"]["name"], svc["metadata"].get("namespace", "default"))
        subsets = (ep or {}).get("subsets") or ()
        ready = any(s.get("addresses") for s in subsets)
        waiting = any(s.get("notReadyAddresses") for s in subsets)
        if not ready:
            add("service", svc["metadata"]["name"], "endpoints not ready" if waiting else "no endpoints")
    return pd.DataFrame(rows, columns=["object", "symptom", "next", "look for"])
