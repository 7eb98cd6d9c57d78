"""Building blocks the scenario modules share: manifests, clusters, health checks, answer parsing.

Manifests are plain Kubernetes dicts (what ``kubectl apply -f`` would send), so a scenario
can be replayed on a real cluster. Health is read the way a person reads it: the STATUS
word ``kubectl get pods`` prints, the pod's Ready condition, the Deployment's status
counters and the Node's Ready condition.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "APPS",
    "HTTP_APPS",
    "NODE_PREFIXES",
    "deployment",
    "service",
    "configmap",
    "new_cluster",
    "node_names",
    "pods_of",
    "workload_problems",
    "node_ready",
    "ready_endpoint_ips",
    "as_text",
    "answer_fields",
]

#: Long-running servers a scenario can deploy: (app name, image, container port).
APPS: tuple[tuple[str, str, int], ...] = (
    ("web", "nginx:1.27", 80),
    ("shop", "nginx:1.27", 80),
    ("blog", "httpd:2.4", 80),
    ("cart", "redis:7.4", 6379),
    ("catalog", "traefik/whoami:v1.10", 80),
    ("search", "hashicorp/http-echo:1.0", 5678),
    ("billing", "nginx:1.27", 80),
    ("api", "httpd:2.4", 80),
)

#: Servers whose HTTP paths the runtime knows (``/`` and ``/index.html`` answer 200).
HTTP_APPS: tuple[tuple[str, str, int], ...] = (
    ("web", "nginx:1.27", 80),
    ("shop", "nginx:1.27", 80),
    ("blog", "httpd:2.4", 80),
    ("billing", "nginx:1.27", 80),
    ("api", "httpd:2.4", 80),
)

NODE_PREFIXES = ("node", "worker")


# -- manifests -----------------------------------------------------------------------------
def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 2,
    labels: Mapping[str, str] | None = None,
    port: int | None = None,
    container: Mapping[str, Any] | None = None,
    pod_spec: Mapping[str, Any] | None = None,
    spec: Mapping[str, Any] | None = None,
) -> dict:
    """An ``apps/v1`` Deployment of one container; ``container``/``pod_spec``/``spec`` add fields."""
    labels = dict(labels or {"app": name})
    ctr: dict[str, Any] = {"name": name, "image": image}
    if port is not None:
        ctr["ports"] = [{"containerPort": port}]
    ctr.update(container or {})
    template_spec: dict[str, Any] = {"containers": [ctr]}
    template_spec.update(pod_spec or {})
    body: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(labels)},
        "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
    }
    body.update(spec or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def service(name: str, selector: Mapping[str, str], port: int, target_port: int | str) -> dict:
    """A ClusterIP ``v1`` Service."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": dict(selector), "ports": [{"port": port, "targetPort": target_port}]},
    }


def configmap(name: str, data: Mapping[str, str]) -> dict:
    """A ``v1`` ConfigMap."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


# -- clusters ------------------------------------------------------------------------------
def node_names(rng: random.Random, count: int) -> list[str]:
    """``node-1`` .. ``node-N`` or ``worker-1`` .. (the prefix drawn from ``rng``)."""
    prefix = rng.choice(NODE_PREFIXES)
    return [f"{prefix}-{i}" for i in range(1, count + 1)]


def new_cluster(seed: int, nodes: Sequence[str], node_args: Mapping[str, Mapping[str, Any]] | None = None) -> Cluster:
    """A cluster with ``nodes`` (4 CPU, 8Gi each unless ``node_args`` says otherwise), all Ready."""
    from ..cluster import Cluster

    c = Cluster(seed=seed)
    for name in nodes:
        c.add_node(name, **dict((node_args or {}).get(name, {})))
    c.run(5)
    return c


# -- health --------------------------------------------------------------------------------
def pods_of(cluster: Cluster, deploy: Mapping, namespace: str = "default") -> list[dict]:
    """The pods a Deployment's selector matches (shared read-only objects)."""
    selector = (deploy.get("spec") or {}).get("selector") or {}
    return cluster.api.list("Pod", namespace, selector.get("matchLabels") or {})


def workload_problems(cluster: Cluster, name: str, namespace: str = "default") -> list[str]:
    """What keeps Deployment ``name`` from being fully rolled out with every pod Running and Ready."""
    from ..api.objects import pod_is_ready
    from ..graph import pod_status

    deploy = cluster.api.get_or_none("Deployment", name, namespace)
    if deploy is None:
        return [f"Deployment {name} no longer exists: repair it instead of deleting it."]
    out = []
    for pod in pods_of(cluster, deploy, namespace):
        word = pod_status(pod)
        pod_name = pod["metadata"]["name"]
        if word != "Running":
            out.append(f"pod {pod_name} shows STATUS {word}.")
        elif not pod_is_ready(pod):
            out.append(f"pod {pod_name} is Running but not Ready.")
    want = (deploy.get("spec") or {}).get("replicas", 1)
    st = deploy.get("status") or {}
    if st.get("observedGeneration", 0) < deploy["metadata"].get("generation", 0):
        out.append(f"the deployment controller has not seen the change to Deployment {name} yet.")
    counts = (st.get("replicas", 0), st.get("updatedReplicas", 0), st.get("availableReplicas", 0))
    if counts != (want, want, want):
        out.append(f"Deployment {name} has {st.get('availableReplicas', 0)}/{want} available replicas.")
    return out


def node_ready(node: Mapping) -> bool:
    """The Node's Ready condition is True."""
    for cond in (node.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def ready_endpoint_ips(cluster: Cluster, service_name: str, namespace: str = "default") -> list[str]:
    """Ready addresses of a Service's Endpoints object, sorted (``kubectl get endpoints``)."""
    ep = cluster.api.get_or_none("Endpoints", service_name, namespace)
    if ep is None:
        return []
    ips = [a["ip"] for s in ep.get("subsets") or () for a in s.get("addresses") or ()]
    return sorted(ips)


# -- answers -------------------------------------------------------------------------------
def as_text(value: Any) -> str:
    """A stripped string; kubectl-style ``node/node-2`` and ``configmap/x`` lose their kind prefix."""
    text = str(value).strip().strip("'\"")
    head, sep, tail = text.partition("/")
    if sep and head.lower() in {"node", "nodes", "no", "configmap", "configmaps", "cm"}:
        text = tail
    return text


def answer_fields(answer: Any, keys: Sequence[str]) -> dict[str, Any]:
    """A dict answer as is; a tuple/list mapped onto ``keys``; a lone value becomes the first key."""
    if isinstance(answer, Mapping):
        return {str(k): v for k, v in answer.items()}
    if isinstance(answer, (tuple, list)):
        return dict(zip(keys, answer))
    return {keys[0]: answer}
