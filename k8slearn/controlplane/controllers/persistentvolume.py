"""Storage orchestration: the PV/PVC binder, claim and volume protection, a dynamic provisioner.

- :class:`PersistentVolumeController` ("persistentvolume-controller") binds each
  PersistentVolumeClaim to the smallest matching PersistentVolume, keeps both sides'
  phases (PV ``Available``/``Bound``/``Released``/``Failed``, PVC
  ``Pending``/``Bound``/``Lost``) and reclaims a volume whose claim is gone (``Retain``:
  it stays ``Released``; ``Delete``: it is deleted).
- :class:`PVCProtectionController` and :class:`PVProtectionController` remove the
  ``kubernetes.io/pvc-protection`` / ``kubernetes.io/pv-protection`` finalizers once a
  claim is no longer used by a pod / a volume is no longer bound.
- :class:`LocalPathProvisioner` plays the external dynamic provisioner of kind clusters
  (``rancher.io/local-path``): it creates a hostPath PV ``pvc-<claim uid>`` pinned to the
  node the scheduler selected, and deletes it when its claim is gone.
- :func:`install_default_storage` installs what kind installs: the default StorageClass
  ``standard`` (provisioner ``rancher.io/local-path``, reclaimPolicy ``Delete``,
  volumeBindingMode ``WaitForFirstConsumer``) and that provisioner.

Notes
-----
Mirrors ``pkg/controller/volume/persistentvolume/pv_controller.go`` (``syncClaim``,
``syncUnboundClaim``, ``syncBoundClaim``, ``syncVolume``, ``bind``, ``reclaimVolume``,
``provisionClaimOperationExternal``), ``pkg/controller/volume/pvcprotection`` and
``pvprotection``, and sig-storage-lib-external-provisioner as used by
rancher/local-path-provisioner. The binder resyncs unbound claims every 15 s
(``--pvclaimbinder-sync-period``), so their Pending events repeat like upstream's.
Simplification: volumes have no real data; "deleting" a volume deletes its PV object.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...api.admission import PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER
from ...api.errors import ApiError
from ...api.objects import key_of, pod_is_terminal
from ..apiserver import WatchEvent
from ..volumebinding import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DEFAULT_CLASS,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    bind_volume_to_claim,
    check_access_modes,
    claim_class,
    default_storage_class,
    find_best_match_for_claim,
    is_delay_binding_mode,
    is_volume_bound_to_claim,
    pod_claim_names,
    requested_storage,
    volume_capacity,
    volume_class,
    volume_mode_mismatch,
)
from .base import Controller

if TYPE_CHECKING:
    from ...cluster import Cluster

__all__ = [
    "PersistentVolumeController",
    "PVCProtectionController",
    "PVProtectionController",
    "LocalPathProvisioner",
    "install_default_storage",
    "DEFAULT_STORAGE_CLASS",
    "LOCAL_PATH_PROVISIONER",
    "LOCAL_PATH_ROOT",
    "PV_RESYNC_PERIOD",
]

#: ``--pvclaimbinder-sync-period``: unbound claims and volumes are synced again this often.
PV_RESYNC_PERIOD = 15.0
#: The provisioner kind clusters ship (rancher/local-path-provisioner).
LOCAL_PATH_PROVISIONER = "rancher.io/local-path"
#: Where the local-path provisioner creates volume directories on the node.
LOCAL_PATH_ROOT = "/var/local-path-provisioner"
#: kind's default StorageClass, as ``kubectl get sc standard -o yaml`` shows it.
DEFAULT_STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "standard", "annotations": {ANN_DEFAULT_CLASS: "true"}},
    "provisioner": LOCAL_PATH_PROVISIONER,
    "reclaimPolicy": "Delete",
    "volumeBindingMode": "WaitForFirstConsumer",
}
_ADDON_USER = "kube-addon-manager"
_PVC, _PV = "PersistentVolumeClaim", "PersistentVolume"


def install_default_storage(cluster: Cluster) -> None:
    """Install kind's storage add-on once: the default class ``standard`` and its provisioner.

    Skipped when a default StorageClass already exists. Called when the
    persistentvolume-controller starts, so every cluster has a default class.
    """
    if getattr(cluster, "_local_path_provisioner", None) is not None:
        return
    api = cluster.api
    if default_storage_class(api.list("StorageClass")) is None and api.get_or_none("StorageClass", "standard") is None:
        api.create(DEFAULT_STORAGE_CLASS, user=_ADDON_USER)
    provisioner = LocalPathProvisioner(cluster)
    cluster._local_path_provisioner = provisioner
    provisioner.start()


def _spec(obj: Mapping) -> Mapping:
    return obj.get("spec") or {}


def _status(obj: Mapping) -> Mapping:
    return obj.get("status") or {}


def _ann(obj: Mapping) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _phase(obj: Mapping) -> str:
    return _status(obj).get("phase") or ""


class _ClaimUsers:
    """Pods by the claims their volumes use: ``(namespace, claim) -> {pod name: pod}``."""

    def __init__(self) -> None:
        self.by_claim: dict[tuple[str, str], dict[str, dict]] = {}

    def update(self, event: WatchEvent) -> list[tuple[str, str]]:
        """Track one pod event; returns the claim keys it touched."""
        pod = event.object
        ns, name = key_of(pod)
        touched = []
        old = event.old_object
        for claim in pod_claim_names(old) if old is not None else ():
            self.by_claim.get((ns, claim), {}).pop(name, None)
            touched.append((ns, claim))
        for claim in pod_claim_names(pod):
            if event.type != "DELETED":
                self.by_claim.setdefault((ns, claim), {})[name] = pod
            else:
                self.by_claim.get((ns, claim), {}).pop(name, None)
            touched.append((ns, claim))
        return list(dict.fromkeys(touched))

    def pods(self, ns: str, claim: str) -> list[dict]:
        bucket = self.by_claim.get((ns, claim), {})
        return [bucket[k] for k in sorted(bucket)]


def _spec_or_meta_changed(event: WatchEvent) -> bool:
    old = event.old_object
    if event.type != "MODIFIED" or old is None:
        return True
    new = event.object
    return (
        new.get("spec") != old.get("spec")
        or (new.get("metadata") or {}).get("annotations") != (old.get("metadata") or {}).get("annotations")
        or (new.get("metadata") or {}).get("deletionTimestamp") != (old.get("metadata") or {}).get("deletionTimestamp")
    )


class PersistentVolumeController(Controller):
    """Binds claims to volumes and reclaims volumes whose claims are gone.

    Notes
    -----
    Mirrors kube-controller-manager's persistentvolume-binder controller. A claim of a
    ``WaitForFirstConsumer`` class is left for kube-scheduler, which binds it once a pod
    using it is placed (it pre-binds a PV's ``claimRef`` or asks for provisioning with
    the ``volume.kubernetes.io/selected-node`` annotation). Used in:
    08_config_secrets_storage.
    """

    name = "persistentvolume-controller"
    watches = (_PVC, _PV, "StorageClass", "Pod")

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.users = _ClaimUsers()
        self._unbound: dict[tuple[str, str], None] = {}

    def start(self) -> None:
        if self.started:
            return
        install_default_storage(self.cluster)
        super().start()

    # -- watch handlers: cheap, no writes -------------------------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        if kind == _PVC:
            key = key_of(obj)
            if event.type == "DELETED":
                self._unbound.pop(key, None)
                if _spec(obj).get("volumeName"):
                    self.queue.add((_PV, "", _spec(obj)["volumeName"]))
                return
            if ANN_BIND_COMPLETED in _ann(obj):
                self._unbound.pop(key, None)
            else:
                self._unbound[key] = None
            if _spec_or_meta_changed(event):
                self.queue.add((_PVC, *key))
        elif kind == _PV:
            if event.type != "DELETED" and _spec_or_meta_changed(event):
                self.queue.add((_PV, "", key_of(obj)[1]))
            ref = _spec(obj).get("claimRef")
            if ref and event.type != "MODIFIED" or ref and _spec_or_meta_changed(event):
                self.queue.add((_PVC, ref.get("namespace", ""), ref.get("name", "")))
        elif kind == "StorageClass":
            for key in list(self._unbound):
                self.queue.add((_PVC, *key))
        elif kind == "Pod":
            for ns, claim in self.users.update(event):
                if (ns, claim) in self._unbound and event.type == "ADDED":
                    self.queue.add((_PVC, ns, claim))

    # -- reconcile ----------------------------------------------------------------------
    def reconcile(self, key: Any) -> float | None:
        kind, ns, name = key
        if kind == _PVC:
            claim = self.api.get_or_none(_PVC, name, ns)
            if claim is None:
                return None
            if ANN_BIND_COMPLETED not in _ann(claim):
                return self.sync_unbound_claim(claim)
            return self.sync_bound_claim(claim)
        volume = self.api.get_or_none(_PV, name)
        return None if volume is None else self.sync_volume(volume)

    def _classes(self) -> dict[str, dict]:
        return {c["metadata"]["name"]: c for c in self.api.list("StorageClass")}

    def sync_unbound_claim(self, claim: dict) -> float | None:
        """A claim that has not completed binding: find it a volume, provision one, or wait."""
        ns, name = key_of(claim)
        volume_name = _spec(claim).get("volumeName")
        if not volume_name:
            classes = self._classes()
            delay = is_delay_binding_mode(claim, classes)
            volume = find_best_match_for_claim(claim, self.api.list(_PV), delay_binding=delay)
            if volume is not None:
                self.bind(volume, claim)
                return None
            if self._assign_default_class(claim, classes):
                return None
            cls = claim_class(claim)
            if delay and ANN_SELECTED_NODE not in _ann(claim):
                self._wait_for_first_consumer(claim)
            elif cls:
                self._provision(claim, classes.get(cls))
            else:
                self.recorder.normal(
                    claim, "FailedBinding", "no persistent volumes available for this claim and no storage class is set"
                )
            self._claim_status(claim, "Pending", None)
            return PV_RESYNC_PERIOD
        volume = self.api.get_or_none(_PV, volume_name)
        if volume is None:
            self._claim_status(claim, "Pending", None)
            return PV_RESYNC_PERIOD
        ref = _spec(volume).get("claimRef")
        if not ref:
            problem = _volume_satisfies_claim(volume, claim)
            if problem:
                self.recorder.warning(
                    claim, "VolumeMismatch", f'Cannot bind to requested volume "{volume_name}": {problem}'
                )
                self._claim_status(claim, "Pending", None)
                return PV_RESYNC_PERIOD
            self.bind(volume, claim)
            return None
        if is_volume_bound_to_claim(volume, claim):
            self.bind(volume, claim)
            return None
        self.recorder.warning(claim, "FailedBinding", f'volume "{volume_name}" already bound to a different claim.')
        self._claim_status(claim, "Pending", None)
        return PV_RESYNC_PERIOD if ANN_BOUND_BY_CONTROLLER not in _ann(claim) else None

    def sync_bound_claim(self, claim: dict) -> float | None:
        """A claim that was bound: keep it so, or mark it ``Lost`` when its volume is gone."""
        volume_name = _spec(claim).get("volumeName")
        if not volume_name:
            self._claim_lost(
                claim, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"
            )
            return None
        volume = self.api.get_or_none(_PV, volume_name)
        if volume is None:
            self._claim_lost(
                claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
            )
            return None
        ref = _spec(volume).get("claimRef")
        if not ref or ref.get("uid") == claim["metadata"].get("uid"):
            self.bind(volume, claim)
            return None
        self._claim_lost(
            claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly"
        )
        return None

    def sync_volume(self, volume: dict) -> float | None:
        """Keep a volume's phase true to its claim; reclaim it when the claim is gone."""
        ref = _spec(volume).get("claimRef")
        if not ref or not ref.get("uid"):
            self._volume_phase(volume, "Available")
            return None
        claim = self.api.get_or_none(_PVC, ref.get("name", ""), ref.get("namespace", ""))
        if claim is not None and claim["metadata"].get("uid") != ref.get("uid"):
            claim = None
        if claim is None:
            if _phase(volume) not in ("Released", "Failed"):
                volume = self._volume_phase(volume, "Released")
            self.reclaim_volume(volume)
            return None
        claim_volume = _spec(claim).get("volumeName")
        if not claim_volume:
            if volume_mode_mismatch(claim, volume):
                self.recorder.warning(
                    volume,
                    "VolumeMismatch",
                    f'Cannot bind PersistentVolume to requested PersistentVolumeClaim "{claim["metadata"]["name"]}" '
                    "due to incompatible volumeMode.",
                )
                return None
            self.queue.add((_PVC, *key_of(claim)))
            return None
        if claim_volume == volume["metadata"]["name"]:
            self._volume_phase(volume, "Bound")
            return None
        if (
            _ann(volume).get(ANN_DYNAMICALLY_PROVISIONED)
            and _spec(volume).get("persistentVolumeReclaimPolicy") == "Delete"
        ):
            if _phase(volume) not in ("Released", "Failed"):
                volume = self._volume_phase(volume, "Released")
            self.reclaim_volume(volume)
            return None
        self._unbind_volume(volume)
        return None

    # -- actions ------------------------------------------------------------------------
    def bind(self, volume: dict, claim: dict) -> None:
        """Point the volume at the claim and the claim at the volume; both become ``Bound``.

        Volume first (``claimRef``), then its phase, then the claim (``spec.volumeName``
        and the ``pv.kubernetes.io/bind-completed`` annotation), then the claim's status.
        """
        new_volume, dirty = bind_volume_to_claim(volume, claim)
        name = volume["metadata"]["name"]
        if dirty:
            new_volume = self.api.replace_fields(
                _PV,
                name,
                None,
                {"spec": new_volume["spec"], "metadata": dict(new_volume["metadata"])},
                user=self.component,
            )
        new_volume = self._volume_phase(new_volume, "Bound")
        ns, claim_name = key_of(claim)
        annotations = dict(_ann(claim))
        spec = dict(_spec(claim))
        changed = False
        if spec.get("volumeName") != name:
            spec["volumeName"] = name
            annotations.setdefault(ANN_BOUND_BY_CONTROLLER, "yes")
            changed = True
        if ANN_BIND_COMPLETED not in annotations:
            annotations[ANN_BIND_COMPLETED] = "yes"
            changed = True
        if changed:
            claim = self.api.replace_fields(
                _PVC, claim_name, ns, {"spec": spec, "metadata": {"annotations": annotations}}, user=self.component
            )
        self._claim_status(claim, "Bound", new_volume)
        self._unbound.pop((ns, claim_name), None)

    def reclaim_volume(self, volume: dict) -> None:
        """Apply ``persistentVolumeReclaimPolicy`` to a released volume."""
        policy = _spec(volume).get("persistentVolumeReclaimPolicy") or "Retain"
        name = volume["metadata"]["name"]
        if policy == "Retain":
            return
        if policy == "Recycle":
            if _phase(volume) == "Failed":
                return
            self.recorder.normal(volume, "VolumeRecycled", "Volume recycled")
            self._unbind_volume(volume)
            return
        if policy == "Delete":
            provisioner = _ann(volume).get(ANN_DYNAMICALLY_PROVISIONED, "")
            if provisioner and not provisioner.startswith("kubernetes.io/"):
                return  # an external provisioner deletes what it provisioned
            problem = _in_tree_delete_error(volume)
            if problem:
                if _phase(volume) != "Failed":
                    self._volume_phase(volume, "Failed", problem)
                    self.recorder.warning(volume, "VolumeFailedDelete", problem)
                return
            if not volume["metadata"].get("deletionTimestamp"):
                self.api.delete(_PV, name, user=self.component)
            return
        if _phase(volume) != "Failed":
            self._volume_phase(volume, "Failed")
            self.recorder.warning(
                volume, "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy"
            )

    def _unbind_volume(self, volume: dict) -> None:
        """Undo a binding: the controller's own binding loses its claimRef, a user's pre-binding only the uid."""
        name = volume["metadata"]["name"]
        spec = dict(_spec(volume))
        fields: dict[str, Any] = {"spec": spec}
        if ANN_BOUND_BY_CONTROLLER in _ann(volume):
            spec.pop("claimRef", None)
            fields["metadata"] = {
                "annotations": {k: v for k, v in _ann(volume).items() if k != ANN_BOUND_BY_CONTROLLER}
            }
        else:
            spec["claimRef"] = {k: v for k, v in (spec.get("claimRef") or {}).items() if k != "uid"}
        volume = self.api.replace_fields(_PV, name, None, fields, user=self.component)
        self._volume_phase(volume, "Available")

    def _assign_default_class(self, claim: dict, classes: Mapping[str, dict]) -> bool:
        """Retroactive default class: a claim created before any default class gets it now."""
        spec = _spec(claim)
        if spec.get("storageClassName") is not None or "volume.beta.kubernetes.io/storage-class" in _ann(claim):
            return False
        default = default_storage_class(classes.values())
        if default is None:
            return False
        ns, name = key_of(claim)
        self.api.replace_fields(
            _PVC, name, ns, {"spec": dict(spec, storageClassName=default["metadata"]["name"])}, user=self.component
        )
        return True

    def _wait_for_first_consumer(self, claim: dict) -> None:
        ns, name = key_of(claim)
        waiting = [p["metadata"]["name"] for p in self.users.pods(ns, name)
                   if not _spec(p).get("nodeName") and not pod_is_terminal(p)]  # fmt: skip
        if len(waiting) > 1:
            self.recorder.normal(claim, "WaitForPodScheduled", f"waiting for pods {','.join(waiting)} to be scheduled")
        elif waiting:
            self.recorder.normal(claim, "WaitForPodScheduled", f"waiting for pod {waiting[0]} to be scheduled")
        else:
            self.recorder.normal(
                claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding"
            )

    def _provision(self, claim: dict, cls: dict | None) -> None:
        """Hand the claim to its class's provisioner (``volume.kubernetes.io/storage-provisioner``)."""
        if cls is None:
            self.recorder.warning(
                claim, "ProvisioningFailed", f'storageclass.storage.k8s.io "{claim_class(claim)}" not found'
            )
            return
        provisioner = cls.get("provisioner") or ""
        if provisioner.startswith("kubernetes.io/"):
            self.recorder.warning(claim, "ProvisioningFailed", f"no volume plugin matched name: {provisioner}")
            return
        ann = _ann(claim)
        if ann.get(ANN_STORAGE_PROVISIONER) != provisioner or ann.get(ANN_BETA_STORAGE_PROVISIONER) != provisioner:
            ns, name = key_of(claim)
            annotations = dict(ann, **{ANN_BETA_STORAGE_PROVISIONER: provisioner, ANN_STORAGE_PROVISIONER: provisioner})
            claim = self.api.replace_fields(
                _PVC, name, ns, {"metadata": {"annotations": annotations}}, user=self.component
            )
        self.recorder.normal(
            claim,
            "ExternalProvisioning",
            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by "
            "the system administrator. If volume creation is delayed, please verify that the provisioner is running "
            "and correctly registered.",
        )

    # -- status writes ------------------------------------------------------------------
    def _claim_status(self, claim: dict, phase: str, volume: dict | None) -> dict:
        status = dict(_status(claim))
        old = dict(status)
        status["phase"] = phase
        if volume is None:
            status.pop("accessModes", None)
            status.pop("capacity", None)
        else:
            status["accessModes"] = list(_spec(volume).get("accessModes") or [])
            if old.get("phase") != phase or "capacity" not in status:
                status["capacity"] = dict(_spec(volume).get("capacity") or {})
        if status == old:
            return claim
        ns, name = key_of(claim)
        return self.api.replace_status(_PVC, name, ns, status, user=self.component)

    def _claim_lost(self, claim: dict, reason: str, message: str) -> None:
        if _phase(claim) == "Lost":
            return
        claim = self._claim_status(claim, "Lost", None)
        self.recorder.warning(claim, reason, message)

    def _volume_phase(self, volume: dict, phase: str, message: str = "") -> dict:
        if _phase(volume) == phase:
            return volume
        status = {"phase": phase}
        if message:
            status["message"] = message
        status["lastPhaseTransitionTime"] = self.clock.timestamp()
        return self.api.replace_status(_PV, volume["metadata"]["name"], None, status, user=self.component)


