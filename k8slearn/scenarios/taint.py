"""Scenario "pending-taint": a Deployment's pods stay Pending because of a taint they do not tolerate.

The workload must run on one dedicated node (a ``nodeSelector`` picks it by a label), and
that node carries a ``NoSchedule`` taint. kube-scheduler's TaintToleration filter rejects
it, NodeAffinity rejects every other node, so the pods stay ``Pending`` and the
``FailedScheduling`` event says ``1 node(s) had untolerated taint(s)``.

Variants
--------
0. The pod has no toleration at all.
1. A near miss: the toleration names the right key but another value (``operator: Equal``).
2. A near miss: the toleration has the right key and value but the effect ``NoExecute``.

The expected answer is the tainted node and the taint's key; the remedy adds the matching
toleration to the Deployment's pod template (removing the taint would also schedule the
pods, but the taint is there to keep other workloads off that node).

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.objects import deep_copy
from ..check.core import Feedback, fail, passed
from ._kit import answer_fields, as_text, deployment, new_cluster, node_names, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "TaintScenario", "make"]

NAME = "pending-taint"
VARIANTS = ("no toleration", "toleration with another value", "toleration with another effect")

# (workload, taint key, taint value, wrong value, node label key, node label value)
_POOLS = (
    ("trainer", "dedicated", "gpu", "cpu", "accelerator", "nvidia-a100"),
    ("renderer", "gpu", "true", "false", "accelerator", "nvidia-l4"),
    ("indexer", "workload", "batch", "web", "pool", "batch"),
    ("ledger", "team", "payments", "platform", "team", "payments"),
    ("edge-proxy", "dedicated", "ingress", "egress", "role", "ingress"),
)


@dataclass(eq=False, repr=False)
class TaintScenario(Scenario):
    """Pods Pending: the only node they may use has a taint they do not tolerate."""

    app: str = ""
    manifest: dict | None = None

    def check_diagnosis(self, answer: Any) -> Feedback:
        got = answer_fields(answer, ("node", "taint"))
        node = as_text(got.get("node", ""))
        taint = as_text(got.get("taint", got.get("key", "")))
        key = taint.split(":", 1)[0].split("=", 1)[0]
        want_node, want_key = self.expected["node"], self.expected["taint"]
        nodes = self.cluster.nodes()
        if node != want_node:
            if node in nodes:
                return fail(
                    f"{node} has no taint the pod trips over. The FailedScheduling event (kubectl describe pod) "
                    "counts 'untolerated taint(s)'; kubectl describe nodes shows each node's Taints: line."
                )
            return fail(f"Answer a node name from kubectl get nodes ({', '.join(nodes)}) and the taint's key.")
        if not key:
            return fail("Right node! Now the taint: its key is the part before '=' on the Taints: line of "
                        f"kubectl describe node {want_node}.")  # fmt: skip
        if key != want_key:
            return fail(f"Right node, but {want_node}'s taint has another key: read the Taints: line of "
                        f"kubectl describe node {want_node} (key=value:effect).")  # fmt: skip
        why = {
            0: "the pod has no toleration for it",
            1: "the pod's toleration has the right key but another value (operator Equal compares values)",
            2: "the pod's toleration has the right key and value but the NoExecute effect, not NoSchedule",
        }[self.variant]
        return passed(
            f"{want_node} carries {self.expected['taint_spec']} and {why}; the nodeSelector rules out every "
            "other node, so kube-scheduler's TaintToleration filter leaves no node at all."
        )

    def problems(self, cluster: Any) -> list[str]:
        return workload_problems(cluster, self.app)

    def remedy(self, cluster: Any) -> None:
        cluster.apply(tolerating(self.manifest, self.expected))

    def healed_message(self) -> str:
        return (
            f"every {self.app} pod runs on {self.expected['node']} (a toleration lets a pod onto a tainted node; "
            "the nodeSelector is what sends it there)."
        )


def tolerating(manifest: dict, expected: dict) -> dict:
    """``manifest`` with the toleration that matches the taint (replacing any near miss)."""
    fixed = deep_copy(manifest)
    pod_spec = fixed["spec"]["template"]["spec"]
    pod_spec["tolerations"] = [
        {"key": expected["taint"], "operator": "Equal", "value": expected["value"], "effect": expected["effect"]}
    ]
    return fixed


def make(seed: int, variant: int | None = None) -> TaintScenario:
    """Build the broken cluster: the workload's pods are Pending on a tainted, dedicated node."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, key, value, wrong, label_key, label_value = rng.choice(_POOLS)
    nodes = node_names(rng, rng.randint(3, 5))
    tainted = rng.choice(nodes)
    replicas = rng.randint(1, 3)
    effect = "NoSchedule"
    args = {tainted: {"labels": {label_key: label_value}, "taints": [f"{key}={value}:{effect}"]}}
    c = new_cluster(seed, nodes, args)

    pod_spec: dict[str, Any] = {"nodeSelector": {label_key: label_value}}
    if v == 1:
        pod_spec["tolerations"] = [{"key": key, "operator": "Equal", "value": wrong, "effect": effect}]
    elif v == 2:
        pod_spec["tolerations"] = [{"key": key, "operator": "Equal", "value": value, "effect": "NoExecute"}]
    manifest = deployment(app, "busybox:1.36", replicas=replicas, container={"command": ["sleep", "infinity"]},
                          pod_spec=pod_spec)  # fmt: skip
    other = deployment("web", "nginx:1.27", replicas=len(nodes) - 1, port=80)
    c.apply([other, manifest])
    c.run(30)

    spec = f"{key}={value}:{effect}"
    expected = {"node": tainted, "taint": key, "value": value, "effect": effect, "taint_spec": spec}
    return TaintScenario(
        name=NAME,
        title=f"The {app} pods never start",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"The {app} Deployment's pods stay Pending. Which node's taint keeps them off, and what is the taint's "
            'key? Answer with a dict: answer = {"node": ..., "taint": ...}'
        ),
        expected=expected,
        hints=(
            f"Run c.kubectl('get pods'), then c.kubectl('describe pod <a Pending {app} pod>') and read the "
            "FailedScheduling event at the bottom.",
            "The event counts '1 node(s) had untolerated taint(s)'. c.kubectl('describe nodes') prints every "
            "node's Taints: line - which node has one?",
            f"Compare the node's taint with the pod's Tolerations: (kubectl describe pod): key, value and effect "
            f"must all match. The pod's nodeSelector ({label_key}={label_value}) only fits that one node.",
        ),
        symptom="Pending",
        commands=("kubectl get pods", "kubectl describe pod", "kubectl get events", "kubectl describe nodes"),
        solution=(
            f"print(c.kubectl('describe nodes'))   # {tainted}: Taints: {spec}\n"
            f'answer = {{"node": "{tainted}", "taint": "{key}"}}\n'
            "# the fix: tolerate the taint in the pod template (kubectl edit deployment, or apply it again)\n"
            f"fixed = c.get('deployment', '{app}')\n"
            f"fixed['spec']['template']['spec']['tolerations'] = [\n"
            f'    {{"key": "{key}", "operator": "Equal", "value": "{value}", "effect": "{effect}"}}]\n'
            "c.update(fixed)"
        ),
        heal_timeout=300.0,
        app=app,
        manifest=manifest,
    )
