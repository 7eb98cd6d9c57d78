"""Checks for lesson 08 (configuration, Secrets and storage): ✅ with a one-line why, or ❌ with a hint.

- :func:`ex1` a pod stuck in ``CreateContainerConfigError`` brought to Running;
- :func:`ex2` the password inside a Secret, decoded (base64 is not encryption);
- :func:`ex3` the PersistentVolume a claim binds to, predicted;
- :func:`ex4` a provisioned volume kept (``Retain``) after its claim is deleted.

Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4", "API_POD", "DB_CREDS", "DB_PASSWORD", "EX3_VOLUMES", "EX3_CLAIM"]

#: Exercise 8.1: a pod that needs the ConfigMap api-config (key MODE), which does not exist yet.
API_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
  - name: api
    image: nginx:1.27
    env:
    - name: MODE
      valueFrom:
        configMapKeyRef: {name: api-config, key: MODE}
"""

DB_PASSWORD = "correct-horse-battery-staple"
#: Exercise 8.2: a Secret whose password the student decodes.
DB_CREDS = f"""
apiVersion: v1
kind: Secret
metadata:
  name: db-creds
type: Opaque
data:
  username: YXBw
  password: {base64.b64encode(DB_PASSWORD.encode()).decode()}
"""

#: Exercise 8.3: volumes on offer and the claim whose volume the student predicts.
EX3_VOLUMES = """
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol-a}
spec:
  capacity: {storage: 3Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: slow
  hostPath: {path: /mnt/a}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol-b}
spec:
  capacity: {storage: 8Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  hostPath: {path: /mnt/b}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol-c}
spec:
  capacity: {storage: 4Gi}
  accessModes: [ReadOnlyMany]
  storageClassName: fast
  hostPath: {path: /mnt/c}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol-d}
spec:
  capacity: {storage: 50Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: fast
  hostPath: {path: /mnt/d}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol-e}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  hostPath: {path: /mnt/e}
"""
EX3_CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim-c}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  resources:
    requests: {storage: 3Gi}
"""


def _ex3_expected() -> str:
    from ..api.manifests import load_manifests
    from ..controlplane.volumebinding import find_best_match_for_claim

    volumes = [dict(v, status={"phase": "Available"}) for v in load_manifests(EX3_VOLUMES)]
    (claim,) = load_manifests(EX3_CLAIM)
    return find_best_match_for_claim(claim, volumes)["metadata"]["name"]


def _container_state(pod: Mapping) -> tuple[str, str]:
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        state = cs.get("state") or {}
        if "waiting" in state:
            return "waiting", (state["waiting"] or {}).get("reason", "")
        if "running" in state:
            return "running", ""
        if "terminated" in state:
            return "terminated", (state["terminated"] or {}).get("reason", "")
    return "", ""


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 8.1: ``answer`` is the pod ``api`` (``c.get("pod", "api")``) after the fix."""
    if not isinstance(answer, Mapping) or answer.get("kind") != "Pod":
        return fail('Answer with the pod: answer = c.get("pod", "api"), after you fixed it and ran the clock.')
    if (answer.get("metadata") or {}).get("name") != "api":
        return fail("Check the pod named api.")
    state, reason = _container_state(answer)
    if reason == "CreateContainerConfigError":
        return fail(
            "The container still cannot be created. kubectl describe pod api says which ConfigMap or key is "
            "missing: create ConfigMap api-config with the key MODE, then c.run(20) so the kubelet retries."
        )
    if state != "running" or (answer.get("status") or {}).get("phase") != "Running":
        return fail("The pod is not Running yet: run the clock a little longer (c.run(20)) and get it again.")
    return passed(
        "The kubelet retried on its next sync, found api-config/MODE and created the container: the pod starts as "
        "soon as the referenced configuration exists, nothing needs restarting."
    )


@check
def ex2(answer: Any) -> Feedback:
    """Exercise 8.2: the decoded ``password`` of Secret ``db-creds``."""
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", "replace")
    if isinstance(answer, int) and not isinstance(answer, bool):
        return fail("kubectl describe secret only shows the size. The value is in .data.password of the object.")
    if not isinstance(answer, str):
        return fail("Answer with the password as a string.")
    value = answer.strip()
    if value == DB_PASSWORD:
        return passed(
            "Anyone who may read the Secret reads the password: base64 is an encoding that only makes bytes safe "
            "to put in YAML. Protection comes from RBAC (who may get/list/watch secrets) and encryption at rest."
        )
    if value == base64.b64encode(DB_PASSWORD.encode()).decode():
        return fail("That is still base64-encoded (what kubectl get secret -o yaml shows). Decode it: "
                    "base64.b64decode(value).decode().")  # fmt: skip
    if value.endswith(" bytes") or value.isdigit():
        return fail("kubectl describe secret only shows the size. The value is in .data.password of the object.")
    return fail(
        'Read c.get("secret", "db-creds")["data"]["password"] and decode it with base64.b64decode(...).decode().'
    )


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 8.3: the name of the PersistentVolume ``claim-c`` binds to (predicted)."""
    if not isinstance(answer, str):
        return fail("Answer with the name of one volume, e.g. 'vol-a'.")
    expected = _ex3_expected()
    name = answer.strip()
    if name == expected:
        return passed(
            f"{expected}: of the volumes of class fast that offer ReadWriteOnce and hold at least 3Gi, the binder "
            "tries those with the fewest access modes first and takes the smallest that fits."
        )
    hints = {
        "vol-a": "vol-a is large enough, but its class is slow: a claim only binds volumes of its own storageClassName.",
        "vol-c": "vol-c only offers ReadOnlyMany; the claim asks for ReadWriteOnce.",
        "vol-e": "vol-e is too small: 2Gi < the 3Gi the claim requests.",
        "vol-d": "vol-d fits, but it is not the smallest match, and it offers more access modes than needed.",
        "vol-b": "vol-b fits; is there a smaller match with the same access modes?",
    }
    return fail(hints.get(name, "Filter by class, then by access modes, then by size, and take the smallest."))


@check
def ex4(answer: Any) -> Feedback:
    """Exercise 8.4: the provisioned PV of claim ``notes``, kept after the claim was deleted."""
    if not isinstance(answer, Mapping) or answer.get("kind") != "PersistentVolume":
        return fail('Answer with the volume: answer = c.get("pv", name) where name was the claim\'s volumeName.')
    spec, status = answer.get("spec") or {}, answer.get("status") or {}
    if spec.get("persistentVolumeReclaimPolicy") != "Retain":
        return fail(
            "The volume's persistentVolumeReclaimPolicy is still Delete. Patch the PV (not the claim): "
            'c.api.patch("PersistentVolume", name, None, {"spec": {"persistentVolumeReclaimPolicy": "Retain"}}).'
        )
    if (spec.get("claimRef") or {}).get("name") != "notes":
        return fail("This is not the volume of the claim notes.")
    if status.get("phase") != "Released":
        return fail(
            f"The volume is {status.get('phase')}: delete the pod that uses notes and the claim notes, then run the "
            "clock; with Retain the volume stays, Released."
        )
    return passed(
        "Released, not deleted: with Retain the data outlives its claim. An administrator decides what happens to "
        "it; a new claim will not bind it until its claimRef is cleared."
    )
