"""API defaulting: what the API server fills in before admission and validation.

Notes
-----
Mirrors ``SetDefaults_*`` in ``pkg/apis/{core,apps,batch,autoscaling,storage,scheduling,
discovery}/v1/defaults.go`` (and v2 for autoscaling), plus three create-time steps of the
registry strategies that users see as defaults: the Job's generated selector and
``controller-uid``/``job-name`` labels (needs ``metadata.uid``), a Service's
``clusterIPs``/``ipFamilies``/``ipFamilyPolicy`` on a single-stack IPv4 cluster, and a
Namespace's ``kubernetes`` finalizer and ``Active`` phase. ``stringData`` of a Secret is
merged into ``data`` as the v1 conversion does. ClusterIP and nodePort allocation are not
done here. Never raises on junk: wrong types are left for validation to report.
Used in: 01_api_server_and_etcd.

Examples
--------
>>> pod = {"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
>>> set_defaults("Pod", pod)
>>> pod["spec"]["containers"][0]["imagePullPolicy"], pod["spec"]["restartPolicy"]
('Always', 'Always')
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

__all__ = ["set_defaults", "image_pull_policy"]


def _d(obj: dict, key: str) -> dict | None:
    """``obj[key]`` as a dict, created when missing; None when it holds junk."""
    v = obj.get(key)
    if v is None:
        v = obj[key] = {}
    return v if isinstance(v, dict) else None


def _items(obj: dict, key: str) -> list[dict]:
    v = obj.get(key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _setdefault(obj: dict, key: str, value: Any) -> None:
    if obj.get(key) is None:
        obj[key] = value


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or no tag, else ``IfNotPresent`` (a digest counts as a tag)."""
    if "@" in image:
        return "IfNotPresent"
    head, _, last = image.rpartition("/")
    repo, _, tag = last.partition(":")
    if not repo or (head + repo) != (head + repo).lower() or image != image.strip():
        return "IfNotPresent"  # parsers.ParseImageName fails: no tag is known
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if not probe.get(k):
            probe[k] = v
    _handler(probe)


def _handler(h: dict) -> None:
    http = h.get("httpGet")
    if isinstance(http, dict):
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


def _container(c: dict) -> None:
    image = c.get("image")
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(image if isinstance(image, str) else "")
    _setdefault(c, "terminationMessagePath", "/dev/termination-log")
    _setdefault(c, "terminationMessagePolicy", "File")
    for port in _items(c, "ports"):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for ev in _items(c, "env"):
        vf = ev.get("valueFrom")
        if isinstance(vf, dict) and isinstance(vf.get("fieldRef"), dict):
            _setdefault(vf["fieldRef"], "apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(c.get(probe))
    lc = c.get("lifecycle")
    if isinstance(lc, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lc.get(hook), dict):
                _handler(lc[hook])


_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)  # fmt: skip


