"""Which PersistentVolume a claim gets, and on which nodes a pod's volumes can be used.

Pure rules over Kubernetes-shaped dicts, shared by the persistentvolume-controller (the
PV/PVC binder), the simulated dynamic provisioner and kube-scheduler's volume plugins
(VolumeBinding, VolumeZone, VolumeRestrictions, NodeVolumeLimits). Nothing here talks
to the API server: callers pass the objects in.

Notes
-----
Mirrors ``k8s.io/component-helpers/storage/volume`` (``FindMatchingVolume``,
``CheckNodeAffinity``, ``CheckAccessModes``, ``GetBindVolumeToClaim``,
``IsDelayBindingMode``), the binder's access-mode index
(``pkg/controller/volume/persistentvolume/index.go``), the scheduler's volume binder
(``pkg/scheduler/framework/plugins/volumebinding/binder.go``: ``GetPodVolumeClaims``,
``FindPodVolumes``) and the VolumeZone / VolumeRestrictions / NodeVolumeLimits filters.

The binder picks the *smallest* volume that fits: among available PVs of the claim's
class whose access modes include the claim's, whose volumeMode matches and whose labels
match the claim's selector, the one with the least capacity that is still at least the
requested size (the controller first tries the PVs with the fewest access modes).

Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..api.quantity import memory_bytes

__all__ = [
    "ANN_BIND_COMPLETED",
    "ANN_BOUND_BY_CONTROLLER",
    "ANN_SELECTED_NODE",
    "ANN_STORAGE_PROVISIONER",
    "ANN_BETA_STORAGE_PROVISIONER",
    "ANN_DYNAMICALLY_PROVISIONED",
    "ANN_DEFAULT_CLASS",
    "ANN_BETA_DEFAULT_CLASS",
    "ANN_BETA_STORAGE_CLASS",
    "NOT_SUPPORTED_PROVISIONER",
    "ERR_REASON_BIND_CONFLICT",
    "ERR_REASON_NODE_CONFLICT",
    "ERR_REASON_NOT_ENOUGH_SPACE",
    "ERR_REASON_PV_NOT_EXIST",
    "ERR_UNBOUND_IMMEDIATE_PVC",
    "ERR_REASON_ZONE_CONFLICT",
    "ERR_REASON_RWOP_CONFLICT",
    "ERR_REASON_MAX_VOLUME_COUNT",
    "ZONE_LABELS",
    "VolumeError",
    "PodVolumeClaims",
    "PodVolumes",
    "claim_class",
    "volume_class",
    "requested_storage",
    "volume_capacity",
    "check_access_modes",
    "volume_mode_mismatch",
    "check_node_affinity",
    "is_volume_bound_to_claim",
    "is_pvc_fully_bound",
    "claim_ref",
    "bind_volume_to_claim",
    "find_matching_volume",
    "find_best_match_for_claim",
    "default_storage_class",
    "is_delay_binding_mode",
    "pod_claim_names",
    "pod_volume_claims",
    "find_pod_volumes",
    "volume_zone_reasons",
    "rwop_conflict",
    "node_volume_limit_reasons",
]

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
#: ``provisioner`` of a StorageClass that only groups pre-created (e.g. local) volumes.
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"

# kube-scheduler VolumeBinding (binder.go ConflictReason) and plugin messages.
ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
#: Since Kubernetes 1.31 (before: ``node(s) had volume node affinity conflict``).
ERR_REASON_NODE_CONFLICT = "node(s) didn't match PersistentVolume's node affinity"
ERR_REASON_NOT_ENOUGH_SPACE = "node(s) did not have enough free storage"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE_PVC = "pod has unbound immediate PersistentVolumeClaims"
# VolumeZone, VolumeRestrictions, NodeVolumeLimits.
ERR_REASON_ZONE_CONFLICT = "node(s) had no available volume zone"
ERR_REASON_RWOP_CONFLICT = (
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
)
ERR_REASON_MAX_VOLUME_COUNT = "node(s) exceed max volume count"

#: PV labels VolumeZone compares with the node's (GA and deprecated beta keys).
ZONE_LABELS = (
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
)


class VolumeError(Exception):
    """A pod's claims cannot be resolved (``persistentvolumeclaim "data" not found``)."""


def _meta(obj: Mapping) -> Mapping:
    return obj.get("metadata") or {}


