"""Checks for lesson 01 · The API server and etcd.

Each check takes the student's answer and returns a :class:`~k8slearn.check.core.Feedback`:
✅ with a one-line why, or ❌ with a hint that points at the concept.

- :func:`ex1` the etcd key of a Deployment;
- :func:`ex2` a manifest fixed until the API server accepts it;
- :func:`ex3` an update that survives a 409 Conflict without losing a teammate's change;
- :func:`ex4` who created, bound and reported on a pod, read from the audit log.

Used in: 01_api_server_and_etcd.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4", "BROKEN_MANIFEST"]

#: The manifest of exercise 1.2: two field errors the API server refuses.
BROKEN_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: Shop-Frontend
spec:
  replicas: -2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 1.1: the etcd key of the Deployment ``web`` in namespace ``default``."""
    if not isinstance(answer, str):
        return fail(
            "Give the key as a string such as '/registry/...'. "
            "List the keys with c.etcd.keys('/registry/deployments/')."
        )
    key = answer.strip()
    if key == "/registry/deployments/default/web":
        return passed(
            "kube-apiserver keeps every object under /registry/<resource>/<namespace>/<name>; "
            "etcd itself knows nothing about Deployments, only keys and values."
        )
    if not key.startswith("/registry/"):
        return fail("Every key kube-apiserver writes starts with /registry/.")
    parts = key.removeprefix("/registry/").split("/")
    if parts[0] != "deployments":
        return fail(
            "The second segment is the resource name as the API writes it: plural and lower case "
            "(deployments, not Deployment or deployment)."
        )
    if len(parts) == 2:
        return fail("Deployments are namespaced: the namespace comes between the resource and the name.")
    if len(parts) != 3 or parts[1] != "default" or parts[2] != "web":
        return fail("Check the namespace and the name: the Deployment is web in namespace default.")
    return fail("Compare your key with c.etcd.keys('/registry/deployments/').")


@check
def ex2(answer: Any) -> Feedback:
    """Exercise 1.2: ``answer`` is what ``c.apply(fixed)`` returned for the fixed manifest."""
    from ..api.errors import ApiError

    if isinstance(answer, ApiError):
        paths = ", ".join(dict.fromkeys(c.path for c in answer.causes)) or str(answer)
        return fail(
            f"That is the API server's refusal ({answer.code} {answer.reason}). Fix each field it names "
            f"({paths}) in the manifest, apply again, and keep what c.apply returns."
        )
    if isinstance(answer, str):
        return fail("That is manifest text: apply it (answer = c.apply(fixed)) so the API server judges it.")
    objects = list(answer) if isinstance(answer, (list, tuple)) else [answer] if isinstance(answer, Mapping) else None
    if not objects or not all(isinstance(o, Mapping) for o in objects):
        return fail("Keep what c.apply(...) returns: a list with the stored Deployment.")
    deploys = [o for o in objects if o.get("kind") == "Deployment"]
    if not deploys:
        return fail("The list holds no Deployment: apply the fixed Deployment manifest.")
    obj = deploys[0]
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    replicas = (obj.get("spec") or {}).get("replicas")
    if not meta.get("resourceVersion"):
        return fail("This object was not stored: pass the fixed manifest to c.apply and keep its result.")
    if not _DNS1123_SUBDOMAIN.match(name) or name != "shop-frontend":
        return fail(
            f"The API server stored '{name}', but the task keeps the intended name: Shop-Frontend written as a "
            "DNS-1123 subdomain, that is lower case: shop-frontend."
        )
    if replicas != 2:
        return fail(
            f"Stored with replicas {replicas}: the author meant two copies. A negative count is invalid; "
            "write the positive number."
        )
    return passed(
        f"deployment.apps/{name} was stored at resourceVersion {meta['resourceVersion']}: names must be DNS-1123 "
        "subdomains and replicas must be >= 0, and validation checks both before anything reaches etcd."
    )


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 1.3: ``answer`` is what the successful ``c.update(...)`` returned."""
    from ..api.errors import ApiError

    if isinstance(answer, ApiError):
        if answer.reason == "Conflict":
            return fail(
                "That is the 409 Conflict: your copy is stale. Read the latest object again with "
                "c.get('deploy', 'web'), change spec.replicas on that copy, and update it."
            )
        return fail(f"The update failed with {answer.code} {answer.reason}: {answer}")
    if not isinstance(answer, Mapping) or answer.get("kind") != "Deployment":
        return fail("Keep what the successful c.update(...) returns: the stored Deployment web.")
    meta = answer.get("metadata") or {}
    if meta.get("name") != "web":
        return fail("Update the Deployment web.")
    labels = meta.get("labels") or {}
    replicas = (answer.get("spec") or {}).get("replicas")
    if labels.get("team") != "blue":
        return fail(
            "Your teammate's label team=blue is gone: you wrote a stale copy over it (dropping "
            "metadata.resourceVersion turns off the conflict check). Read the latest object and change only replicas."
        )
    if replicas != 5:
        return fail(f"spec.replicas is {replicas}: set it to 5 on the fresh copy before c.update.")
    return passed(
        "Optimistic concurrency: the stale write was refused with 409 Conflict, you re-read and retried, and "
        "both changes (team=blue and replicas 5) are in etcd."
    )


@check
def ex4(answer: Any) -> Feedback:
    """Exercise 1.4: ``{"created": ..., "bound": ..., "status": ...}``: who wrote each step of a pod."""
    if not isinstance(answer, Mapping):
        return fail(
            'Answer with a dict: {"created": <user>, "bound": <user>, "status": <user>}; the users are in the '
            "user column of audit_frame(c, name=pod_name)."
        )
    missing = [k for k in ("created", "bound", "status") if k not in answer]
    if missing:
        return fail(f"The dict needs the keys created, bound and status (missing: {', '.join(missing)}).")
    created, bound, status = (str(answer[k]) for k in ("created", "bound", "status"))
    if created != "kube-controller-manager/replicaset-controller":
        return fail(
            "Look at the row with verb create for the pod: the Deployment does not create pods itself; its "
            "ReplicaSet's controller in kube-controller-manager does."
        )
    if bound != "kube-scheduler":
        return fail("Look at the row with verb 'create binding': the component that picks a node writes it.")
    if not status.startswith("kubelet/"):
        return fail("Look at the update rows after the binding: the agent on the chosen node reports the pod's status.")
    return passed(
        f"created by the ReplicaSet controller, bound by kube-scheduler, reported by {status}: three components, "
        "each writing only through kube-apiserver."
    )