def _volume_satisfies_claim(volume: Mapping, claim: Mapping) -> str:
    """Why a volume the claim asked for by name cannot be bound to it ("" when it can)."""
    if (volume.get("metadata") or {}).get("deletionTimestamp"):
        return f'the volume is marked for deletion "{volume["metadata"]["name"]}"'
    if volume_capacity(volume) < requested_storage(claim):
        return "requested PV is too small"
    if volume_class(volume) != claim_class(claim):
        return "storageClassName does not match"
    if volume_mode_mismatch(claim, volume):
        return "incompatible volumeMode"
    if not check_access_modes(claim, volume):
        return "incompatible accessMode"
    return ""


def _in_tree_delete_error(volume: Mapping) -> str:
    """Why kube-controller-manager cannot delete a volume it did not provision ("" if it can)."""
    spec = _spec(volume)
    host_path = spec.get("hostPath")
    if host_path is not None:
        path = host_path.get("path", "")
        if path.startswith("/tmp/") and len(path) > len("/tmp/"):
            return ""
        return f"host_path deleter only supports /tmp/.+ but received provided {path}"
    name = (volume.get("metadata") or {}).get("name", "")
    return f'error getting deleter volume plugin for volume "{name}": no deletable volume plugin matched'


class PVCProtectionController(Controller):
    """Removes ``kubernetes.io/pvc-protection`` from a deleted claim once no pod uses it.

    Notes
    -----
    Mirrors ``pkg/controller/volume/pvcprotection``: a scheduled pod that is not finished
    and names the claim in its volumes keeps the claim ``Terminating``.
    """

    name = "pvc-protection-controller"
    watches = (_PVC, "Pod")

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.users = _ClaimUsers()

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if kind == _PVC:
            if event.type != "DELETED" and event.object["metadata"].get("deletionTimestamp"):
                self.queue.add(key_of(event.object))
            return
        for key in self.users.update(event):
            self.queue.add(key)

    def reconcile(self, key: Any) -> float | None:
        ns, name = key
        claim = self.api.get_or_none(_PVC, name, ns)
        if claim is None or not claim["metadata"].get("deletionTimestamp"):
            return None
        finalizers = list(claim["metadata"].get("finalizers") or [])
        if PVC_PROTECTION_FINALIZER not in finalizers:
            return None
        for pod in self.users.pods(ns, name):
            if _spec(pod).get("nodeName") and not pod_is_terminal(pod):
                return None
        finalizers.remove(PVC_PROTECTION_FINALIZER)
        try:
            self.api.replace_fields(_PVC, name, ns, {"metadata": {"finalizers": finalizers}}, user=self.component)
        except ApiError as err:
            if err.reason != "NotFound":
                raise
        return None


