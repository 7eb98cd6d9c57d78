"""``kubectl api-resources``, ``kubectl version`` and ``kubectl cluster-info``.

Notes
-----
Mirrors kubectl ``pkg/cmd/apiresources`` (``NAME SHORTNAMES APIVERSION NAMESPACED
KIND``, sorted by API group then name), ``pkg/cmd/version`` (``Client Version``,
``Kustomize Version``, ``Server Version``) and ``pkg/cmd/clusterinfo``. The
simulator serves the kinds of :data:`k8slearn.api.resources.RESOURCES`, so the list is
shorter than a real cluster's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api import resources
from . import KubectlError, KubectlOutput, usage_error
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .output import to_yaml
from .printers import format_table

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_api_resources", "run_version", "run_cluster_info", "KUBECTL_VERSION", "KUSTOMIZE_VERSION"]

#: The kubectl this simulator imitates (Kubernetes baseline 1.36) and the kustomize it embeds.
KUBECTL_VERSION = "v1.36.0"
KUSTOMIZE_VERSION = "v5.8.1"

_VERBS = "create,delete,deletecollection,get,list,patch,update,watch"
_IN_ALL = {"Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "HorizontalPodAutoscaler", "Job"}

API_RESOURCES_FLAGS = (
    Flag("namespaced", kind="bool", default=True),
    Flag("api-group"),
    Flag("sort-by"),
    Flag("output", "o"),
    Flag("no-headers", kind="bool", default=False),
    Flag("verbs", kind="list"),
    Flag("categories", kind="list"),
    Flag("cached", kind="bool", default=False),
    *GLOBAL_FLAGS,
)


def run_api_resources(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl api-resources [--namespaced=true|false] [--api-group=apps] [-o wide|name]``."""
    args, opts = parse_flags("api-resources", args, API_RESOURCES_FLAGS)
    if args:
        raise usage_error("api-resources", f"unexpected arguments: {args}")
    if opts["sort-by"] not in (None, "", "name", "kind"):
        raise KubectlError("--sort-by accepts only name or kind")
    if opts["output"] not in (None, "", "wide", "name"):
        raise KubectlError("--output wide|name are the only supported output formats")
    changed = opts["__changed__"]
    items = []
    for r in resources.RESOURCES:
        if "api-group" in changed and r.group != opts["api-group"]:
            continue
        if "namespaced" in changed and r.namespaced != opts["namespaced"]:
            continue
        if opts["verbs"] and not set(opts["verbs"]) <= set(_VERBS.split(",")):
            continue
        cats = "all" if r.kind in _IN_ALL else ""
        if opts["categories"] and not set(opts["categories"]) <= {cats}:
            continue
        items.append(r)
    sort_by = opts["sort-by"]
    items.sort(key=lambda r: ({"name": r.plural, "kind": r.kind}.get(sort_by or "", r.group), r.plural))
    if opts["output"] == "name":
        return "".join(f"{r.plural}.{r.group}\n" if r.group else f"{r.plural}\n" for r in items)
    wide = opts["output"] == "wide"
    rows = []
    if not opts["no-headers"]:
        header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
        rows.append(header + (["VERBS", "CATEGORIES"] if wide else []))
    for r in items:
        row = [r.plural, ",".join(r.short_names), r.api_version, "true" if r.namespaced else "false", r.kind]
        if wide:
            row += [_VERBS, "all" if r.kind in _IN_ALL else ""]
        rows.append(row)
    return format_table(rows)


VERSION_FLAGS = (Flag("client", kind="bool", default=False), Flag("output", "o"), *GLOBAL_FLAGS)


def _version_info() -> dict:
    major, minor, _ = KUBECTL_VERSION[1:].split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": KUBECTL_VERSION,
        "gitTreeState": "clean",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def run_version(cluster: Cluster, args: list[str]) -> str:
    """``kubectl version [--client] [-o json|yaml]``."""
    args, opts = parse_flags("version", args, VERSION_FLAGS)
    if args:
        raise KubectlError(f"extra arguments: {args}")
    out = opts["output"]
    if out not in (None, "", "json", "yaml"):
        raise KubectlError("--output must be 'yaml' or 'json'")
    info: dict = {"clientVersion": _version_info(), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not opts["client"]:
        info["serverVersion"] = _version_info()
    if out == "json":
        import json

        return json.dumps(info, indent=2) + "\n"
    if out == "yaml":
        return to_yaml(info)
    text = f"Client Version: {KUBECTL_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
    if not opts["client"]:
        text += f"Server Version: {KUBECTL_VERSION}\n"
    return text


def control_plane_url(cluster: Cluster) -> str:
    """Where kube-apiserver listens: the ``default/kubernetes`` endpoints, else ``https://127.0.0.1:6443``."""
    ep = cluster.api.get_or_none("Endpoints", "kubernetes", "default")
    for subset in (ep or {}).get("subsets") or ():
        addresses = subset.get("addresses") or []
        ports = subset.get("ports") or []
        if addresses and ports:
            return f"https://{addresses[0].get('ip')}:{ports[0].get('port')}"
    return "https://127.0.0.1:6443"


def run_cluster_info(cluster: Cluster, args: list[str]) -> str:
    """``kubectl cluster-info``: the control plane URL and cluster services (``kubernetes.io/cluster-service``)."""
    args, _ = parse_flags("cluster-info", args, GLOBAL_FLAGS)
    if args and args[0] == "dump":
        raise KubectlError('"kubectl cluster-info dump" is not simulated by k8slearn')
    if args:
        raise usage_error("cluster-info", f"unexpected arguments: {args}")
    host = control_plane_url(cluster)
    lines = [f"Kubernetes control plane is running at {host}"]
    for svc in cluster.api.list("Service", "kube-system", selector="kubernetes.io/cluster-service=true"):
        spec = svc.get("spec") or {}
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if ingress:
            ip = ingress[0].get("ip") or ingress[0].get("hostname")
            link = "".join(f"http://{ip}:{p.get('port')} " for p in spec.get("ports") or ())
        else:
            name = svc["metadata"]["name"]
            ports = spec.get("ports") or []
            if ports:
                port = ports[0]
                scheme = "https" if port.get("name") == "https" or port.get("port") == 443 else ""
                port_name = port.get("name") or ""
                if scheme:
                    name = f"{scheme}:{name}:{port_name}"
                elif port_name:
                    name = f"{name}:{port_name}"
            link = f"{host}/api/v1/namespaces/kube-system/services/{name}/proxy"
        title = (svc["metadata"].get("labels") or {}).get("kubernetes.io/name") or svc["metadata"]["name"]
        lines.append(f"{title} is running at {link}")
    return "\n".join(lines) + "\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
