"""Self-checking exercises of lesson 02 (scheduling).

Each check returns ✅ with a one-line why or ❌ with a hint; none raises. The checks
that take a manifest apply it to a small fresh cluster and look at where
kube-scheduler put the pods (and, when it could not, at its FailedScheduling message).

Used in: 02_scheduling.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "gpu_cluster", "spread_trial"]

GPU_TAINT = "nvidia.com/gpu"
GPU_NODE = "gpu-1"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"


def _load(manifest: Any) -> list[dict]:
    from ..api.manifests import load_manifests

    return load_manifests(manifest)


def _node_names(answer: Any) -> set[str] | None:
    if isinstance(answer, str):
        return {answer}
    if isinstance(answer, (list, tuple, set, frozenset)) and all(isinstance(a, str) for a in answer):
        return set(answer)
    return None


@check
def ex1(answer: Any, cluster: Any, pod: str = "report") -> Feedback:
    """The nodes that rejected ``pod`` because of memory (alone or with other reasons)."""
    names = _node_names(answer)
    if names is None:
        return fail('Give the node names as a list of strings, e.g. ["node-1"].')
    record = cluster.scheduler.last_record(pod)
    if record is None:
        return fail(f"Pod {pod} has not been through kube-scheduler yet: apply it and run the clock (c.run(2)).")
    want = {node for node, status in record.node_to_status.items() if "Insufficient memory" in status.reasons}
    if names == want:
        return passed(
            f"{', '.join(sorted(want))}: the event only counts them; explain() names them. A node short of cpu and "
            "memory counts once for each reason."
        )
    unknown = sorted(names - set(cluster.nodes()))
    if unknown:
        return fail(f"{', '.join(unknown)} is not a node of this cluster: `c.kubectl('get nodes')` lists them.")
    extra = sorted(names - want)
    if extra:
        why = record.node_to_status.get(extra[0])
        reason = why.message if why is not None else "nothing: the pod fits there"
        return fail(f"{extra[0]} rejected {pod} for: {reason}. Read the filter column of c.scheduler.explain({pod!r}).")
    return fail(
        f"You found {len(names)} of {len(want)}. Some nodes fail for two reasons at once: the filter column of "
        f"c.scheduler.explain({pod!r}) lists them all, separated by commas."
    )


def gpu_cluster(seed: int = 0) -> Any:
    """Two plain nodes and ``gpu-1`` (8 cpu, 2 GPUs, tainted ``nvidia.com/gpu=present:NoSchedule``)."""
    import k8slearn as kl

    c = kl.Cluster(seed=seed)
    c.add_node("node-1", cpu="4", memory="8Gi")
    c.add_node("node-2", cpu="4", memory="8Gi")
    c.add_node(GPU_NODE, cpu="8", memory="32Gi", labels={"accelerator": "nvidia-l4"},
               taints=[f"{GPU_TAINT}=present:NoSchedule"], capacity={GPU_TAINT: "2"})  # fmt: skip
    c.run(5)
    return c


def _gpu_request(pod: dict) -> int:
    from ..controlplane.scheduler.plugins.helpers import pod_requests

    return pod_requests(pod).get(GPU_TAINT, 0)


@check
def ex2(answer: Any) -> Feedback:
    """A Pod that lands on gpu-1 and gets one of its GPUs."""
    pods = [o for o in _load(answer) if o.get("kind") == "Pod"]
    if len(pods) != 1:
        return fail("The answer must be one Pod manifest (YAML text or a dict) with kind: Pod.")
    c = gpu_cluster()
    c.apply(pods[0])
    c.run(3)
    name = pods[0]["metadata"]["name"]
    pod = c.api.get("Pod", name, "default")
    node = pod["spec"].get("nodeName")
    if not node:
        record = c.scheduler.last_record(name)
        message = record.message if record is not None else "no scheduling attempt"
        if "untolerated taint" in message:
            return fail(
                f"It stays Pending: {message!r}. gpu-1 carries the taint nvidia.com/gpu=present:NoSchedule; "
                "add a toleration with that key and effect (operator Exists or Equal with value present)."
            )
        return fail(f"It stays Pending: {message!r}. Compare your requests with what gpu-1 offers.")
    if node != GPU_NODE:
        return fail(
            f"It landed on {node}: a toleration only allows gpu-1, it does not attract the pod. Request the GPU "
            "(resources.limits: {nvidia.com/gpu: 1}), and only gpu-1 fits."
        )
    if _gpu_request(pod) < 1:
        return fail(
            "It is on gpu-1 but holds no GPU, so the next GPU pod may take them all. Request one: "
            "resources.limits: {nvidia.com/gpu: 1} (extended resources are whole numbers, requests = limits)."
        )
    return passed(
        "On gpu-1 with a GPU: the toleration lets TaintToleration pass gpu-1, and NodeResourcesFit rejects the "
        "nodes without nvidia.com/gpu."
    )


def _has_spread_rule(manifest: Any) -> bool:
    """Whether the Deployment's pod template has pod anti-affinity or a topology spread constraint."""
    deployment = next(o for o in _load(manifest) if o.get("kind") == "Deployment")
    spec = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    return bool((spec.get("affinity") or {}).get("podAntiAffinity") or spec.get("topologySpreadConstraints"))