def _ann(obj: Mapping) -> Mapping[str, str]:
    return _meta(obj).get("annotations") or {}


def _spec(obj: Mapping) -> Mapping:
    return obj.get("spec") or {}


# -- small facts about one claim or volume -------------------------------------------------


def claim_class(pvc: Mapping) -> str:
    """The claim's StorageClass name (``""`` means "no class"; the beta annotation wins).

    Examples
    --------
    >>> claim_class({"spec": {"storageClassName": "standard"}})
    'standard'
    >>> claim_class({"spec": {}})
    ''
    """
    ann = _ann(pvc)
    if ANN_BETA_STORAGE_CLASS in ann:
        return ann[ANN_BETA_STORAGE_CLASS]
    return _spec(pvc).get("storageClassName") or ""


def volume_class(pv: Mapping) -> str:
    """The volume's StorageClass name (``""`` when it has none)."""
    ann = _ann(pv)
    if ANN_BETA_STORAGE_CLASS in ann:
        return ann[ANN_BETA_STORAGE_CLASS]
    return _spec(pv).get("storageClassName") or ""


def requested_storage(pvc: Mapping) -> int:
    """Bytes the claim asks for (``spec.resources.requests.storage``)."""
    raw = ((_spec(pvc).get("resources") or {}).get("requests") or {}).get("storage")
    return memory_bytes(str(raw)) if raw is not None else 0


def volume_capacity(pv: Mapping) -> int:
    """Bytes the volume offers (``spec.capacity.storage``)."""
    raw = (_spec(pv).get("capacity") or {}).get("storage")
    return memory_bytes(str(raw)) if raw is not None else 0


def check_access_modes(pvc: Mapping, pv: Mapping) -> bool:
    """Every access mode the claim asks for is one the volume offers.

    Examples
    --------
    >>> check_access_modes(
    ...     {"spec": {"accessModes": ["ReadWriteOnce"]}}, {"spec": {"accessModes": ["ReadWriteOnce", "ReadOnlyMany"]}}
    ... )
    True
    """
    offered = set(_spec(pv).get("accessModes") or ())
    return all(mode in offered for mode in _spec(pvc).get("accessModes") or ())


def volume_mode_mismatch(pvc: Mapping, pv: Mapping) -> bool:
    """``Filesystem`` (the default) and ``Block`` volumes only bind to claims of the same mode."""
    return (_spec(pvc).get("volumeMode") or "Filesystem") != (_spec(pv).get("volumeMode") or "Filesystem")


def check_node_affinity(pv: Mapping, node: Mapping) -> bool:
    """The volume can be used on ``node`` (``spec.nodeAffinity.required`` matches its labels).

    A volume without node affinity (network storage) can be used anywhere; a local
    volume names the node(s) that hold its disk.
    """
    from .scheduler.plugins.helpers import match_node_selector_terms

    required = (_spec(pv).get("nodeAffinity") or {}).get("required")
    if not required:
        return True
    meta = _meta(node)
    return match_node_selector_terms(
        required.get("nodeSelectorTerms") or (), meta.get("labels") or {}, meta.get("name", "")
    )


def is_volume_bound_to_claim(pv: Mapping, pvc: Mapping) -> bool:
    """The volume's ``claimRef`` points at this claim (by name; by uid once the uid is set)."""
    ref = _spec(pv).get("claimRef")
    if not ref:
        return False
    m = _meta(pvc)
    if ref.get("name") != m.get("name") or (ref.get("namespace") or "") != (m.get("namespace") or ""):
        return False
    return not ref.get("uid") or ref.get("uid") == m.get("uid")


def is_pvc_fully_bound(pvc: Mapping) -> bool:
    """``spec.volumeName`` is set and the binder finished (``pv.kubernetes.io/bind-completed``)."""
    return bool(_spec(pvc).get("volumeName")) and ANN_BIND_COMPLETED in _ann(pvc)


def claim_ref(pvc: Mapping) -> dict:
    """The ObjectReference a bound PV keeps in ``spec.claimRef``."""
    m = _meta(pvc)
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": m.get("namespace", ""),
        "name": m.get("name", ""),
        "uid": m.get("uid", ""),
        "apiVersion": "v1",
        "resourceVersion": m.get("resourceVersion", ""),
    }


