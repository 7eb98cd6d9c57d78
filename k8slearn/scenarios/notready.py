"""Scenario "node-notready": a node's kubelet went silent; the node turns NotReady and its pods are evicted.

The kubelet renews its Lease in ``kube-node-lease`` every 10 s and posts node status. When
it stops, the node lifecycle controller waits ``--node-monitor-grace-period`` (50 s),
sets the node's conditions to ``Unknown`` ("Kubelet stopped posting node status."),
marks its pods not Ready (they leave their Services' endpoints) and taints the node
``node.kubernetes.io/unreachable:NoExecute``. Pods tolerate that taint for 300 s (the
default toleration the DefaultTolerationSeconds admission plugin adds); then the
taint-eviction controller deletes them and their ReplicaSet creates replacements on the
healthy nodes. The old pods stay ``Terminating``: only their (silent) kubelet could
confirm that the containers stopped.

Variants
--------
0. Seen soon after: the node is NotReady, its pods still print ``Running`` but are not Ready.
1. Seen after the eviction: replacements run elsewhere, the old pods hang in ``Terminating``.

The expected answer is the node's name; the remedy restarts its kubelet
(``cluster.recover_node``), after which the node turns Ready and the kubelet removes the
Terminating pods.

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..check.core import Feedback, fail, passed
from ._kit import APPS, answer_fields, as_text, deployment, new_cluster, node_names, node_ready, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "NotReadyScenario", "make"]

NAME = "node-notready"
VARIANTS = ("soon after the failure", "after the eviction")


@dataclass(eq=False, repr=False)
class NotReadyScenario(Scenario):
    """One node stopped heartbeating."""

    app: str = ""

    def check_diagnosis(self, answer: Any) -> Feedback:
        got = answer_fields(answer, ("node",))
        node = as_text(got.get("node", ""))
        want = self.expected["node"]
        if node == want:
            later = (
                "its pods are marked not Ready and are evicted once their 300 s toleration runs out."
                if self.variant == 0
                else "300 s later the taint-eviction controller evicted its pods; they stay Terminating until "
                "the kubelet returns to confirm."
            )
            return passed(
                f"{want}'s kubelet went silent at t={self.expected['failed_at']:g} s (no more Lease renewals); once it "
                f"had been silent for more than node-monitor-grace-period ({self.expected['grace']:g} s), the node "
                "lifecycle controller set Ready=Unknown and tainted the node "
                f"node.kubernetes.io/unreachable:NoExecute; {later}"
            )
        if node in self.cluster.nodes():
            return fail(f"{node} is Ready. c.kubectl('get nodes') prints each node's STATUS.")
        return fail(f"Answer a node name ({', '.join(self.cluster.nodes())}). {self.hints[0]}")

    def problems(self, cluster: Any) -> list[str]:
        out = [f"node {n['metadata']['name']} is not Ready." for n in cluster.api.list("Node") if not node_ready(n)]
        return out + workload_problems(cluster, self.app)

    def remedy(self, cluster: Any) -> None:
        cluster.recover_node(self.expected["node"])

    def healed_message(self) -> str:
        return (
            f"{self.expected['node']}'s kubelet posts status again, the node lifecycle controller removes the "
            "unreachable taints, and the kubelet finishes deleting the evicted pods."
        )


def make(seed: int, variant: int | None = None) -> NotReadyScenario:
    """Build the broken cluster: one node's kubelet stopped, some time ago."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, image, port = rng.choice(APPS)
    nodes = node_names(rng, rng.randint(3, 5))
    c = new_cluster(seed, nodes)
    c.apply(deployment(app, image, replicas=len(nodes) + rng.randint(0, 2), port=port))
    c.run(20)
    used = sorted({p["spec"]["nodeName"] for p in c.api.list("Pod", "default") if p["spec"].get("nodeName")})
    failed = rng.choice(used)
    failed_at = c.now
    c.fail_node(failed)
    c.run(rng.randint(70, 200) if v == 0 else rng.randint(420, 560))

    grace = c.flags.node_monitor_grace_period
    return NotReadyScenario(
        name=NAME,
        title=f"The {app} Deployment lost a pod" if v == 0 else f"A {app} pod will not go away",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            (
                f"The {app} Deployment is not fully available any more, though nobody touched it."
                if v == 0
                else f"A {app} pod has been Terminating for minutes, though nobody deleted it."
            )
            + ' Which node is the problem? Answer with its name: answer = "..."'
        ),
        expected={"node": failed, "failed_at": failed_at, "grace": grace},
        hints=(
            "c.kubectl('get nodes') prints each node's STATUS; c.kubectl('get pods -o wide') shows where the pods run.",
            "c.kubectl('describe node <name>') shows the Conditions (Kubelet stopped posting node status.) and the "
            "Taints node.kubernetes.io/unreachable that the node lifecycle controller adds.",
            "c.kubectl('get leases -n kube-node-lease') and the Lease's renewTime tell when each kubelet last "
            "checked in.",
        ),
        symptom="NotReady",
        commands=(
            "kubectl get nodes",
            "kubectl describe node",
            "kubectl get pods -o wide",
            "kubectl get leases -n kube-node-lease",
        ),  # fmt: skip
        solution=(
            "print(c.kubectl('get nodes'))\n"
            'answer = [n["metadata"]["name"] for n in c.list("nodes")\n'
            '          if any(x["type"] == "Ready" and x["status"] != "True" for x in n["status"]["conditions"])][0]\n'
            "# the fix: bring the kubelet back (on a real node: systemctl restart kubelet, or replace the machine)\n"
            "c.recover_node(answer)"
        ),
        heal_timeout=300.0,
        app=app,
    )
