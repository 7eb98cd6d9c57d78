"""Defaulting as upstream ``SetDefaults_*`` (pkg/apis/*/v1/defaults.go, autoscaling/v2)."""

from __future__ import annotations

import base64

import pytest

from k8slearn.api.defaults import image_pull_policy, set_defaults


def _pod():
    return {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_pod_spec_defaults_match_a_real_pod():
    pod = _pod()
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    set_defaults("Pod", pod)
    spec, c = pod["spec"], pod["spec"]["containers"][0]
    assert (spec["restartPolicy"], spec["terminationGracePeriodSeconds"], spec["dnsPolicy"]) == (
        "Always",
        30,
        "ClusterFirst",
    )
    assert (spec["schedulerName"], spec["securityContext"], spec["enableServiceLinks"]) == (
        "default-scheduler",
        {},
        True,
    )
    assert (c["terminationMessagePath"], c["terminationMessagePolicy"]) == ("/dev/termination-log", "File")
    assert c["imagePullPolicy"] == "Always"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


@pytest.mark.parametrize(
    "image,policy",
    [("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
     ("registry:5000/app", "Always"), ("registry:5000/app:v2", "IfNotPresent"),
     ("nginx@sha256:2834dc507516af02784808c5f48b7cbe38b8ed5d0f4837f16e78d00deb7e7767", "IfNotPresent")],
    ids=["no tag", "latest", "a tag", "a registry port", "a registry port and a tag", "a digest counts as a tag"],
)  # fmt: skip
def test_image_pull_policy(image, policy):
    assert image_pull_policy(image) == policy


def test_limits_are_copied_into_missing_requests_for_pods_only():
    pod = _pod()
    pod["spec"]["containers"][0]["resources"] = {
        "limits": {"cpu": "500m", "memory": "128Mi"},
        "requests": {"cpu": "100m"},
    }
    set_defaults("Pod", pod)
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    d = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "x", "resources": {"limits": {"cpu": "1"}}}]}}}}  # fmt: skip
    set_defaults("Deployment", d)
    assert "requests" not in d["spec"]["template"]["spec"]["containers"][0]["resources"]


def test_probe_defaults():
    pod = _pod()
    pod["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"port": 80}}
    set_defaults("Pod", pod)
    assert pod["spec"]["containers"][0]["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3,
    }  # fmt: skip


def test_volume_defaults():
    pod = _pod()
    pod["spec"]["volumes"] = [{"name": "a"}, {"name": "b", "configMap": {"name": "cm"}}]
    set_defaults("Pod", pod)
    assert pod["spec"]["volumes"] == [
        {"name": "a", "emptyDir": {}},
        {"name": "b", "configMap": {"name": "cm", "defaultMode": 420}},
    ]


def test_deployment_defaults():
    d = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}
    set_defaults("Deployment", d)
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    assert "minReadySeconds" not in spec  # the zero value is omitted, not written
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_recreate_strategy_gets_no_rolling_update():
    d = {"kind": "Deployment", "spec": {"strategy": {"type": "Recreate"}}}
    set_defaults("Deployment", d)
    assert d["spec"]["strategy"] == {"type": "Recreate"}


def test_replica_set_and_daemon_set_defaults():
    rs = {"spec": {}}
    set_defaults("ReplicaSet", rs)
    assert rs["spec"]["replicas"] == 1
    ds = {"spec": {}}
    set_defaults("DaemonSet", ds)
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["revisionHistoryLimit"] == 10


def test_job_defaults_and_generated_selector():
    job = {"metadata": {"name": "pi", "uid": "u-1"},
           "spec": {"template": {"metadata": {"labels": {"app": "pi"}}, "spec": {"containers": [{"name": "c", "image": "perl"}]}}}}  # fmt: skip
    set_defaults("Job", job)
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert (spec["completionMode"], spec["suspend"], spec["manualSelector"]) == ("NonIndexed", False, False)
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert job["metadata"]["labels"] == {"app": "pi"}
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    assert spec["template"]["metadata"]["labels"] == {
        "app": "pi", "job-name": "pi", "batch.kubernetes.io/job-name": "pi",
        "controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1",
    }  # fmt: skip


def test_service_defaults():
    s = {"spec": {"ports": [{"port": 80}], "type": "NodePort"}}
    set_defaults("Service", s)
    spec = s["spec"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (spec["sessionAffinity"], spec["externalTrafficPolicy"], spec["internalTrafficPolicy"]) == (
        "None",
        "Cluster",
        "Cluster",
    )
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("SingleStack", ["IPv4"])
    c = {"spec": {"ports": [{"port": 80}]}}
    set_defaults("Service", c)
    assert c["spec"]["type"] == "ClusterIP" and "externalTrafficPolicy" not in c["spec"]


def test_secret_string_data_is_merged_into_data():
    s = {"stringData": {"password": "hunter2"}, "data": {"user": "YWRtaW4="}}
    set_defaults("Secret", s)
    assert s == {"type": "Opaque", "data": {"user": "YWRtaW4=", "password": base64.b64encode(b"hunter2").decode()}}


def test_storage_defaults():
    pv, pvc, sc = {"spec": {}}, {"spec": {}}, {}
    set_defaults("PersistentVolume", pv)
    set_defaults("PersistentVolumeClaim", pvc)
    set_defaults("StorageClass", sc)
    assert (pv["spec"]["persistentVolumeReclaimPolicy"], pv["spec"]["volumeMode"]) == ("Retain", "Filesystem")
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert sc == {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}


def test_hpa_defaults():
    h = {"spec": {"maxReplicas": 5}}
    set_defaults("HorizontalPodAutoscaler", h)
    assert h["spec"]["minReplicas"] == 1
    assert h["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    assert "behavior" not in h["spec"]  # only a given behavior is completed
    h = {"spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}
    set_defaults("HorizontalPodAutoscaler", h)
    b = h["spec"]["behavior"]
    assert b["scaleUp"] == {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]}  # fmt: skip
    assert b["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                              "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}  # fmt: skip


def test_namespace_gets_its_name_label():
    ns = {"metadata": {"name": "dev"}}
    set_defaults("Namespace", ns)
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "dev"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}


@pytest.mark.parametrize(
    "kind", ["Pod", "Deployment", "Job", "Service", "Secret", "HorizontalPodAutoscaler", "Namespace"]
)
@pytest.mark.parametrize(
    "junk", [{"spec": "x"}, {"spec": {"containers": "x", "ports": 3}}, {"metadata": [1]}, {"stringData": 5}]
)
def test_junk_does_not_raise(kind, junk):
    set_defaults(kind, junk)