def bind_volume_to_claim(pv: Mapping, pvc: Mapping) -> tuple[dict, bool]:
    """A copy of ``pv`` pointing at ``pvc`` (``claimRef``), and whether anything changed.

    The binder marks volumes it binds itself with ``pv.kubernetes.io/bound-by-controller``;
    a volume the user pre-bound (claimRef without uid) keeps its claimRef and only gets
    the uid. Mirrors ``GetBindVolumeToClaim``.
    """
    should_set_ref = not is_volume_bound_to_claim(pv, pvc)
    ref = _spec(pv).get("claimRef") or {}
    if not should_set_ref and ref.get("uid") == _meta(pvc).get("uid"):
        return dict(pv), False
    new = dict(pv)
    new["spec"] = dict(_spec(pv), claimRef=claim_ref(pvc))
    if should_set_ref and ANN_BOUND_BY_CONTROLLER not in _ann(pv):
        meta = dict(_meta(pv))
        meta["annotations"] = dict(_ann(pv), **{ANN_BOUND_BY_CONTROLLER: "yes"})
        new["metadata"] = meta
    return new, True


# -- choosing a volume for a claim ----------------------------------------------------------


def _claim_selector(pvc: Mapping) -> Any:
    from ..api.labels import selector_from_label_selector

    sel = _spec(pvc).get("selector")
    return selector_from_label_selector(sel) if sel else None


def find_matching_volume(
    pvc: Mapping,
    volumes: Iterable[Mapping],
    node: Mapping | None = None,
    excluded: Mapping[str, Any] | frozenset[str] = frozenset(),
    delay_binding: bool = False,
) -> dict | None:
    """The smallest volume that satisfies ``pvc``, or None.

    Parameters
    ----------
    pvc
        The claim: its size, class, access modes, volumeMode and label selector count.
    volumes
        Candidate PersistentVolumes.
    node
        When the scheduler asks (WaitForFirstConsumer), the node the pod would run on:
        the volume's node affinity must match it and access modes are checked here.
    excluded
        Names of volumes already chosen for other claims of the same pod.
    delay_binding
        The claim's class binds on first consumer: without ``node`` (the controller's
        view) only volumes pre-bound to this claim are returned.

    Notes
    -----
    Mirrors ``volume.FindMatchingVolume``: a volume pre-bound to the claim wins at once;
    otherwise volumes being deleted, not ``Available``, claimed by someone else, of
    another class, with a mismatching selector, volumeMode or node affinity are skipped.
    """
    size = requested_storage(pvc)
    cls = claim_class(pvc)
    selector = _claim_selector(pvc)
    best: dict | None = None
    best_size = 0
    for pv in volumes:
        name = _meta(pv).get("name", "")
        if name in excluded:
            continue
        if volume_mode_mismatch(pvc, pv) or _meta(pv).get("deletionTimestamp"):
            continue
        affinity_ok = node is None or check_node_affinity(pv, node)
        if is_volume_bound_to_claim(pv, pvc):
            return dict(pv) if affinity_ok else None
        if node is None and delay_binding:
            continue  # the scheduler binds it once a pod using the claim picks a node
        if (pv.get("status") or {}).get("phase") != "Available" or _spec(pv).get("claimRef"):
            continue
        if selector is not None and not selector.matches(_meta(pv).get("labels") or {}):
            continue
        if volume_class(pv) != cls or not affinity_ok:
            continue
        if node is not None and not check_access_modes(pvc, pv):
            continue
        capacity = volume_capacity(pv)
        if capacity >= size and (best is None or capacity < best_size):
            best, best_size = dict(pv), capacity
    return best