def _volume(v: dict) -> None:
    if all(v.get(s) is None for s in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    for src in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(v.get(src), dict):
            _setdefault(v[src], "defaultMode", 420)
    if isinstance(v.get("hostPath"), dict):
        _setdefault(v["hostPath"], "type", "")


def _pod_spec(spec: Any) -> None:
    """``SetDefaults_PodSpec`` and the generated defaults of its parts."""
    if not isinstance(spec, dict):
        return
    _setdefault(spec, "restartPolicy", "Always")
    _setdefault(spec, "terminationGracePeriodSeconds", 30)
    _setdefault(spec, "dnsPolicy", "ClusterFirst")
    _setdefault(spec, "securityContext", {})
    _setdefault(spec, "schedulerName", "default-scheduler")
    for v in _items(spec, "volumes"):
        _volume(v)
    host_network = spec.get("hostNetwork") is True
    for part in ("initContainers", "containers"):
        for c in _items(spec, part):
            _container(c)
            if host_network:
                for port in _items(c, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _template(template: Any) -> None:
    if isinstance(template, dict):
        _pod_spec(template.get("spec"))


def _pod(pod: dict) -> None:
    spec = pod.get("spec")
    if spec is None:
        spec = pod["spec"] = {}
    if not isinstance(spec, dict):
        return
    _pod_spec(spec)
    # SetDefaults_Pod: limits copied into missing requests (pods only, not templates).
    for part in ("initContainers", "containers"):
        for c in _items(spec, part):
            res = c.get("resources")
            if not isinstance(res, dict) or not isinstance(res.get("limits"), dict):
                continue
            requests = res.get("requests")
            if requests is None:
                requests = res["requests"] = {}
            if isinstance(requests, dict):
                for name, value in res["limits"].items():
                    requests.setdefault(name, value)
    _setdefault(spec, "enableServiceLinks", True)


def _deployment(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "replicas", 1)
    strategy = _d(spec, "strategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
        if strategy.get("type") == "RollingUpdate":
            ru = _d(strategy, "rollingUpdate")
            if ru is not None:
                _setdefault(ru, "maxUnavailable", "25%")
                _setdefault(ru, "maxSurge", "25%")
    _setdefault(spec, "revisionHistoryLimit", 10)
    _setdefault(spec, "progressDeadlineSeconds", 600)
    _template(spec.get("template"))


def _replica_set(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "replicas", 1)
    _template(spec.get("template"))


def _daemon_set(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    strategy = _d(spec, "updateStrategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
        if strategy.get("type") == "RollingUpdate":
            ru = _d(strategy, "rollingUpdate")
            if ru is not None:
                _setdefault(ru, "maxUnavailable", 1)
                _setdefault(ru, "maxSurge", 0)
    _setdefault(spec, "revisionHistoryLimit", 10)
    _template(spec.get("template"))


def _job(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    _setdefault(spec, "parallelism", 1)
    _setdefault(spec, "backoffLimit", 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6)
    template = spec.get("template")
    tmeta = template.get("metadata") if isinstance(template, dict) else None
    tlabels = tmeta.get("labels") if isinstance(tmeta, dict) else None
    md = obj.get("metadata")
    if isinstance(md, dict) and isinstance(tlabels, dict) and tlabels and not md.get("labels"):
        md["labels"] = dict(tlabels)
    _setdefault(spec, "completionMode", "NonIndexed")
    _setdefault(spec, "suspend", False)
    _setdefault(
        spec, "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    )
    _setdefault(spec, "manualSelector", False)
    _template(template)
    _generate_job_selector(obj, spec)


def _generate_job_selector(obj: dict, spec: dict) -> None:
    """The job strategy's ``generateSelector`` (create): labels the template, selects the uid."""
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    uid, name = md.get("uid"), md.get("name") or ""
    if spec.get("manualSelector") is True or not isinstance(uid, str) or not uid:
        return
    template = _d(spec, "template")
    tmeta = _d(template, "metadata") if template is not None else None
    labels = _d(tmeta, "labels") if tmeta is not None else None
    selector = _d(spec, "selector")
    if labels is None or selector is None:
        return
    for k in ("job-name", "batch.kubernetes.io/job-name"):
        labels.setdefault(k, name)
    for k in ("controller-uid", "batch.kubernetes.io/controller-uid"):
        labels.setdefault(k, uid)
    match = _d(selector, "matchLabels")
    if match is not None:
        match.setdefault("batch.kubernetes.io/controller-uid", uid)


def _service(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    stype = spec.get("type")
    for port in _items(spec, "ports"):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    # ExternallyAccessible: NodePort, LoadBalancer, or a ClusterIP Service with externalIPs
    externally_accessible = stype in ("NodePort", "LoadBalancer") or (stype == "ClusterIP" and spec.get("externalIPs"))
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = _d(spec, "sessionAffinityConfig")
        client = _d(cfg, "clientIP") if cfg is not None else None
        if client is not None:
            _setdefault(client, "timeoutSeconds", 10800)
    if stype != "ExternalName" and spec.get("internalTrafficPolicy") is None:
        spec["internalTrafficPolicy"] = "Cluster"
    if stype == "LoadBalancer":
        _setdefault(spec, "allocateLoadBalancerNodePorts", True)
    if stype != "ExternalName":
        cip, cips = spec.get("clusterIP"), spec.get("clusterIPs")
        if isinstance(cip, str) and cip and not cips:
            spec["clusterIPs"] = [cip]
        elif not cip and isinstance(cips, list) and cips and isinstance(cips[0], str):
            spec["clusterIP"] = cips[0]
        _setdefault(spec, "ipFamilyPolicy", "SingleStack")
        _setdefault(spec, "ipFamilies", ["IPv4"])


def _secret(obj: dict) -> None:
    if not obj.get("type"):
        obj["type"] = "Opaque"
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = _d(obj, "data")
        if data is not None:
            for k, v in string_data.items():
                if isinstance(v, str):
                    data[k] = base64.b64encode(v.encode()).decode()


def _namespace(obj: dict) -> None:
    md = obj.get("metadata")
    if not isinstance(md, dict) or not isinstance(md.get("name"), str) or not md["name"]:
        return
    labels = _d(md, "labels")
    if labels is not None:
        labels["kubernetes.io/metadata.name"] = md["name"]
    spec = _d(obj, "spec")
    if spec is not None:
        _setdefault(spec, "finalizers", ["kubernetes"])
    status = _d(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Active")


def _node(obj: dict) -> None:
    status = obj.get("status")
    if isinstance(status, dict) and status.get("capacity") is not None and status.get("allocatable") is None:
        cap = status["capacity"]
        status["allocatable"] = dict(cap) if isinstance(cap, dict) else cap


def _pv(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "persistentVolumeReclaimPolicy", "Retain")
    _setdefault(spec, "volumeMode", "Filesystem")
    if isinstance(spec.get("hostPath"), dict):
        _setdefault(spec["hostPath"], "type", "")
    status = _d(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Pending")


def _pvc(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "volumeMode", "Filesystem")
    status = _d(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Pending")


def _storage_class(obj: dict) -> None:
    _setdefault(obj, "reclaimPolicy", "Delete")
    _setdefault(obj, "volumeBindingMode", "Immediate")


def _priority_class(obj: dict) -> None:
    _setdefault(obj, "preemptionPolicy", "PreemptLowerPriority")


def _scaling_rules(rules: Any, default: dict) -> Any:
    if rules is None:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in default.items()}
    if isinstance(rules, dict):
        for k, v in default.items():
            _setdefault(rules, k, [dict(p) for p in v] if isinstance(v, list) else v)
    return rules


_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
# GenerateHPAScaleDownRules leaves stabilizationWindowSeconds unset: the controller's
# --horizontal-pod-autoscaler-downscale-stabilization flag (300 s) applies.
_SCALE_DOWN = {
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}


def _hpa(obj: dict) -> None:
    spec = _d(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        behavior["scaleUp"] = _scaling_rules(behavior.get("scaleUp"), _SCALE_UP)
        behavior["scaleDown"] = _scaling_rules(behavior.get("scaleDown"), _SCALE_DOWN)
        for rules in (behavior["scaleUp"], behavior["scaleDown"]):
            if isinstance(rules, dict) and isinstance(rules.get("policies"), list):
                rules["policies"] = [dict(p) if isinstance(p, dict) else p for p in rules["policies"]]


def _endpoints(obj: dict) -> None:
    for subset in _items(obj, "subsets"):
        for port in _items(subset, "ports"):
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def _endpoint_slice(obj: dict) -> None:
    for port in _items(obj, "ports"):
        _setdefault(port, "name", "")
        _setdefault(port, "protocol", "TCP")


_DEFAULTERS = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "DaemonSet": _daemon_set,
    "Job": _job,
    "Service": _service,
    "Secret": _secret,
    "Namespace": _namespace,
    "Node": _node,
    "PersistentVolume": _pv,
    "PersistentVolumeClaim": _pvc,
    "StorageClass": _storage_class,
    "PriorityClass": _priority_class,
    "HorizontalPodAutoscaler": _hpa,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
}


def set_defaults(kind: str, obj: dict) -> None:
    """Apply upstream defaulting for ``kind`` to ``obj`` in place (a private copy)."""
    fn = _DEFAULTERS.get(kind)
    if fn is None or not isinstance(obj, dict):
        return
    # junk that slipped past the type guards is left for validation to report
    with contextlib.suppress(TypeError, AttributeError, ValueError):
        fn(obj)
