"""``kubectl logs``: what a container wrote, served by the kubelet of the pod's node.

Notes
-----
Mirrors kubectl ``pkg/cmd/logs`` and ``polymorphichelpers/logsforobject.go``: the first
container by default (``Defaulted container "a" out of: a, b`` on stderr when there
are several, unless the ``kubectl.kubernetes.io/default-container`` annotation picks
one), ``deploy/web`` picks one pod (``Found 3 pods, using pod/...``), and an unknown
container is ``container x is not valid for pod web out of: a, b``. The text itself
comes from ``cluster.kubelet(node).logs(...)``.
Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..api.errors import ApiError
from ..clock import parse_timestamp
from . import KubectlError, KubectlOutput, Terminal, usage_error
from .builder import parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_logs", "all_container_names", "target_pod", "pick_containers"]

_USAGE = (
    "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
    "POD or TYPE/NAME is a required argument for the logs command"
)

LOGS_FLAGS = (
    Flag("container", "c"),
    Flag("previous", "p", kind="bool", default=False),
    Flag("tail", kind="int", default=-1),
    Flag("follow", "f", kind="bool", default=False),
    Flag("all-containers", kind="bool", default=False),
    Flag("timestamps", kind="bool", default=False),
    Flag("selector", "l"),
    Flag("since"),
    Flag("since-time"),
    Flag("limit-bytes", kind="int", default=0),
    Flag("prefix", kind="bool", default=False),
    Flag("all-pods", kind="bool", default=False),
    *GLOBAL_FLAGS,
)


def all_container_names(pod: Mapping) -> str:
    """``a, b, setup (init)`` (``podcmd.AllContainerNames``)."""
    spec = pod.get("spec") or {}
    names = [c.get("name", "") for c in spec.get("containers") or ()]
    names += [f"{c.get('name', '')} (ephem)" for c in spec.get("ephemeralContainers") or ()]
    names += [f"{c.get('name', '')} (init)" for c in spec.get("initContainers") or ()]
    return ", ".join(names)


def _by_logging(pod: Mapping) -> tuple:
    """Sort key of ``podutils.ByLogging``: the pod kubectl prefers to read logs from."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    phase_rank = {"Running": 0, "Unknown": 1, "Pending": 2}.get(status.get("phase", ""), 3)
    ready_cond = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    ready = ready_cond is not None and ready_cond.get("status") == "True"
    ready_since = (
        parse_timestamp(ready_cond["lastTransitionTime"]) if ready and ready_cond.get("lastTransitionTime") else 0.0
    )
    restarts = max((c.get("restartCount") or 0 for c in status.get("containerStatuses") or ()), default=0)
    created = (
        parse_timestamp(pod["metadata"]["creationTimestamp"]) if pod["metadata"].get("creationTimestamp") else 1e18
    )
    return (0 if spec.get("nodeName") else 1, phase_rank, 0 if ready else 1, ready_since, -restarts, created)