def find_best_match_for_claim(pvc: Mapping, volumes: Iterable[Mapping], delay_binding: bool = False) -> dict | None:
    """What the persistentvolume-controller binds ``pvc`` to, or None.

    The controller indexes volumes by their access-mode set and tries the sets that
    contain every mode the claim asks for, fewest modes first; within a set the smallest
    matching volume wins (``persistentVolumeOrderedIndex.findByClaim``).

    Examples
    --------
    >>> def pv(name, size, modes=("ReadWriteOnce",)):
    ...     return {
    ...         "metadata": {"name": name},
    ...         "spec": {"capacity": {"storage": size}, "accessModes": list(modes)},
    ...         "status": {"phase": "Available"},
    ...     }
    >>> claim = {
    ...     "metadata": {"name": "data"},
    ...     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    ... }
    >>> find_best_match_for_claim(claim, [pv("big", "10Gi"), pv("small", "2Gi"), pv("tiny", "500Mi")])["metadata"][
    ...     "name"
    ... ]
    'small'
    """
    wanted = set(_spec(pvc).get("accessModes") or ())
    by_modes: dict[tuple[str, ...], list[Mapping]] = {}
    for pv in volumes:
        modes = tuple(sorted(set(_spec(pv).get("accessModes") or ())))
        by_modes.setdefault(modes, []).append(pv)
    for modes in sorted(by_modes, key=lambda m: (len(m), m)):
        if not wanted <= set(modes):
            continue
        found = find_matching_volume(pvc, by_modes[modes], delay_binding=delay_binding)
        if found is not None:
            return found
    return None


def _is_default(cls: Mapping) -> bool:
    ann = _ann(cls)
    return ann.get(ANN_DEFAULT_CLASS) == "true" or ann.get(ANN_BETA_DEFAULT_CLASS) == "true"


def default_storage_class(classes: Iterable[Mapping]) -> dict | None:
    """The default StorageClass: annotated ``is-default-class: "true"``; with several, the newest.

    Notes
    -----
    Mirrors ``util.GetDefaultClass`` (newest creationTimestamp first, then name).
    """
    defaults = [c for c in classes if _is_default(c)]
    if not defaults:
        return None
    defaults.sort(key=lambda c: (_meta(c).get("creationTimestamp") or "", _meta(c).get("name", "")), reverse=True)
    return dict(defaults[0])


def is_delay_binding_mode(pvc: Mapping, classes: Mapping[str, Mapping]) -> bool:
    """The claim's class has ``volumeBindingMode: WaitForFirstConsumer`` (unknown class: no)."""
    name = claim_class(pvc)
    cls = classes.get(name) if name else None
    return cls is not None and cls.get("volumeBindingMode") == "WaitForFirstConsumer"


# -- the scheduler's view: a pod's claims on a node ------------------------------------------


def pod_claim_names(pod: Mapping) -> list[str]:
    """Names of the PersistentVolumeClaims the pod's volumes use (in volume order)."""
    out: list[str] = []
    for vol in _spec(pod).get("volumes") or ():
        src = vol.get("persistentVolumeClaim")
        if src and src.get("claimName"):
            out.append(src["claimName"])
    return out


@dataclass
class PodVolumeClaims:
    """A pod's claims sorted the way the scheduler's volume binder sees them."""

    bound: list[dict] = field(default_factory=list)
    unbound_immediate: list[dict] = field(default_factory=list)
    unbound_delay_binding: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.bound or self.unbound_immediate or self.unbound_delay_binding)


@dataclass
class PodVolumes:
    """What binding the pod's volumes on one node takes: PVs to bind and claims to provision."""

    static_bindings: list[tuple[dict, dict]] = field(default_factory=list)  # (pvc, pv)
    dynamic_provisions: list[dict] = field(default_factory=list)


def pod_volume_claims(pod: Mapping, claims: Mapping[str, Mapping], classes: Mapping[str, Mapping]) -> PodVolumeClaims:
    """Sort the pod's claims into bound, unbound immediate and unbound WaitForFirstConsumer.

    Parameters
    ----------
    claims
        The pod namespace's PVCs by name.
    classes
        StorageClasses by name.

    Raises
    ------
    VolumeError
        A claim does not exist (``persistentvolumeclaim "data" not found``) or is being
        deleted (``persistentvolumeclaim "data" is being deleted``); the scheduler
        reports it as UnschedulableAndUnresolvable.

    Notes
    -----
    Mirrors VolumeBinding's ``podHasPVCs`` and the binder's ``GetPodVolumeClaims``; a
    claim that names its volume (``spec.volumeName``) counts as immediate.
    """
    out = PodVolumeClaims()
    for name in pod_claim_names(pod):
        pvc = claims.get(name)
        if pvc is None:
            raise VolumeError(f'persistentvolumeclaim "{name}" not found')
        if _meta(pvc).get("deletionTimestamp"):
            raise VolumeError(f'persistentvolumeclaim "{name}" is being deleted')
        if is_pvc_fully_bound(pvc):
            out.bound.append(dict(pvc))
        elif is_delay_binding_mode(pvc, classes) and not _spec(pvc).get("volumeName"):
            out.unbound_delay_binding.append(dict(pvc))
        else:
            out.unbound_immediate.append(dict(pvc))
    return out


