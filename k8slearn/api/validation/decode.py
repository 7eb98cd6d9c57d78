"""The decode step before validation: wrong JSON types, bad quantities, bad base64.

Notes
-----
A real API server decodes the request body into the Go type of the kind before it
defaults or validates anything. What cannot be decoded is answered with 400 BadRequest,
``<Kind> in version "<v>" cannot be handled as a <Kind>: <decode error>``, where the
decode error is Go's ``encoding/json`` wording (``json: cannot unmarshal string into Go
struct field DeploymentSpec.spec.replicas of type int32``), the quantity parser's
(``quantities must match the regular expression ...``) or base64's (``illegal base64
data at input byte 4``). This module knows the Go types of the fields k8slearn uses;
unknown fields are ignored (as without ``--validate=strict``).
Used in: 01_api_server_and_etcd, 08_config_secrets_storage.
"""

from __future__ import annotations

import json
from typing import Any

from k8slearn.api.validation.quantities import quantity_text

__all__ = ["decode_error", "go_base64_error"]

_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

# -- Go types -----------------------------------------------------------------------------
# A type is a tuple: ("str"|"int32"|"int64"|"bool"|"qty"|"intstr"|"bytes", go_name),
# ("list", go_name, elem), ("map", go_name, elem) or ("struct", go_name, struct_key).


def _str(go: str = "string") -> tuple:
    return ("str", go)


I32, I64, BOOL, STR, QTY, INTSTR, BYTES = (
    ("int32", "int32"),
    ("int64", "int64"),
    ("bool", "bool"),
    _str(),
    (
        "qty",
        "resource.Quantity",
    ),
    ("intstr", "intstr.IntOrString"),
    ("bytes", "[]uint8"),
)
STRS = ("list", "[]string", STR)
SMAP = ("map", "map[string]string", STR)
RLIST = ("map", "v1.ResourceList", QTY)


def _st(key: str, prefix: str = "v1") -> tuple:
    return ("struct", f"{prefix}.{key}", key)


def _ls(key: str, prefix: str = "v1") -> tuple:
    return ("list", f"[]{prefix}.{key}", _st(key, prefix))


