"""The API resources the simulated API server serves: kind, plural, group, scope.

Notes
-----
Mirrors what ``kubectl api-resources`` lists for these kinds (names, short names,
API group, whether namespaced). Used everywhere a kind name is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ResourceInfo", "RESOURCES", "resolve", "by_kind", "UnknownResource"]


@dataclass(frozen=True)
class ResourceInfo:
    """One API resource: ``Deployment`` is ``deployments.apps``, version v1, namespaced."""

    kind: str
    plural: str
    singular: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    has_status: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_resource(self) -> str:
        """``pods`` or ``deployments.apps``: the name used in NotFound/Conflict messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Pod`` or ``Deployment.apps``: the name used in Invalid messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def kubectl_kind(self) -> str:
        """``pod`` or ``deployment.apps``: the prefix kubectl prints in ``deployment.apps/web``."""
        low = self.kind.lower()
        return f"{low}.{self.group}" if self.group else low


class UnknownResource(KeyError):
    """Raised by :func:`resolve` for a name no resource answers to."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f'the server doesn\'t have a resource type "{self.name}"'


RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo("Namespace", "namespaces", "namespace", "", "v1", False, ("ns",)),
    ResourceInfo("Node", "nodes", "node", "", "v1", False, ("no",)),
    ResourceInfo("Pod", "pods", "pod", "", "v1", True, ("po",)),
    ResourceInfo("Service", "services", "service", "", "v1", True, ("svc",)),
    ResourceInfo("Endpoints", "endpoints", "endpoints", "", "v1", True, ("ep",), has_status=False),
    ResourceInfo(
        "EndpointSlice", "endpointslices", "endpointslice", "discovery.k8s.io", "v1", True, (), has_status=False
    ),
    ResourceInfo("ConfigMap", "configmaps", "configmap", "", "v1", True, ("cm",), has_status=False),
    ResourceInfo("Secret", "secrets", "secret", "", "v1", True, (), has_status=False),
    ResourceInfo("ServiceAccount", "serviceaccounts", "serviceaccount", "", "v1", True, ("sa",), has_status=False),
    ResourceInfo("ReplicaSet", "replicasets", "replicaset", "apps", "v1", True, ("rs",)),
    ResourceInfo("Deployment", "deployments", "deployment", "apps", "v1", True, ("deploy",)),
    ResourceInfo("DaemonSet", "daemonsets", "daemonset", "apps", "v1", True, ("ds",)),
    ResourceInfo("Job", "jobs", "job", "batch", "v1", True, ()),
    ResourceInfo("Lease", "leases", "lease", "coordination.k8s.io", "v1", True, (), has_status=False),
    ResourceInfo("Event", "events", "event", "", "v1", True, ("ev",), has_status=False),
    ResourceInfo("PersistentVolume", "persistentvolumes", "persistentvolume", "", "v1", False, ("pv",)),
    ResourceInfo("PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", "", "v1", True, ("pvc",)),
    ResourceInfo(
        "StorageClass", "storageclasses", "storageclass", "storage.k8s.io", "v1", False, ("sc",), has_status=False
    ),
    ResourceInfo(
        "PriorityClass", "priorityclasses", "priorityclass", "scheduling.k8s.io", "v1", False, ("pc",), has_status=False
    ),
    ResourceInfo(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "autoscaling",
        "v2",
        True,
        ("hpa",),
    ),
)

_BY_KIND = {r.kind: r for r in RESOURCES}
_LOOKUP: dict[str, ResourceInfo] = {}
for _r in RESOURCES:
    for _alias in (_r.kind.lower(), _r.plural, _r.singular, *_r.short_names):
        _LOOKUP[_alias] = _r
        if _r.group:
            _LOOKUP[f"{_alias}.{_r.group}"] = _r


def by_kind(kind: str) -> ResourceInfo:
    """The resource of an exact Kind name (``"Pod"``); raises UnknownResource."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        return resolve(kind)


def resolve(name: str) -> ResourceInfo:
    """Resolve a name as kubectl does: ``Pod``, ``pods``, ``po``, ``deployments.apps``.

    Examples
    --------
    >>> resolve("po").kind
    'Pod'
    >>> resolve("deploy").qualified_resource
    'deployments.apps'
    """
    info = _BY_KIND.get(name)
    if info is not None:
        return info
    info = _LOOKUP.get(name.lower())
    if info is None:
        raise UnknownResource(name)
    return info