def _topology_matches(terms: Sequence[Mapping] | None, labels: Mapping[str, str]) -> bool:
    """StorageClass ``allowedTopologies``: no terms allow every node; terms are ORed."""
    if not terms:
        return True
    for term in terms:
        exprs = term.get("matchLabelExpressions") or ()
        if all(labels.get(e.get("key", "")) in (e.get("values") or ()) for e in exprs):
            return True
    return False


def find_pod_volumes(
    claims: PodVolumeClaims,
    node: Mapping,
    volumes: Mapping[str, Mapping],
    classes: Mapping[str, Mapping],
) -> tuple[PodVolumes, list[str]]:
    """Can the pod's claims be used on ``node``? The bindings it would need and the reasons why not.

    Parameters
    ----------
    claims
        From :func:`pod_volume_claims`.
    node
        The Node object.
    volumes
        Every PersistentVolume by name.
    classes
        StorageClasses by name.

    Returns
    -------
    (PodVolumes, reasons)
        ``reasons`` holds the upstream filter strings, in upstream order: bound volumes
        whose node affinity does not match (:data:`ERR_REASON_NODE_CONFLICT`), unbound
        WaitForFirstConsumer claims with neither a matching PV nor a provisioner for
        this node (:data:`ERR_REASON_BIND_CONFLICT`), claims bound to missing PVs
        (:data:`ERR_REASON_PV_NOT_EXIST`).

    Notes
    -----
    Mirrors ``volumeBinder.FindPodVolumes``: claims already given a node by the
    scheduler (``volume.kubernetes.io/selected-node``) only fit that node; the others
    are matched smallest claim first against the available PVs of their class on this
    node, and whatever finds none must be provisioned (impossible with
    ``kubernetes.io/no-provisioner`` or outside ``allowedTopologies``).
    """
    result = PodVolumes()
    reasons: list[str] = []
    bound_ok, bound_found, unbound_ok = True, True, True
    for pvc in claims.bound:
        pv = volumes.get(_spec(pvc).get("volumeName", ""))
        if pv is None:
            bound_found = False
            break
        if not check_node_affinity(pv, node):
            bound_ok = False
            break
    node_name = _meta(node).get("name", "")
    if claims.unbound_delay_binding:
        to_match: list[dict] = []
        to_provision: list[dict] = []
        for pvc in claims.unbound_delay_binding:
            selected = _ann(pvc).get(ANN_SELECTED_NODE)
            if selected is None:
                to_match.append(pvc)
            elif selected != node_name:
                unbound_ok = False
                break
            else:
                to_provision.append(pvc)
        if unbound_ok:
            chosen: dict[str, dict] = {}
            for pvc in sorted(to_match, key=requested_storage):
                candidates = [pv for pv in volumes.values() if volume_class(pv) == claim_class(pvc)]
                pv = find_matching_volume(pvc, candidates, node=node, excluded=chosen)
                if pv is None:
                    to_provision.append(pvc)
                    continue
                chosen[_meta(pv).get("name", "")] = pv
                result.static_bindings.append((pvc, pv))
            labels = _meta(node).get("labels") or {}
            for pvc in to_provision:
                cls = classes.get(claim_class(pvc))
                provisioner = (cls or {}).get("provisioner") or ""
                if cls is None or provisioner in ("", NOT_SUPPORTED_PROVISIONER):
                    unbound_ok = False
                    break
                if not _topology_matches(cls.get("allowedTopologies"), labels):
                    unbound_ok = False
                    break
                result.dynamic_provisions.append(pvc)
    if not bound_ok:
        reasons.append(ERR_REASON_NODE_CONFLICT)
    if not unbound_ok:
        reasons.append(ERR_REASON_BIND_CONFLICT)
    if not bound_found:
        reasons.append(ERR_REASON_PV_NOT_EXIST)
    if reasons:
        result = PodVolumes()
    return result, reasons


# -- VolumeZone, VolumeRestrictions, NodeVolumeLimits -------------------------------------


