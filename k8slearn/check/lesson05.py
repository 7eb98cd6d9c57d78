"""Self-checking exercises of lesson 05 (self-healing).

Each check returns ✅ with a one-line why or ❌ with a hint; none raises. The checks
that take a manifest or controller-manager flags replay a small node failure in a
fresh cluster to measure what your answer does.

Used in: 05_self_healing.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "eviction_delay", "not_ready_delay", "grace_period"]

UNREACHABLE = "node.kubernetes.io/unreachable"
#: The kubelet renews its Lease every 10 s (a quarter of the 40 s lease duration).
LEASE_RENEW_SECONDS = 10.0


@check
def ex1(answer: Any, cluster: Any) -> Feedback:
    """``kind/name`` of the object that created the replacement pod (its events show it)."""
    text = str(answer).strip()
    if "/" not in text:
        return fail("Write it as kind/name, the way `kubectl get` prints objects: replicaset/<name>.")
    kind, _, name = text.partition("/")
    if kind.lower() in ("deployment", "deploy", "deployments"):
        return fail(
            "The Deployment only manages ReplicaSets. Look at the owner of the new pod "
            "(`metadata.ownerReferences`) or at the SuccessfulCreate events: who created it?"
        )
    if kind.lower() not in ("replicaset", "rs", "replicasets", "replicaset.apps"):
        return fail("Which controller creates pods for a Deployment? Look at the `SuccessfulCreate` events.")
    events = cluster.events()
    creators = set(events[events.reason == "SuccessfulCreate"].object)
    if f"ReplicaSet/{name}" not in creators:
        return fail(f"No ReplicaSet called {name!r} created pods here; run `kubectl get rs` for the name.")
    return passed(
        f"ReplicaSet/{name}: the replicaset-controller saw one pod fewer than spec.replicas and created a new one."
    )


def _load(manifest: Any) -> list[dict]:
    from ..api.manifests import load_manifests

    return load_manifests(manifest)


def eviction_delay(manifest: Any, seed: int = 0) -> float | None:
    """Seconds from the NoExecute taint to the eviction of this Deployment's pods, in a fresh cluster."""
    import k8slearn as kl

    c = kl.Cluster.demo(nodes=3, seed=seed)
    c.apply(manifest)
    deployment = next(o for o in _load(manifest) if o.get("kind") == "Deployment")
    name = deployment["metadata"]["name"]
    c.run_until(lambda c: (c.get("deploy", name).get("status") or {}).get("availableReplicas", 0) >= 1, 300)
    pods = [p for p in c.api.list("Pod", "default") if (p.get("spec") or {}).get("nodeName")]
    node = pods[0]["spec"]["nodeName"]
    victims = [p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == node]
    c.fail_node(node)

    def tainted(c: Any) -> bool:
        taints = (c.api.get("Node", node).get("spec") or {}).get("taints") or []
        return any(t.get("key") == UNREACHABLE and t.get("effect") == "NoExecute" for t in taints)

    c.run_until(tainted, 300)
    t_taint = c.now
    try:
        c.run_until(lambda c: any(c.api.get("Pod", v, "default")["metadata"].get("deletionTimestamp")
                                  for v in victims), 1200)  # fmt: skip
    except TimeoutError:
        return None
    return c.now - t_taint


@check
def ex2(answer: Any) -> Feedback:
    """A Deployment whose pods leave an unreachable node 60 s after it is tainted (not 300 s)."""
    objs = _load(answer)
    deployments = [o for o in objs if o.get("kind") == "Deployment"]
    if not deployments:
        return fail("The answer must be a Deployment manifest (YAML text or a dict).")
    spec = ((deployments[0].get("spec") or {}).get("template") or {}).get("spec") or {}
    tolerations = [t for t in spec.get("tolerations") or [] if t.get("key") == UNREACHABLE]
    if not tolerations:
        return fail(
            f"Add a toleration for the {UNREACHABLE} taint to the pod template: effect NoExecute, operator "
            "Exists, and tolerationSeconds. Without one, admission adds the default of 300 s."
        )
    delay = eviction_delay(answer)
    if delay is None:
        return fail("The pods never left the dead node: a toleration without tolerationSeconds lasts forever.")
    if abs(delay - 60) > 1:
        return fail(f"Your pods left {delay:g} s after the taint, not 60 s. Check tolerationSeconds and its effect.")
    return passed(
        "The taint-eviction-controller deleted the pods 60 s after the NoExecute taint: tolerationSeconds "
        "counts from the taint, which comes about a minute after the last heartbeat (the 50 s grace period, "
        "checked on 5 s passes, then one more pass)."
    )


def not_ready_delay(flags: Any, seed: int = 0) -> float:
    """Seconds from a node's last heartbeat to its Ready condition turning Unknown, with these flags."""
    import k8slearn as kl
    from k8slearn.clock import parse_timestamp

    c = kl.Cluster(seed=seed, controller_manager=flags)
    c.add_node("node-1")
    c.add_node("node-2")
    c.run(12)
    c.fail_node("node-2")
    last = parse_timestamp(c.api.get("Lease", "node-2", "kube-node-lease")["spec"]["renewTime"])

    def unknown(c: Any) -> bool:
        conds = (c.api.get("Node", "node-2").get("status") or {}).get("conditions") or []
        return any(x.get("type") == "Ready" and x.get("status") == "Unknown" for x in conds)

    c.run_until(unknown, 600)
    return c.now - last


def grace_period(flags: Any) -> float:
    """``--node-monitor-grace-period`` in seconds, as kube-controller-manager would read ``flags``."""
    import k8slearn as kl

    return float(kl.Cluster(controller_manager=flags).flags.node_monitor_grace_period)


@check
def ex3(answer: Any) -> Feedback:
    """kube-controller-manager flags that make a silent node NotReady about 20 s after its last heartbeat."""
    if not isinstance(answer, dict):
        return fail('Give the flags as a dict, e.g. {"flag-name": "30s"} - the same form Cluster(controller_manager=...) '
                    "takes.")  # fmt: skip
    try:
        grace = grace_period(answer)
        delay = not_ready_delay(answer)
    except ValueError as err:
        return fail(f"{err}. Which flag says how long the node controller waits without a heartbeat?")
    if grace <= LEASE_RENEW_SECONDS:
        # the simulated kubelet renews exactly every 10 s; a real one jitters, and then such a node flaps
        return fail(
            f"A grace period of {grace:g} s is not longer than the 10 s between two Lease renewals: a healthy "
            "kubelet that renews a moment late would be marked NotReady, again and again. Aim for about 20 s."
        )
    if delay > 30 and grace != 50:
        return fail(f"NotReady {delay:g} s after the last heartbeat: {grace:g} s of grace, plus up to 10 s because the "
                    "controller only looks every node-monitor-period (5 s). A little less.")  # fmt: skip
    if delay > 30:
        return fail(f"NotReady after {delay:g} s. Which flag sets how long a node may stay silent (default 50s)?")
    return passed(
        f"NotReady {delay:g} s after the last heartbeat: node-monitor-grace-period ({grace:g} s), checked every "
        "node-monitor-period (5 s). The price: a kubelet that misses one or two renewals is now declared dead."
    )