def run_logs(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl logs POD [-c CONTAINER] [--previous] [--tail N]`` or ``logs deploy/web``."""
    args, opts = parse_flags("logs", args, LOGS_FLAGS)
    if opts["follow"]:
        raise KubectlError("logs --follow is not simulated by k8slearn; run the clock and call logs again")
    namespace = opts["namespace"] or "default"
    if opts["selector"]:
        if args:
            raise usage_error("logs", "only a selector (-l) or a POD name is allowed")
        pods = cluster.api.list("Pod", namespace, selector=opts["selector"])
        if not pods:
            return KubectlOutput("", f"No resources found in {namespace} namespace.\n", 0)
        targets = [(p, "") for p in sorted(pods, key=lambda p: p["metadata"]["name"])]
    else:
        if not args or len(args) > 2:
            raise usage_error("logs", _USAGE)
        if len(args) == 2:
            if opts["container"]:
                raise KubectlError("only one of -c or an inline [CONTAINER] arg is allowed")
            opts["container"] = args[1]
        targets = [target_pod(cluster, args[0], namespace)]
    if opts["tail"] < -1:
        raise KubectlError("--tail must be greater than or equal to -1")
    if opts["all-containers"] and opts["container"]:
        raise KubectlError(f"--all-containers=true should not be specified with container name {opts['container']}")
    term = Terminal()
    for pod, note in targets:
        if note:
            term.err(note)
        names = pick_containers(pod, opts["container"], opts["all-containers"], term)
        for name in names:
            term.out(_read_logs(cluster, pod, name, opts))
    return term.result(0)


def target_pod(cluster: Cluster, arg: str, namespace: str) -> tuple[Mapping, str]:
    """The pod ``web`` or ``deploy/web`` names (``AttachablePodForObject``) and a note for stderr."""
    if "/" not in arg:
        pod = cluster.api.get_or_none("Pod", arg, namespace)
        if pod is None:
            raise ApiError.not_found("pods", arg)
        return pod, ""
    request = parse_resource_args([arg])
    res, name = request.tuples[0]
    obj = cluster.api.get_or_none(res.kind, name, namespace if res.namespaced else None)
    if obj is None:
        raise ApiError.not_found(res.qualified_resource, name)
    if res.kind == "Pod":
        return obj, ""
    if res.kind == "Service" or res.kind in ("Deployment", "ReplicaSet", "DaemonSet", "Job"):
        selector = (obj.get("spec") or {}).get("selector")
    else:
        raise KubectlError(f"cannot get the logs from {res.kind}: selector for {res.kind} not implemented")
    pods = cluster.api.list("Pod", namespace, selector=selector) if selector else []
    if not pods:
        raise KubectlError(f"timed out waiting for the condition (no pods of {res.kubectl_kind}/{name})")
    pods = sorted(pods, key=_by_logging)
    note = f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}" if len(pods) > 1 else ""
    return pods[0], note


def pick_containers(pod: Mapping, container: str | None, all_containers: bool, term: Terminal) -> list[str]:
    """The container(s) to use (``podcmd.FindOrDefaultContainerByName``); notes go to ``term``'s stderr."""
    spec = pod.get("spec") or {}
    containers = spec.get("containers") or []
    inits = spec.get("initContainers") or []
    if not containers:
        raise KubectlError(
            f"pod {pod['metadata'].get('namespace')}/{pod['metadata']['name']} does not have any containers"
        )
    if all_containers:
        return [c.get("name") for c in inits] + [c.get("name") for c in containers]
    names = {c.get("name") for c in containers} | {c.get("name") for c in inits}
    if not container:
        default = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        if default:
            if default in names:
                container = default
            else:
                term.err(f'Default container name "{default}" not found in pod {pod["metadata"]["name"]}')
    if not container:
        container = containers[0].get("name")
        if len(containers) > 1 or inits:
            term.err(f'Defaulted container "{container}" out of: {all_container_names(pod)}')
    if container not in names:
        raise KubectlError(
            f"container {container} is not valid for pod {pod['metadata']['name']} out of: {all_container_names(pod)}"
        )
    return [container]


def _read_logs(cluster: Cluster, pod: Mapping, container: str, opts: dict) -> str:
    node = (pod.get("spec") or {}).get("nodeName")
    name = pod["metadata"]["name"]
    if not node:
        return ""
    host = cluster.hosts.get(node)
    if host is None:
        raise KubectlError(f"node {node} has no kubelet in this simulation (a Node object without a machine)")
    kubelet = host.kubelet
    if getattr(kubelet, "running", True) is False:
        ip = next((a.get("address") for a in (cluster.api.get_or_none("Node", node) or {}).get("status", {})
                   .get("addresses", []) if a.get("type") == "InternalIP"), node)  # fmt: skip
        url = f"https://{ip}:10250/containerLogs/{pod['metadata'].get('namespace', 'default')}/{name}/{container}"
        raise ApiError(500, "", f'Get "{url}": dial tcp {ip}:10250: connect: connection refused')
    reader = getattr(kubelet, "logs", None)
    if reader is None:
        raise KubectlError(f"the kubelet on {node} cannot serve container logs yet (k8slearn: kubelet.logs is missing)")
    text = reader(
        name,
        namespace=pod["metadata"].get("namespace", "default"),
        container=container,
        previous=opts["previous"],
        tail=None if opts["tail"] < 0 else opts["tail"],
    )
    if not text:
        return ""
    return text if text.endswith("\n") else text + "\n"