class PVProtectionController(Controller):
    """Removes ``kubernetes.io/pv-protection`` from a deleted volume once it is not ``Bound``."""

    name = "pv-protection-controller"
    watches = (_PV,)

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if event.type != "DELETED" and event.object["metadata"].get("deletionTimestamp"):
            self.queue.add(key_of(event.object))

    def reconcile(self, key: Any) -> float | None:
        volume = self.api.get_or_none(_PV, key[1])
        if volume is None or not volume["metadata"].get("deletionTimestamp") or _phase(volume) == "Bound":
            return None
        finalizers = list(volume["metadata"].get("finalizers") or [])
        if PV_PROTECTION_FINALIZER not in finalizers:
            return None
        finalizers.remove(PV_PROTECTION_FINALIZER)
        self.api.replace_fields(_PV, key[1], None, {"metadata": {"finalizers": finalizers}}, user=self.component)
        return None


class LocalPathProvisioner(Controller):
    """The dynamic provisioner of kind's default class (``rancher.io/local-path``).

    It watches claims handed to it (``volume.kubernetes.io/storage-provisioner``); for a
    ``WaitForFirstConsumer`` class it waits for the scheduler's
    ``volume.kubernetes.io/selected-node``. It creates a hostPath PV named
    ``pvc-<claim uid>`` under ``/var/local-path-provisioner`` on that node (node
    affinity pins it there), pre-bound to the claim, and deletes it when the claim is
    gone and the reclaim policy is ``Delete``. Provisioning takes
    :attr:`provisioning_delay` virtual seconds; 0 by default, so a claim the scheduler
    hands over is bound in the same instant, before the kubelet looks at the pod (upstream
    the scheduler's PreBind waits for the binding before it binds the pod; the real
    provisioner needs a second or two for its helper pod).
    """

    name = LOCAL_PATH_PROVISIONER
    watches = (_PVC, _PV)
    provisioning_delay = 0.0

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.recorder = cluster.recorder(f"{LOCAL_PATH_PROVISIONER}_local-path-provisioner")
        self._due: dict[tuple[str, str], float] = {}

    @property
    def component(self) -> str:
        return "local-path-provisioner"

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        for kind in self.watches:
            self.api.watch(kind, self._handler(kind), send_initial_events=True, owner=self.component)

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        if event.type == "DELETED":
            return
        if kind == _PVC:
            if _ann(obj).get(ANN_STORAGE_PROVISIONER) == LOCAL_PATH_PROVISIONER and not _spec(obj).get("volumeName"):
                self.queue.add((_PVC, *key_of(obj)))
        elif _ann(obj).get(ANN_DYNAMICALLY_PROVISIONED) == LOCAL_PATH_PROVISIONER and _phase(obj) == "Released":
            self.queue.add((_PV, "", key_of(obj)[1]))

    def reconcile(self, key: Any) -> float | None:
        kind, ns, name = key
        if kind == _PV:
            volume = self.api.get_or_none(_PV, name)
            if (
                volume is not None
                and _phase(volume) == "Released"
                and _spec(volume).get("persistentVolumeReclaimPolicy") == "Delete"
                and not volume["metadata"].get("deletionTimestamp")
            ):
                self.api.delete(_PV, name, user=self.component)
            return None
        claim = self.api.get_or_none(_PVC, name, ns)
        if claim is None or _spec(claim).get("volumeName") or claim["metadata"].get("deletionTimestamp"):
            self._due.pop((ns, name), None)
            return None
        cls = self.api.get_or_none("StorageClass", claim_class(claim)) if claim_class(claim) else None
        if cls is None or cls.get("provisioner") != LOCAL_PATH_PROVISIONER:
            return None
        node = _ann(claim).get(ANN_SELECTED_NODE)
        if cls.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            return None
        pv_name = f"pvc-{claim['metadata']['uid']}"
        if self.api.get_or_none(_PV, pv_name) is not None:
            return None
        due = self._due.get((ns, name))
        if due is None:
            due = self._due[(ns, name)] = self.clock.now + self.provisioning_delay
            self.recorder.normal(
                claim, "Provisioning", f'External provisioner is provisioning volume for claim "{ns}/{name}"'
            )
        if self.clock.now < due:
            return due - self.clock.now
        self._due.pop((ns, name), None)
        volume = self._volume_for(claim, cls, node, pv_name)
        try:
            self.api.create(volume, user=self.component)
        except ApiError as err:
            if err.reason != "AlreadyExists":
                self.recorder.warning(
                    claim,
                    "ProvisioningFailed",
                    f'failed to provision volume with StorageClass "{cls["metadata"]["name"]}": {err}',
                )
                return PV_RESYNC_PERIOD
        self.recorder.normal(claim, "ProvisioningSucceeded", f"Successfully provisioned volume {pv_name}")
        return None

    @staticmethod
    def _volume_for(claim: Mapping, cls: Mapping, node: str | None, pv_name: str) -> dict:
        from ..volumebinding import claim_ref

        m = claim["metadata"]
        spec: dict[str, Any] = {
            "accessModes": list(_spec(claim).get("accessModes") or []),
            "capacity": {"storage": ((_spec(claim).get("resources") or {}).get("requests") or {}).get("storage", "0")},
            "claimRef": claim_ref(claim),
            "hostPath": {
                "path": f"{LOCAL_PATH_ROOT}/{pv_name}_{m.get('namespace', '')}_{m['name']}",
                "type": "DirectoryOrCreate",
            },
            "persistentVolumeReclaimPolicy": cls.get("reclaimPolicy") or "Delete",
            "storageClassName": cls["metadata"]["name"],
            "volumeMode": _spec(claim).get("volumeMode") or "Filesystem",
        }
        annotations = {ANN_DYNAMICALLY_PROVISIONED: LOCAL_PATH_PROVISIONER}
        if node:
            spec["nodeAffinity"] = {
                "required": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
                    ]
                }
            }
            annotations["local.path.provisioner/selected-node"] = node
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": pv_name, "annotations": annotations},
            "spec": spec,
        }