STRUCTS: dict[str, dict[str, tuple]] = {
    "ObjectMeta": {
        "name": STR, "generateName": STR, "namespace": STR, "uid": _str("types.UID"), "resourceVersion": STR,
        "generation": I64, "labels": SMAP, "annotations": SMAP, "finalizers": STRS,
        "ownerReferences": _ls("OwnerReference"), "deletionGracePeriodSeconds": I64,
    },
    "OwnerReference": {"apiVersion": STR, "kind": STR, "name": STR, "uid": _str("types.UID"), "controller": BOOL,
                       "blockOwnerDeletion": BOOL},
    "LabelSelector": {"matchLabels": SMAP, "matchExpressions": _ls("LabelSelectorRequirement")},
    "LabelSelectorRequirement": {"key": STR, "operator": _str("v1.LabelSelectorOperator"), "values": STRS},
    "PodTemplateSpec": {"metadata": _st("ObjectMeta"), "spec": _st("PodSpec")},
    "PodSpec": {
        "volumes": _ls("Volume"), "initContainers": _ls("Container"), "containers": _ls("Container"),
        "restartPolicy": _str("v1.RestartPolicy"), "terminationGracePeriodSeconds": I64,
        "activeDeadlineSeconds": I64, "dnsPolicy": _str("v1.DNSPolicy"), "nodeSelector": SMAP,
        "serviceAccountName": STR, "serviceAccount": STR, "automountServiceAccountToken": BOOL, "nodeName": STR,
        "hostNetwork": BOOL, "hostPID": BOOL, "hostIPC": BOOL, "shareProcessNamespace": BOOL,
        "securityContext": _st("PodSecurityContext"), "hostname": STR, "subdomain": STR,
        "affinity": _st("Affinity"), "schedulerName": STR, "tolerations": _ls("Toleration"),
        "priorityClassName": STR, "priority": I32, "preemptionPolicy": _str("v1.PreemptionPolicy"),
        "enableServiceLinks": BOOL, "topologySpreadConstraints": _ls("TopologySpreadConstraint"),
    },
    "PodSecurityContext": {"runAsUser": I64, "runAsGroup": I64, "runAsNonRoot": BOOL, "fsGroup": I64},
    "Affinity": {"nodeAffinity": _st("NodeAffinity"), "podAffinity": _st("PodAffinity"),
                 "podAntiAffinity": _st("PodAntiAffinity")},
    "NodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": _st("NodeSelector"),
                     "preferredDuringSchedulingIgnoredDuringExecution": _ls("PreferredSchedulingTerm")},
    "NodeSelector": {"nodeSelectorTerms": _ls("NodeSelectorTerm")},
    "NodeSelectorTerm": {"matchExpressions": _ls("NodeSelectorRequirement"),
                         "matchFields": _ls("NodeSelectorRequirement")},
    "NodeSelectorRequirement": {"key": STR, "operator": _str("v1.NodeSelectorOperator"), "values": STRS},
    "PreferredSchedulingTerm": {"weight": I32, "preference": _st("NodeSelectorTerm")},
    "PodAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": _ls("PodAffinityTerm"),
                    "preferredDuringSchedulingIgnoredDuringExecution": _ls("WeightedPodAffinityTerm")},
    "PodAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": _ls("PodAffinityTerm"),
                        "preferredDuringSchedulingIgnoredDuringExecution": _ls("WeightedPodAffinityTerm")},
    "PodAffinityTerm": {"labelSelector": _st("LabelSelector"), "namespaces": STRS, "topologyKey": STR},
    "WeightedPodAffinityTerm": {"weight": I32, "podAffinityTerm": _st("PodAffinityTerm")},
    "Toleration": {"key": STR, "operator": _str("v1.TolerationOperator"), "value": STR,
                   "effect": _str("v1.TaintEffect"), "tolerationSeconds": I64},
    "TopologySpreadConstraint": {"maxSkew": I32, "topologyKey": STR,
                                 "whenUnsatisfiable": _str("v1.UnsatisfiableConstraintAction"),
                                 "labelSelector": _st("LabelSelector"), "minDomains": I32},
    "Container": {
        "name": STR, "image": STR, "command": STRS, "args": STRS, "workingDir": STR,
        "ports": _ls("ContainerPort"), "envFrom": _ls("EnvFromSource"), "env": _ls("EnvVar"),
        "resources": _st("ResourceRequirements"), "volumeMounts": _ls("VolumeMount"),
        "livenessProbe": _st("Probe"), "readinessProbe": _st("Probe"), "startupProbe": _st("Probe"),
        "terminationMessagePath": STR, "terminationMessagePolicy": _str("v1.TerminationMessagePolicy"),
        "imagePullPolicy": _str("v1.PullPolicy"), "stdin": BOOL, "tty": BOOL,
        "restartPolicy": _str("v1.ContainerRestartPolicy"),
    },
    "ContainerPort": {"name": STR, "hostPort": I32, "containerPort": I32, "protocol": _str("v1.Protocol"),
                      "hostIP": STR},
    "EnvVar": {"name": STR, "value": STR, "valueFrom": _st("EnvVarSource")},
    "EnvVarSource": {"configMapKeyRef": _st("ConfigMapKeySelector"), "secretKeyRef": _st("SecretKeySelector")},
    "ConfigMapKeySelector": {"name": STR, "key": STR, "optional": BOOL},
    "SecretKeySelector": {"name": STR, "key": STR, "optional": BOOL},
    "EnvFromSource": {"prefix": STR},
    "ResourceRequirements": {"limits": RLIST, "requests": RLIST},
    "VolumeResourceRequirements": {"limits": RLIST, "requests": RLIST},
    "VolumeMount": {"name": STR, "readOnly": BOOL, "mountPath": STR, "subPath": STR},
    "Probe": {
        "exec": _st("ExecAction"), "httpGet": _st("HTTPGetAction"), "tcpSocket": _st("TCPSocketAction"),
        "grpc": _st("GRPCAction"), "initialDelaySeconds": I32, "timeoutSeconds": I32, "periodSeconds": I32,
        "successThreshold": I32, "failureThreshold": I32, "terminationGracePeriodSeconds": I64,
    },
    "ExecAction": {"command": STRS},
    "HTTPGetAction": {"path": STR, "port": INTSTR, "host": STR, "scheme": _str("v1.URIScheme")},
    "TCPSocketAction": {"port": INTSTR, "host": STR},
    "GRPCAction": {"port": I32},
    "Volume": {
        "name": STR, "configMap": _st("ConfigMapVolumeSource"), "secret": _st("SecretVolumeSource"),
        "persistentVolumeClaim": _st("PersistentVolumeClaimVolumeSource"), "emptyDir": _st("EmptyDirVolumeSource"),
        "hostPath": _st("HostPathVolumeSource"),
    },
    "ConfigMapVolumeSource": {"name": STR, "defaultMode": I32, "items": _ls("KeyToPath"), "optional": BOOL},
    "SecretVolumeSource": {"secretName": STR, "defaultMode": I32, "items": _ls("KeyToPath"), "optional": BOOL},
    "KeyToPath": {"key": STR, "path": STR, "mode": I32},
    "PersistentVolumeClaimVolumeSource": {"claimName": STR, "readOnly": BOOL},
    "EmptyDirVolumeSource": {"medium": _str("v1.StorageMedium"), "sizeLimit": QTY},
    "HostPathVolumeSource": {"path": STR, "type": _str("v1.HostPathType")},
    # workloads
    "DeploymentSpec": {"replicas": I32, "selector": _st("LabelSelector"), "template": _st("PodTemplateSpec"),
                       "strategy": _st("DeploymentStrategy"), "minReadySeconds": I32, "revisionHistoryLimit": I32,
                       "paused": BOOL, "progressDeadlineSeconds": I32},
    "DeploymentStrategy": {"type": _str("v1.DeploymentStrategyType"), "rollingUpdate": _st("RollingUpdateDeployment")},
    "RollingUpdateDeployment": {"maxUnavailable": INTSTR, "maxSurge": INTSTR},
    "ReplicaSetSpec": {"replicas": I32, "minReadySeconds": I32, "selector": _st("LabelSelector"),
                       "template": _st("PodTemplateSpec")},
    "DaemonSetSpec": {"selector": _st("LabelSelector"), "template": _st("PodTemplateSpec"),
                      "updateStrategy": _st("DaemonSetUpdateStrategy"), "minReadySeconds": I32,
                      "revisionHistoryLimit": I32},
    "DaemonSetUpdateStrategy": {"type": _str("v1.DaemonSetUpdateStrategyType"),
                                "rollingUpdate": _st("RollingUpdateDaemonSet")},
    "RollingUpdateDaemonSet": {"maxUnavailable": INTSTR, "maxSurge": INTSTR},
    "JobSpec": {"parallelism": I32, "completions": I32, "activeDeadlineSeconds": I64, "backoffLimit": I32,
                "selector": _st("LabelSelector"), "manualSelector": BOOL, "template": _st("PodTemplateSpec"),
                "ttlSecondsAfterFinished": I32, "completionMode": _str("v1.CompletionMode"), "suspend": BOOL},
    # services and config
    "ServiceSpec": {
        "ports": _ls("ServicePort"), "selector": SMAP, "clusterIP": STR, "clusterIPs": STRS,
        "type": _str("v1.ServiceType"), "externalIPs": STRS, "sessionAffinity": _str("v1.ServiceAffinity"),
        "loadBalancerIP": STR, "externalName": STR,
        "externalTrafficPolicy": _str("v1.ServiceExternalTrafficPolicy"), "healthCheckNodePort": I32,
        "publishNotReadyAddresses": BOOL, "sessionAffinityConfig": _st("SessionAffinityConfig"),
        "ipFamilies": ("list", "[]v1.IPFamily", _str("v1.IPFamily")), "ipFamilyPolicy": _str("v1.IPFamilyPolicy"),
        "allocateLoadBalancerNodePorts": BOOL,
        "internalTrafficPolicy": _str("v1.ServiceInternalTrafficPolicy"),
    },
    "ServicePort": {"name": STR, "protocol": _str("v1.Protocol"), "appProtocol": STR, "port": I32,
                    "targetPort": INTSTR, "nodePort": I32},
    "SessionAffinityConfig": {"clientIP": _st("ClientIPConfig")},
    "ClientIPConfig": {"timeoutSeconds": I32},
    "NamespaceSpec": {"finalizers": ("list", "[]v1.FinalizerName", _str("v1.FinalizerName"))},
    "NodeSpec": {"podCIDR": STR, "podCIDRs": STRS, "providerID": STR, "unschedulable": BOOL,
                 "taints": _ls("Taint")},
    "Taint": {"key": STR, "value": STR, "effect": _str("v1.TaintEffect")},
    "NodeStatus": {"capacity": RLIST, "allocatable": RLIST},
    "PersistentVolumeSpec": {
        "capacity": RLIST,
        "accessModes": ("list", "[]v1.PersistentVolumeAccessMode", _str("v1.PersistentVolumeAccessMode")),
        "persistentVolumeReclaimPolicy": _str("v1.PersistentVolumeReclaimPolicy"), "storageClassName": STR,
        "volumeMode": _str("v1.PersistentVolumeMode"), "hostPath": _st("HostPathVolumeSource"),
    },
    "PersistentVolumeClaimSpec": {
        "accessModes": ("list", "[]v1.PersistentVolumeAccessMode", _str("v1.PersistentVolumeAccessMode")),
        "selector": _st("LabelSelector"), "resources": _st("VolumeResourceRequirements"), "volumeName": STR,
        "storageClassName": STR, "volumeMode": _str("v1.PersistentVolumeMode"),
    },
    "LeaseSpec": {"holderIdentity": STR, "leaseDurationSeconds": I32, "leaseTransitions": I32},
    "HorizontalPodAutoscalerSpec": {
        "scaleTargetRef": _st("CrossVersionObjectReference", "v2"), "minReplicas": I32, "maxReplicas": I32,
        "metrics": _ls("MetricSpec", "v2"), "behavior": _st("HorizontalPodAutoscalerBehavior", "v2"),
    },
    "CrossVersionObjectReference": {"kind": STR, "name": STR, "apiVersion": STR},
    "MetricSpec": {"type": _str("v2.MetricSourceType"), "resource": _st("ResourceMetricSource", "v2")},
    "ResourceMetricSource": {"name": _str("v1.ResourceName"), "target": _st("MetricTarget", "v2")},
    "MetricTarget": {"type": _str("v2.MetricTargetType"), "value": QTY, "averageValue": QTY,
                     "averageUtilization": I32},
    "HorizontalPodAutoscalerBehavior": {"scaleUp": _st("HPAScalingRules", "v2"),
                                        "scaleDown": _st("HPAScalingRules", "v2")},
    "HPAScalingRules": {"stabilizationWindowSeconds": I32, "selectPolicy": _str("v2.ScalingPolicySelect"),
                        "policies": _ls("HPAScalingPolicy", "v2")},
    "HPAScalingPolicy": {"type": _str("v2.HPAScalingPolicyType"), "value": I32, "periodSeconds": I32},
    "Endpoint": {"addresses": STRS, "nodeName": STR},
    "EndpointPort": {"name": STR, "protocol": _str("v1.Protocol"), "port": I32},
}  # fmt: skip

