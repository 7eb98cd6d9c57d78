"""Checks for lesson 00 · The architecture.

- :func:`ex1` which component writes a pod's ``spec.nodeName``;
- :func:`ex2` the node agents on one machine, read from the cluster graph;
- :func:`ex3` the order in which the components hand a new Deployment over;
- :func:`ex4` the recorded journey of a second Deployment, without a Service.

Used in: 00_architecture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4", "HAND_OVERS", "API_MANIFEST"]

#: Exercise 0.3: the components in the order they act on a new Deployment behind a Service.
HAND_OVERS = (
    "kube-apiserver",
    "etcd",
    "deployment controller",
    "replicaset controller",
    "kube-scheduler",
    "kubelet",
    "container runtime",
    "endpointslice controller",
    "kube-proxy",
)

#: Exercise 0.4: a second Deployment, one replica, no Service.
API_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: redis:7.2
"""

_NAMES = {
    "kube-scheduler": "kube-scheduler",
    "scheduler": "kube-scheduler",
    "default-scheduler": "kube-scheduler",
    "kubelet": "kubelet",
    "kube-controller-manager": "kube-controller-manager",
    "controller-manager": "kube-controller-manager",
    "replicaset controller": "kube-controller-manager",
    "replicaset-controller": "kube-controller-manager",
    "kube-apiserver": "kube-apiserver",
    "api server": "kube-apiserver",
    "apiserver": "kube-apiserver",
    "etcd": "etcd",
    "kube-proxy": "kube-proxy",
}


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 0.1: the component that decides (and writes) a pod's ``spec.nodeName``."""
    if not isinstance(answer, str):
        return fail('Answer with the component\'s name as a string, e.g. "etcd".')
    name = _NAMES.get(answer.strip().lower())
    if name == "kube-scheduler":
        return passed(
            "kube-scheduler picks the node (Filter, then Score) and writes a Binding; kube-apiserver stores it "
            "as spec.nodeName. Nobody else chooses nodes."
        )
    hints = {
        "kubelet": "The kubelet only runs pods that already name its node: it watches pods with "
        "spec.nodeName=<its node>. Who wrote that field before?",
        "kube-controller-manager": "The replicaset controller creates pods, but with spec.nodeName empty: look at "
        "the pod in step 4 of the journey, drawn in 'not scheduled yet'.",
        "kube-apiserver": "kube-apiserver validates and stores the field, but another component decides its value "
        "and sends the Binding. Look at the audit line with verb 'create binding'.",
        "etcd": "etcd only stores what kube-apiserver writes; it never decides anything.",
        "kube-proxy": "kube-proxy rewrites packet rules for Services; it never touches pods.",
    }
    return fail(hints.get(name or "", "Look at the audit line with verb 'create binding' in the journey: its user "
                                       "is the component you are looking for."))  # fmt: skip


@check
def ex2(answer: Any, node: str = "node-2") -> Feedback:
    """Exercise 0.2: the graph ids of the node agents that run on ``node``."""
    expected = {f"{a}/{node}" for a in ("kubelet", "kube-proxy", "container-runtime", "cadvisor")}
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, set, frozenset)):
        return fail(f"Answer with a list of graph node ids such as 'kubelet/{node}'.")
    got = {str(a) for a in answer}
    if got == expected:
        return passed(
            f"Four agents on every machine: the kubelet (runs the pods), the container runtime (runs the "
            f"containers), cAdvisor (measures them) and kube-proxy (routes Service traffic); all run on {node}."
        )
    pods = sorted(g for g in got if g.startswith("Pod/"))
    if pods:
        return fail(
            f"{pods[0]} is a Pod: pods have a runs-on edge to their node too. Keep only graph nodes whose kind is "
            "NodeAgent."
        )
    other = sorted(g for g in got if not g.endswith(f"/{node}"))
    if other:
        return fail(f"{other[0]} does not run on {node}: keep the edges whose target is Node/{node}.")
    missing = sorted(expected - got)
    if missing:
        return fail(f"One is missing ({missing[0]}): every machine runs four agents. Is it an edge you filtered out?")
    return fail("Compare your list with c.graph.in_edges(f'Node/{node}', data=True).")


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 0.3: the components of :data:`HAND_OVERS` in the order they act."""
    if isinstance(answer, str) or not isinstance(answer, Sequence):
        return fail("Answer with a list of the component names from the cell, in order.")
    got = [str(a).strip() for a in answer]
    if sorted(got) != sorted(HAND_OVERS):
        extra = [a for a in got if a not in HAND_OVERS]
        if extra:
            return fail(f"'{extra[0]}' is not one of the names given: use each of them exactly once.")
        return fail("Use each of the nine names exactly once.")
    for i, (a, b) in enumerate(zip(got, HAND_OVERS)):
        if a != b:
            why = {
                "kube-apiserver": "everything starts with a request to kube-apiserver",
                "etcd": "nothing happens before the object is stored",
                "deployment controller": "the Deployment gets a ReplicaSet before anything else",
                "replicaset controller": "the ReplicaSet's pods exist before anyone can schedule them",
                "kube-scheduler": "a pod needs a node before a kubelet sees it",
                "kubelet": "the kubelet of the chosen node takes the pod before any container runs",
                "container runtime": "the containers run before the pod can be Ready",
                "endpointslice controller": "only a Ready pod becomes an endpoint",
                "kube-proxy": "kube-proxy programs the endpoints it is given, last",
            }[b]
            return fail(f"Position {i + 1} should be {b}: {why}. Replay the journey widget to check.")
    return passed(
        "Nine hand-overs, and no component calls the next one: each watches kube-apiserver, sees what the "
        "previous one wrote, and writes its own part."
    )


@check
def ex4(answer: Any) -> Feedback:
    """Exercise 0.4: the steps of the ``api`` Deployment's journey (``journey_steps(c, API_MANIFEST)``)."""
    from ..widgets.journey import Step

    if not isinstance(answer, (list, tuple)) or not answer or not all(isinstance(s, Step) for s in answer):
        return fail("Keep what journey_steps(c, API_MANIFEST) returns: a list of steps.")
    if "deployments/api" not in answer[0].evidence[0]:
        return fail("These steps are not the journey of the api Deployment: pass API_MANIFEST to journey_steps.")
    lanes = [s.lane for s in answer]
    if "kube-proxy" in lanes:
        return fail("This journey has a kube-proxy step: did you apply a Service too? Use API_MANIFEST only.")
    if lanes[-1] != "kubelet" or "kube-scheduler" not in lanes:
        return fail("The journey stopped early: the last step should be the kubelet reporting Running and Ready.")
    sched = next(s for s in answer if s.lane == "kube-scheduler")
    node = sched.title.rsplit(" ", 1)[-1]
    pulled = any(s.short.startswith("pull") for s in answer)
    pull = "the runtime pulled redis:7.2 first" if pulled else f"redis:7.2 was already on {node}, so no pull"
    seconds = answer[-1].time - answer[0].time
    return passed(
        f"{len(answer)} steps in {seconds:.2f} virtual seconds; kube-scheduler chose {node} and {pull}. No Service "
        "selects api, so no endpoint is added and no kube-proxy rule changes."
    )
