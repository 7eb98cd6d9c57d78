"""Scenario "insufficient-resources": pods stay Pending because no node has room for their requests.

kube-scheduler's NodeResourcesFit filter compares a pod's resource *requests* with each
node's allocatable minus the requests of the pods already there (not with what the node
actually uses). When no node has room the pod stays ``Pending`` and the
``FailedScheduling`` event says ``0/N nodes are available: N Insufficient cpu.``;
preemption cannot help when no lower-priority pod is in the way.

Variants
--------
0. The CPU request is larger than any node's allocatable CPU.
1. The memory request is larger than any node's allocatable memory.
2. The CPU request would fit an empty node, but other pods have already requested most of it.

The expected answer is the resource and the request per pod; the remedy lowers the
request to what fits.

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.objects import deep_copy
from ..api.quantity import cpu_millis, memory_bytes
from ..check.core import Feedback, fail, passed
from ._kit import APPS, answer_fields, deployment, new_cluster, node_names, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "ResourcesScenario", "make"]

NAME = "insufficient-resources"
VARIANTS = ("CPU request above any node", "memory request above any node", "CPU already requested by others")


def _same_quantity(resource: str, a: Any, b: Any) -> bool:
    convert = cpu_millis if resource == "cpu" else memory_bytes
    try:
        return convert(str(a).strip()) == convert(str(b).strip())
    except Exception:
        return False


@dataclass(eq=False, repr=False)
class ResourcesScenario(Scenario):
    """Pods ask for more than any node has free."""

    app: str = ""
    manifest: dict | None = None

    def check_diagnosis(self, answer: Any) -> Feedback:
        got = answer_fields(answer, ("resource", "request"))
        resource = str(got.get("resource", "")).strip().lower()
        want = self.expected["resource"]
        if resource not in ("cpu", "memory"):
            return fail('Name the resource as kubectl does: "cpu" or "memory". ' + self.hints[0])
        if resource != want:
            return fail(f"Not {resource}. The FailedScheduling event names the resource that is short "
                        "('Insufficient ...'): kubectl describe pod <a Pending pod>.")  # fmt: skip
        if "request" in got and not _same_quantity(want, got["request"], self.expected["request"]):
            return fail(f"Right resource. Each pod's request is under Requests: in kubectl describe pod "
                        f"(or spec.containers[].resources.requests.{want}).")  # fmt: skip
        return passed(
            f"Each pod requests {want} {self.expected['request']}; no node has that much {want} left unrequested "
            f"(at most {self.expected['free']}). NodeResourcesFit compares requests with allocatable, not with what "
            "the node really uses."
        )

    def problems(self, cluster: Any) -> list[str]:
        return workload_problems(cluster, self.app)

    def remedy(self, cluster: Any) -> None:
        fixed = deep_copy(self.manifest)
        requests = fixed["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
        requests[self.expected["resource"]] = self.expected["fits"]
        cluster.apply(fixed)

    def healed_message(self) -> str:
        return f"with a request of {self.expected['fits']} every {self.app} pod fits on a node."


def make(seed: int, variant: int | None = None) -> ResourcesScenario:
    """Build the broken cluster: a Deployment whose pods request more than any node has free."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, image, port = rng.choice(APPS[:3] + APPS[6:])
    cpu, memory = rng.choice((("2", "4Gi"), ("4", "8Gi"), ("8", "16Gi")))
    count = rng.randint(2, 4)
    nodes = node_names(rng, count)
    c = new_cluster(seed, nodes, {n: {"cpu": cpu, "memory": memory} for n in nodes})
    cores = int(cpu)
    gib = memory_bytes(memory) // 2**30
    objects = []
    if v == 0:
        resource, request = "cpu", rng.choice((f"{cores + 1}", f"{cores * 1000 + 500}m", f"{cores * 2}"))
        requests = {"cpu": request, "memory": "256Mi"}
        free, fits = cpu, "500m"
    elif v == 1:
        resource, request = "memory", rng.choice((f"{gib + 2}Gi", f"{gib * 2}Gi", f"{gib * 1024 + 512}Mi"))
        requests = {"cpu": "250m", "memory": request}
        free, fits = memory, "512Mi"
    else:
        used = cores * 1000 - 500  # a batch pod on every node leaves 500m free
        objects.append(
            deployment("batch", "busybox:1.36", replicas=count, container={
                "command": ["sleep", "infinity"], "resources": {"requests": {"cpu": f"{used}m"}}},
                pod_spec={"topologySpreadConstraints": [{
                    "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"app": "batch"}}}]})
        )  # fmt: skip
        resource, request = "cpu", rng.choice(("1", "750m", "1500m"))
        requests = {"cpu": request, "memory": "128Mi"}
        free, fits = "500m", "250m"
    manifest = deployment(app, image, replicas=rng.randint(1, 3), port=port,
                          container={"resources": {"requests": requests}})  # fmt: skip
    c.apply(objects)
    c.run(10)
    c.apply(manifest)
    c.run(30)

    return ResourcesScenario(
        name=NAME,
        title=f"No room for {app}",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"The {app} pods stay Pending. Which resource is short, and how much does each pod request? "
            'Answer with a dict: answer = {"resource": "cpu" or "memory", "request": "..."}'
        ),
        expected={"resource": resource, "request": request, "free": free, "fits": fits},
        hints=(
            f"c.kubectl('describe pod <a Pending {app} pod>'): the FailedScheduling event at the bottom says why "
            "kube-scheduler found no node.",
            "c.kubectl('describe nodes') shows each node's Allocatable: and, under Allocated resources:, the "
            "requests already placed on it.",
            f"The pod's request is under Requests: in kubectl describe pod (spec.containers[].resources.requests."
            f"{resource}).",
        ),
        symptom="Pending",
        commands=("kubectl get pods", "kubectl describe pod", "kubectl describe nodes", "kubectl get events"),
        solution=(
            f"pod = c.list('pods', selector='app={app}')[0]\n"
            f"print(c.kubectl('describe pod ' + pod['metadata']['name']))   # Insufficient {resource}\n"
            f'answer = {{"resource": "{resource}", '
            f'"request": pod["spec"]["containers"][0]["resources"]["requests"]["{resource}"]}}\n'
            "# the fix: request what a node can give\n"
            f"fixed = c.get('deployment', '{app}')\n"
            f"fixed['spec']['template']['spec']['containers'][0]['resources']['requests']['{resource}'] = '{fits}'\n"
            "c.update(fixed)"
        ),
        heal_timeout=300.0,
        app=app,
        manifest=manifest,
    )
