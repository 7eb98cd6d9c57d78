"""The root CA publisher: a ``kube-root-ca.crt`` ConfigMap in every namespace.

Notes
-----
Mirrors kube-controller-manager's ``root-ca-certificate-publisher-controller``
(``pkg/controller/certificates/rootcacertpublisher``): each active namespace gets the
ConfigMap ``kube-root-ca.crt`` holding the cluster CA bundle under ``ca.crt`` and the
``kubernetes.io/description`` annotation; edits to its data are reverted and a deleted
one is recreated. Pods read it through the ``kube-api-access-*`` projected volume to
verify the API server's certificate.

The bundle is a stand-in: PEM-shaped text derived from the cluster's seed, not a
certificate anything could verify.

Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from typing import TYPE_CHECKING

from ...api.errors import ApiError
from ..apiserver import WatchEvent
from .base import Controller

if TYPE_CHECKING:
    from ...cluster import Cluster

__all__ = ["RootCACertPublisher", "ROOT_CA_CONFIGMAP", "DESCRIPTION", "ca_bundle"]

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
    "such as the internal service IP or kubernetes.default.svc. "
    "No other usage is guaranteed across distributions of Kubernetes clusters."
)


def ca_bundle(seed: int) -> str:
    """A PEM-shaped stand-in for the cluster CA certificate (same seed, same text)."""
    der = b"".join(hashlib.sha256(f"k8slearn-ca/{seed}/{i}".encode()).digest() for i in range(24))
    body = base64.b64encode(der[:755]).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


class RootCACertPublisher(Controller):
    """Keeps ``kube-root-ca.crt`` present and unmodified in every active namespace."""

    name = "root-ca-certificate-publisher-controller"
    watches = ("Namespace", "ConfigMap")

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.root_ca = ca_bundle(cluster.seed)

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        m = event.object["metadata"]
        if kind == "Namespace":
            if event.type != "DELETED" and (event.object.get("status") or {}).get("phase", "Active") == "Active":
                self.queue.add(m["name"])
        elif m["name"] == ROOT_CA_CONFIGMAP and event.type in ("MODIFIED", "DELETED"):
            self.queue.add(m.get("namespace", ""))

    def reconcile(self, namespace: str) -> float | None:
        data = {"ca.crt": self.root_ca}
        cm = self.api.get_or_none("ConfigMap", ROOT_CA_CONFIGMAP, namespace)
        if cm is None:
            new = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIGMAP, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                "data": data,
            }
            with contextlib.suppress(ApiError):  # no retry if the namespace is gone or terminating
                self.api.create(new, namespace=namespace, user=self.component, copy=False)
            return None
        annotations = cm["metadata"].get("annotations") or {}
        if cm.get("data") == data and annotations.get(DESCRIPTION_ANNOTATION):
            return None
        cm = dict(cm, data=data)
        cm["metadata"] = dict(cm["metadata"], annotations={**annotations, DESCRIPTION_ANNOTATION: DESCRIPTION})
        with contextlib.suppress(ApiError):
            self.api.update(cm, user=self.component)
        return None
