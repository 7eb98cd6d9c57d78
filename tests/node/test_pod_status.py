"""Pod status as the kubelet writes it, and the kubectl STATUS column it makes.

Upstream: ``pkg/kubelet/kubelet_pods.go`` (``getPhase``, ``convertToAPIContainerStatuses``:
``ContainerCreating`` / ``PodInitializing`` defaults, waiting reasons, ``lastState``),
``pkg/kubelet/status/generate.go`` (conditions and their messages) and
``pkg/printers/internalversion/printers.go`` ``printPod`` (STATUS from those fields).
"""

from __future__ import annotations

import pytest
from nodetest import container, pod, status_of

from k8slearn.node.status import KUBELET_CONDITIONS

CASES = [
    ("creating", [container("app", "nginx:1.27")], {}, 0.5, "ContainerCreating",
     lambda s: s["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}),
    ("running", [container("app", "nginx:1.27")], {}, 5, "Running",
     lambda s: "running" in s["containerStatuses"][0]["state"] and s["containerStatuses"][0]["started"]),
    ("crashloop", [container(command=["sh", "-c", "exit 1"])], {}, 20, "CrashLoopBackOff",
     lambda s: s["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
     and s["containerStatuses"][0]["lastState"]["terminated"]["reason"] == "Error"),
    ("completed", [container(command=["true"])], {"restartPolicy": "Never"}, 5, "Completed",
     lambda s: s["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"),
    ("error", [container(command=["false"])], {"restartPolicy": "Never"}, 5, "Error",
     lambda s: s["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 1),
    ("oom", [container("app", "nginx:1.27", resources={"limits": {"memory": "1Mi"}})], {"restartPolicy": "Never"}, 5,
     "OOMKilled", lambda s: s["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 137),
    ("errpull", [container("app", "nginx:nope")], {}, 1.6, "ErrImagePull",
     lambda s: s["containerStatuses"][0]["state"]["waiting"]["reason"] == "ErrImagePull"),
    ("backoff", [container("app", "nginx:nope")], {}, 5, "ImagePullBackOff",
     lambda s: s["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"),
    ("config", [container("app", env=[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "no", "key": "x"}}}])], {},
     5, "CreateContainerConfigError",
     lambda s: s["containerStatuses"][0]["state"]["waiting"]["reason"] == "CreateContainerConfigError"),
    ("init", [container("app", "nginx:1.27")],
     {"initContainers": [container("setup", command=["sleep", "30"]), container("migrate", command=["true"])]}, 5,
     "Init:0/2", lambda s: [c["name"] for c in s["initContainerStatuses"]] == ["setup", "migrate"]
     and s["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "containers", "spec", "after", "column", "check"),
    CASES,
    ids=[f"{c[0]} shows {c[4]}" for c in CASES],
)
def test_each_state_carries_what_the_status_column_needs(cluster, name, containers, spec, after, column, check):
    cluster.create(pod(name, containers, **spec))
    cluster.run(after)
    status = status_of(cluster, name)
    assert check(status)
    row = cluster.kubectl(f"get pod {name}").splitlines()[1].split()
    assert row[2] == column


def test_terminating_comes_from_the_deletion_timestamp(cluster):
    cluster.create(pod("sleeper", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    cluster.delete("pod", "sleeper")
    cluster.run(2)
    assert cluster.get("pod", "sleeper")["metadata"]["deletionTimestamp"]
    assert cluster.kubectl("get pod sleeper").splitlines()[1].split()[2] == "Terminating"


def test_restarts_show_the_count_and_the_last_finish(cluster):
    cluster.create(pod("crash", [container(command=["sh", "-c", "sleep 2; exit 1"])]))
    cluster.run(30)
    cs = status_of(cluster, "crash")["containerStatuses"][0]
    assert cs["restartCount"] == 2
    row = cluster.kubectl("get pod crash").splitlines()[1]
    assert "2 (" in row and "ago)" in row


def test_conditions_come_in_upstream_order_with_messages(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(0.5)
    conds = status_of(cluster, "web")["conditions"]
    assert (
        tuple(c["type"] for c in conds)
        == KUBELET_CONDITIONS
        == (
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        )
    )
    by_type = {c["type"]: c for c in conds}
    assert by_type["PodReadyToStartContainers"]["status"] == "False"
    assert by_type["Ready"]["reason"] == "ContainersNotReady"
    assert by_type["Ready"]["message"] == "containers with unready status: [nginx]"
    assert list(by_type["Ready"]) == ["type", "observedGeneration", "status", "lastProbeTime", "lastTransitionTime",
                                      "reason", "message"]  # fmt: skip
    cluster.run(5)
    conds = status_of(cluster, "web")["conditions"]
    assert all(c["status"] == "True" for c in conds)


def test_status_fields_are_in_pod_status_order_with_ips_and_start_time(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    status = status_of(cluster, "web")
    assert list(status) == ["observedGeneration", "phase", "conditions", "hostIP", "hostIPs", "podIP", "podIPs",
                            "startTime", "containerStatuses", "qosClass"]  # fmt: skip
    assert status["hostIP"] == "192.168.0.10" and status["podIP"] == "10.244.0.2"
    assert status["startTime"] == "2026-01-01T00:00:05Z"
    cs = status["containerStatuses"][0]
    assert list(cs) == [
        "name",
        "state",
        "lastState",
        "ready",
        "restartCount",
        "image",
        "imageID",
        "containerID",
        "started",
        "volumeMounts",
    ]
    assert cs["volumeMounts"] == [
        {"name": cluster.api.get("Pod", "web", "default")["spec"]["volumes"][0]["name"], "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
         "readOnly": True, "recursiveReadOnly": "Disabled"}
    ]  # fmt: skip
    assert cs["image"] == "docker.io/library/nginx:1.27"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:") and len(cs["imageID"].split(":")[-1]) == 64
    assert cs["containerID"].startswith("containerd://") and len(cs["containerID"]) == len("containerd://") + 64


def test_init_containers_run_one_after_the_other(cluster):
    cluster.create(
        pod("init", [container("app", "nginx:1.27")],
            initContainers=[container("setup", command=["sleep", "10"]), container("migrate", command=["sleep", "5"])])
    )  # fmt: skip
    cluster.run(8)
    assert cluster.kubectl("get pod init").splitlines()[1].split()[2] == "Init:0/2"
    cluster.run(6)
    assert cluster.kubectl("get pod init").splitlines()[1].split()[2] == "Init:1/2"
    cluster.run(10)
    status = status_of(cluster, "init")
    assert status["phase"] == "Running"
    assert [c["state"]["terminated"]["reason"] for c in status["initContainerStatuses"]] == ["Completed", "Completed"]


def test_a_failed_init_container_under_never_fails_the_pod(cluster):
    cluster.create(pod("init", [container("app", "nginx:1.27")], restartPolicy="Never",
                       initContainers=[container("setup", command=["sh", "-c", "exit 2"])]))  # fmt: skip
    cluster.run(5)
    assert status_of(cluster, "init")["phase"] == "Failed"
    assert cluster.kubectl("get pod init").splitlines()[1].split()[2] == "Init:Error"


def test_a_host_network_pod_has_the_node_address(cluster):
    cluster.create(pod("hostnet", [container(command=["sleep", "3600"])], hostNetwork=True))
    cluster.create(pod("normal", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    assert status_of(cluster, "hostnet")["podIP"] == status_of(cluster, "hostnet")["hostIP"] == "192.168.0.10"
    assert status_of(cluster, "normal")["podIP"] == "10.244.0.2"


def test_a_sidecar_starts_before_the_app_and_keeps_running(cluster):
    cluster.create(
        pod("side", [container("app", "nginx:1.27")],
            initContainers=[container("log-shipper", command=["sleep", "infinity"], restartPolicy="Always"),
                            container("migrate", command=["sleep", "3"])])
    )  # fmt: skip
    cluster.run(10)
    status = status_of(cluster, "side")
    assert status["phase"] == "Running"
    init = {c["name"]: c for c in status["initContainerStatuses"]}
    assert "running" in init["log-shipper"]["state"] and init["log-shipper"]["started"] is True
    assert init["migrate"]["state"]["terminated"]["reason"] == "Completed"
    assert "running" in status["containerStatuses"][0]["state"]