def volume_zone_reasons(
    pod: Mapping,
    node: Mapping,
    claims: Mapping[str, Mapping],
    volumes: Mapping[str, Mapping],
    classes: Mapping[str, Mapping],
) -> list[str]:
    """VolumeZone: the pod's bound PVs carry zone/region labels the node must share.

    A PV label value may list several zones joined by ``__``. Nodes without any
    topology label pass; unbound WaitForFirstConsumer claims are skipped (the scheduler
    picks their zone). Raises :class:`VolumeError` for claims VolumeZone cannot resolve.
    """
    node_labels = _meta(node).get("labels") or {}
    if not any(k in node_labels for k in ZONE_LABELS):
        return []
    for name in pod_claim_names(pod):
        pvc = claims.get(name)
        if pvc is None:
            raise VolumeError(f'persistentvolumeclaim "{name}" not found')
        pv_name = _spec(pvc).get("volumeName")
        if not pv_name:
            cls_name = claim_class(pvc)
            if not cls_name:
                raise VolumeError("PersistentVolumeClaim had no pv name and storageClass name")
            cls = classes.get(cls_name)
            if cls is None:
                raise VolumeError(f'storageclasses.storage.k8s.io "{cls_name}" not found')
            if cls.get("volumeBindingMode") == "WaitForFirstConsumer":
                continue
            raise VolumeError("PersistentVolume had no name")
        pv = volumes.get(pv_name)
        if pv is None:
            raise VolumeError(f'persistentvolumes "{pv_name}" not found')
        pv_labels = _meta(pv).get("labels") or {}
        for key in ZONE_LABELS:
            if key not in pv_labels:
                continue
            allowed = set(pv_labels[key].split("__"))
            if node_labels.get(key) not in allowed:
                return [ERR_REASON_ZONE_CONFLICT]
    return []


def rwop_conflict(pod: Mapping, claims: Mapping[str, Mapping], pods_using: Callable[[str], Iterable[Mapping]]) -> bool:
    """VolumeRestrictions: a ``ReadWriteOncePod`` claim of ``pod`` is already used by another pod.

    ``pods_using(claim_name)`` yields the pods (same namespace) whose volumes use the claim.
    """
    me = _meta(pod).get("uid") or _meta(pod).get("name")
    for name in pod_claim_names(pod):
        pvc = claims.get(name)
        if pvc is None or "ReadWriteOncePod" not in (_spec(pvc).get("accessModes") or ()):
            continue
        for other in pods_using(name):
            other_id = _meta(other).get("uid") or _meta(other).get("name")
            phase = (other.get("status") or {}).get("phase")
            if other_id != me and phase not in ("Succeeded", "Failed") and _spec(other).get("nodeName"):
                return True
    return False


def node_volume_limit_reasons(
    pod: Mapping,
    node: Mapping,
    pods_on_node: Iterable[Mapping],
    claims: Mapping[tuple[str, str], Mapping],
    volumes: Mapping[str, Mapping],
) -> list[str]:
    """NodeVolumeLimits (basics): CSI volumes per node against ``attachable-volumes-csi-<driver>``.

    ``claims`` is keyed by ``(namespace, name)``. Only PVs with a ``spec.csi`` source
    count, per driver, each PV once; a node whose allocatable has no limit for a driver
    has none. hostPath and local volumes never count.
    """
    allocatable = (node.get("status") or {}).get("allocatable") or {}

    def csi_volumes(p: Mapping) -> dict[str, set[str]]:
        ns = _meta(p).get("namespace") or "default"
        out: dict[str, set[str]] = {}
        for name in pod_claim_names(p):
            pvc = claims.get((ns, name))
            pv = volumes.get(_spec(pvc).get("volumeName", "")) if pvc else None
            csi = _spec(pv).get("csi") if pv else None
            if csi:
                out.setdefault(csi.get("driver", ""), set()).add(_meta(pv).get("name", ""))
        return out

    new = csi_volumes(pod)
    if not new:
        return []
    used: dict[str, set[str]] = {}
    for other in pods_on_node:
        for driver, names in csi_volumes(other).items():
            used.setdefault(driver, set()).update(names)
    for driver, names in new.items():
        limit = allocatable.get(f"attachable-volumes-csi-{driver}")
        if limit is None:
            continue
        if len(used.get(driver, set()) | names) > int(str(limit)):
            return [ERR_REASON_MAX_VOLUME_COUNT]
    return []