_META = _st("ObjectMeta")
ROOTS: dict[str, dict[str, tuple]] = {
    "Pod": {"metadata": _META, "spec": _st("PodSpec")},
    "Deployment": {"metadata": _META, "spec": _st("DeploymentSpec")},
    "ReplicaSet": {"metadata": _META, "spec": _st("ReplicaSetSpec")},
    "DaemonSet": {"metadata": _META, "spec": _st("DaemonSetSpec")},
    "Job": {"metadata": _META, "spec": _st("JobSpec")},
    "Service": {"metadata": _META, "spec": _st("ServiceSpec")},
    "ConfigMap": {"metadata": _META, "data": SMAP, "binaryData": ("map", "map[string][]uint8", BYTES),
                  "immutable": BOOL},
    "Secret": {"metadata": _META, "data": ("map", "map[string][]uint8", BYTES), "stringData": SMAP,
               "type": _str("v1.SecretType"), "immutable": BOOL},
    "Namespace": {"metadata": _META, "spec": _st("NamespaceSpec")},
    "Node": {"metadata": _META, "spec": _st("NodeSpec"), "status": _st("NodeStatus")},
    "PersistentVolume": {"metadata": _META, "spec": _st("PersistentVolumeSpec")},
    "PersistentVolumeClaim": {"metadata": _META, "spec": _st("PersistentVolumeClaimSpec")},
    "StorageClass": {"metadata": _META, "provisioner": STR, "parameters": SMAP,
                     "reclaimPolicy": _str("v1.PersistentVolumeReclaimPolicy"), "allowVolumeExpansion": BOOL,
                     "volumeBindingMode": _str("v1.VolumeBindingMode")},
    "PriorityClass": {"metadata": _META, "value": I32, "globalDefault": BOOL, "description": STR,
                      "preemptionPolicy": _str("v1.PreemptionPolicy")},
    "Lease": {"metadata": _META, "spec": _st("LeaseSpec")},
    "HorizontalPodAutoscaler": {"metadata": _META, "spec": _st("HorizontalPodAutoscalerSpec", "v2")},
    "EndpointSlice": {"metadata": _META, "addressType": _str("v1.AddressType"), "endpoints": _ls("Endpoint"),
                      "ports": _ls("EndpointPort")},
    "Endpoints": {"metadata": _META},
    "Event": {"metadata": _META, "count": I32, "message": STR, "reason": STR, "type": STR},
    "ServiceAccount": {"metadata": _META},
}  # fmt: skip

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "string"


