"""Scenario "failing-readiness": pods run but never turn Ready, so their Service has no ready endpoints.

The kubelet runs the container's ``readinessProbe`` every ``periodSeconds``; while it fails
the pod's ``Ready`` condition stays ``False``, ``kubectl get pods`` prints ``0/1 Running``
and the endpoints controllers list the pod under ``notReadyAddresses``: ``kubectl get
endpoints`` shows an empty ENDPOINTS column and kube-proxy has nowhere to send traffic.
Unlike a liveness probe, a failing readiness probe never restarts the container. The
kubelet's ``Unhealthy`` events say why the probe fails.

Variants
--------
0. The ``httpGet`` probe asks the wrong port: ``connect: connection refused``.
1. The ``httpGet`` probe asks a path the server does not have: ``statuscode: 404``.
2. A ``tcpSocket`` probe on the wrong port.

The expected answer is the corrected probe field; the remedy applies the Deployment with
the probe pointing at the container's port and a path the server answers.

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.objects import deep_copy
from ..check.core import Feedback, fail, passed
from ._kit import (
    HTTP_APPS,
    deployment,
    new_cluster,
    node_names,
    pods_of,
    ready_endpoint_ips,
    service,
    workload_problems,
)
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "ReadinessScenario", "make"]

NAME = "failing-readiness"
VARIANTS = ("httpGet on the wrong port", "httpGet on a path the server lacks", "tcpSocket on the wrong port")
_WRONG_PORTS = (8080, 8000, 3000, 9090)
_WRONG_PATHS = ("/healthz", "/ready", "/status", "/health")
#: Paths nginx and httpd answer with 200 in the simulation.
GOOD_PATHS = ("/", "/index.html")


@dataclass(eq=False, repr=False)
class ReadinessScenario(Scenario):
    """A readiness probe that can never succeed."""

    app: str = ""
    service_name: str = ""
    manifest: dict | None = None

    def _probe(self) -> dict:
        return self.manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]

    def check_diagnosis(self, answer: Any) -> Feedback:
        if not isinstance(answer, dict):
            return fail('Answer with the corrected field(s) as a dict, e.g. {"port": ...} or {"path": ...}. '
                        + self.hints[0])  # fmt: skip
        probe = self._probe()
        handler = "httpGet" if "httpGet" in probe else "tcpSocket"
        merged = dict(probe[handler])
        merged.update({str(k): v for k, v in answer.items()})
        port, want_port = merged.get("port"), self.expected["port"]
        if str(port) != str(want_port):
            return fail(
                f"The probe still knocks on port {port}. Which port does the container listen on? "
                "kubectl describe pod shows Port: (containerPort) next to the Readiness: line."
            )
        if handler == "httpGet" and merged.get("path", "/") not in GOOD_PATHS:
            return fail(
                f"Port {want_port} is right, but the server answers {merged.get('path')} with 404. The Unhealthy "
                "event shows the status code; the server serves / (and /index.html)."
            )
        return passed(
            f"{self.expected['why']} - a failing readiness probe never restarts the container, it only keeps the "
            f"pod out of Service {self.service_name}'s endpoints (0/1 Running)."
        )

    def problems(self, cluster: Any) -> list[str]:
        out = workload_problems(cluster, self.app)
        deploy = cluster.api.get_or_none("Deployment", self.app, "default")
        if deploy is None:
            return out
        want = sorted(p["status"].get("podIP", "") for p in pods_of(cluster, deploy))
        if ready_endpoint_ips(cluster, self.service_name) != want:
            out.append(f"Service {self.service_name} does not list every {self.app} pod as a ready endpoint.")
        return out

    def remedy(self, cluster: Any) -> None:
        fixed = deep_copy(self.manifest)
        probe = fixed["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
        handler = "httpGet" if "httpGet" in probe else "tcpSocket"
        probe[handler]["port"] = self.expected["port"]
        if handler == "httpGet":
            probe[handler]["path"] = "/"
        cluster.apply(fixed)

    def healed_message(self) -> str:
        return f"the probe succeeds, the pods turn Ready and Service {self.service_name} lists them as endpoints."


def make(seed: int, variant: int | None = None) -> ReadinessScenario:
    """Build the broken cluster: a readiness probe that never succeeds."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, image, port = rng.choice(HTTP_APPS)
    nodes = node_names(rng, rng.randint(2, 4))
    c = new_cluster(seed, nodes)
    wrong_port = rng.choice(_WRONG_PORTS)
    wrong_path = rng.choice(_WRONG_PATHS)
    period = rng.choice((5, 10))
    if v == 0:
        probe = {"httpGet": {"path": "/", "port": wrong_port}, "periodSeconds": period}
        why = f"Port {wrong_port} refuses connections; the server listens on {port}"
    elif v == 1:
        probe = {"httpGet": {"path": wrong_path, "port": port}, "periodSeconds": period}
        why = f"The server answers {wrong_path} with 404 (any status outside 200-399 fails an httpGet probe)"
    else:
        probe = {"tcpSocket": {"port": wrong_port}, "periodSeconds": period}
        why = f"Nothing listens on port {wrong_port}; the server listens on {port}"
    manifest = deployment(app, image, replicas=rng.randint(2, 3), port=port, container={"readinessProbe": probe})
    svc_name = rng.choice((app, f"{app}-svc"))
    c.apply([manifest, service(svc_name, {"app": app}, 80, port)])
    c.run(rng.choice((40, 60, 90)))

    field = "path" if v == 1 else "port"
    right = "/" if v == 1 else port
    handler = "tcpSocket" if v == 2 else "httpGet"
    return ReadinessScenario(
        name=NAME,
        title=f"The {app} pods run but take no traffic",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"The {app} pods are Running but show 0/1 READY, and Service {svc_name} has no ready endpoints. What is "
            'wrong with their readiness probe? Answer with the corrected field: answer = {"port": ...} or '
            '{"path": ...}'
        ),
        expected={"port": port, "path": "/", "field": field, "value": right, "why": why},
        hints=(
            f"c.kubectl('get endpoints {svc_name}') is empty although the pods run: are they Ready? "
            f"c.kubectl('describe pod <one of the {app} pods>') shows the Readiness: probe and, at the bottom, Unhealthy events.",
            "The Unhealthy event says what the probe got: 'connection refused' (nothing listens on that port) or a "
            "status code such as 404 (no such path).",
            "Compare the probe's port with the container's Port: in kubectl describe pod; the server answers on / .",
        ),
        symptom="not Ready",
        commands=("kubectl get endpoints", "kubectl get pods", "kubectl describe pod", "kubectl get events"),
        solution=(
            f"pod = c.list('pods', selector='app={app}')[0]['metadata']['name']\n"
            "print(c.kubectl(f'describe pod {pod}'))   # Readiness: ... and Unhealthy events\n"
            f'answer = {{"{field}": {right!r}}}\n'
            "# the fix: point the probe at what the server answers\n"
            f"fixed = c.get('deployment', '{app}')\n"
            f"fixed['spec']['template']['spec']['containers'][0]['readinessProbe']['{handler}']['{field}'] = "
            f"{right!r}\n"
            "c.update(fixed)"
        ),
        heal_timeout=300.0,
        app=app,
        service_name=svc_name,
        manifest=manifest,
    )