def spread_trial(manifest: Any, seed: int = 0) -> dict[str, Any]:
    """Apply a Deployment to a fresh 3-node cluster, then scale it to 4 replicas.

    Returns the Deployment's name and replicas, the nodes of its pods after the first
    run and after scaling, and the FailedScheduling message of a pod left Pending.
    """
    import k8slearn as kl

    deployment = next(o for o in _load(manifest) if o.get("kind") == "Deployment")
    name = deployment["metadata"]["name"]
    c = kl.Cluster.demo(nodes=3, seed=seed)
    c.apply(deployment)
    c.run(10)
    template_labels = deployment["spec"]["template"]["metadata"].get("labels") or {}
    selector = ",".join(f"{k}={v}" for k, v in template_labels.items())

    def placement() -> list[str]:
        return sorted(p["spec"].get("nodeName") or "" for p in c.list("pods", selector=selector))

    first = placement()
    c.kubectl(f"scale deployment {name} --replicas=4")
    c.run(10)
    after = placement()
    message = ""
    for p in c.list("pods", selector=selector):
        if not p["spec"].get("nodeName"):
            record = c.scheduler.last_record(p["metadata"]["name"])
            message = record.message if record is not None else ""
    return {"name": name, "replicas": deployment["spec"].get("replicas", 1), "first": first, "after": after,
            "message": message}  # fmt: skip


@check
def ex3(answer: Any) -> Feedback:
    """A Deployment of 3 replicas that never puts two of its pods on one node."""
    if not any(o.get("kind") == "Deployment" for o in _load(answer)):
        return fail("The answer must be a Deployment manifest (YAML text or a dict).")
    trial = spread_trial(answer)
    if trial["replicas"] != 3:
        return fail(f"spec.replicas is {trial['replicas']}; the task asks for 3.")
    first = trial["first"]
    if "" in first:
        return fail("Not all 3 pods were scheduled on a cluster of 3 empty nodes: look at their FailedScheduling "
                    "events. Does your rule select the Deployment's own pods (labelSelector = the template labels)?")  # fmt: skip
    if len(set(first)) < 3:
        return fail(
            f"Two pods share a node ({', '.join(first)}). Use podAntiAffinity with topologyKey "
            "kubernetes.io/hostname and a labelSelector matching the pods' own labels."
        )
    after = trial["after"]
    if "" not in after and not _has_spread_rule(answer):
        return fail(
            "3 pods on 3 nodes - but only because the default spreading leans that way: after scaling to 4, the "
            "fourth pod joined a sibling. Add a hard rule: podAntiAffinity with "
            "requiredDuringSchedulingIgnoredDuringExecution and topologyKey kubernetes.io/hostname."
        )
    if "" not in after:
        return fail(
            "3 pods on 3 nodes - but after scaling to 4 the fourth pod still found a node next to a sibling. "
            "A preferred rule (or ScheduleAnyway, or maxSkew 1 with 2-1-1) only leans; use "
            "requiredDuringSchedulingIgnoredDuringExecution."
        )
    if ANTI_AFFINITY_REASON not in trial["message"]:
        return fail(f"The fourth pod is Pending, but for another reason: {trial['message']!r}.")
    return passed(
        "One pod per node, and a fourth replica stays Pending with "
        f"{ANTI_AFFINITY_REASON!r}: required pod anti-affinity on kubernetes.io/hostname is a hard rule."
    )