def _number_literal(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return json.dumps(v)


def go_base64_error(text: str) -> str | None:
    """Go ``base64.StdEncoding`` decode error (``illegal base64 data at input byte N``) or None."""
    n = len(text)
    si = 0
    while True:
        j = 0
        while j < 4:
            while si < n and text[si] in "\r\n":
                si += 1
            if si == n:
                if j == 0:
                    return None
                return f"illegal base64 data at input byte {si - j}"
            c = text[si]
            si += 1
            if c in _B64:
                j += 1
                continue
            if c == "=":
                if j in (0, 1):
                    return f"illegal base64 data at input byte {si - 1}"
                if j == 2:
                    while si < n and text[si] in "\r\n":
                        si += 1
                    if si == n:
                        return f"illegal base64 data at input byte {n}"
                    if text[si] != "=":
                        return f"illegal base64 data at input byte {si - 1}"
                    si += 1
                while si < n and text[si] in "\r\n":
                    si += 1
                if si < n:
                    return f"illegal base64 data at input byte {si}"
                return None
            return f"illegal base64 data at input byte {si - 1}"


def _unmarshal_error(value: Any, go: str, struct: str, path: list[str]) -> str:
    return f"json: cannot unmarshal {value} into Go struct field {struct}.{'.'.join(path)} of type {go}"


def _check(value: Any, typ: tuple, struct: str, path: list[str]) -> str | None:
    if value is None:
        return None
    kind, go = typ[0], typ[1]
    if kind == "str":
        if isinstance(value, (dict, list, bool, int, float)):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        return None
    if kind in ("int32", "int64"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        lo, hi = _INT_RANGES[kind]
        if (isinstance(value, float) and not value.is_integer()) or not lo <= value <= hi:
            return _unmarshal_error("number " + _number_literal(value), go, struct, path)
        return None
    if kind == "bool":
        if not isinstance(value, bool):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        return None
    if kind == "qty":
        from k8slearn.api.quantity import Quantity

        text = quantity_text(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
        try:
            Quantity.parse(text if text is not None else json.dumps(value))
        except ValueError as e:
            return str(e)
        except Exception:
            return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        return None
    if kind == "intstr":
        if isinstance(value, str):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"json: cannot unmarshal {_json_kind(value)} into Go value of type int32"
        if (isinstance(value, float) and not value.is_integer()) or not -(2**31) <= value <= 2**31 - 1:
            return f"json: cannot unmarshal number {_number_literal(value)} into Go value of type int32"
        return None
    if kind == "bytes":
        if not isinstance(value, str):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        return go_base64_error(value)
    if kind == "list":
        if not isinstance(value, list):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        for item in value:
            err = _check(item, typ[2], struct, path)
            if err:
                return err
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        for item in value.values():
            err = _check(item, typ[2], struct, path)
            if err:
                return err
        return None
    if kind == "struct":
        if not isinstance(value, dict):
            return _unmarshal_error(_json_kind(value), go, struct, path)
        return _check_fields(value, STRUCTS.get(typ[2], {}), typ[2], path)
    return None


def _check_fields(obj: dict, fields: dict[str, tuple], struct: str, path: list[str]) -> str | None:
    for name, value in obj.items():
        typ = fields.get(name)
        if typ is None:
            continue
        err = _check(value, typ, struct, path + [name])
        if err:
            return err
    return None


def decode_error(kind: str, obj: Any) -> str | None:
    """The first decode error of ``obj`` (a ``kind``), in document order, or None."""
    if not isinstance(obj, dict):
        return f"json: cannot unmarshal {_json_kind(obj)} into Go value of type v1.{kind}"
    fields = ROOTS.get(kind)
    if fields is None:
        return None
    return _check_fields(obj, fields, kind, [])
