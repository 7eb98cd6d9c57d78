"""Each scenario is broken in the intended way, as a real cluster would show it (upstream strings).

Sources: kube-scheduler's FailedScheduling message (pkg/scheduler/schedule_one.go, FitError),
the kubelet's env resolution (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables:
``couldn't find key %v in ConfigMap %v/%v``), its image puller (pkg/kubelet/images),
the node lifecycle controller (``Kubelet stopped posting node status.``), the deployment
controller's progress check (``ProgressDeadlineExceeded``) and kubectl's rollout status
(``error: deployment "%s" exceeded its progress deadline``).
"""

from __future__ import annotations

import pytest
from _scenario_cases import SEEDS, built

from k8slearn.api.objects import get_condition, pod_is_ready
from k8slearn.graph import pod_status


def _events(c, reason):
    frame = c.events()
    return list(frame[frame.reason == reason].message)


def _app_pods(s):
    return s.cluster.api.list("Pod", "default", {"app": s.app})


@pytest.mark.parametrize("seed", SEEDS)
def test_pending_taint_pods_are_unschedulable_for_the_taint(seed):
    s = built("pending-taint", seed, seed % 3)
    c, node = s.cluster, s.expected["node"]
    pods = _app_pods(s)
    assert pods and all(p["status"]["phase"] == "Pending" and not p["spec"].get("nodeName") for p in pods)
    taints = c.api.get("Node", node)["spec"]["taints"]
    assert {"key": s.expected["taint"], "value": s.expected["value"], "effect": "NoSchedule"} in taints
    n = len(c.nodes())
    messages = _events(c, "FailedScheduling")
    assert messages
    for message in messages:
        assert message.startswith(f"0/{n} nodes are available: ")
        assert "1 node(s) had untolerated taint(s)" in message
        assert f"{n - 1} node(s) didn't match Pod's node affinity/selector" in message
    others = [x for x in c.nodes() if x != node]
    assert all(not c.api.get("Node", x)["spec"].get("taints") for x in others)


@pytest.mark.parametrize(("seed", "variant"), [(seed, v) for seed in SEEDS[:4] for v in (0, 1)])
def test_missing_configmap_blocks_the_container_with_the_kubelet_error(seed, variant):
    s = built("missing-configmap", seed, variant)
    name, key = s.expected["configmap"], s.expected["key"]
    pods = _app_pods(s)
    assert pods
    for pod in pods:
        waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
        assert waiting["reason"] == "CreateContainerConfigError"
        assert pod_status(pod) == "CreateContainerConfigError"
    want = f'Error: configmap "{name}" not found' if variant == 0 else f"Error: couldn't find key {key} in ConfigMap default/{name}"  # fmt: skip
    assert want in _events(s.cluster, "Failed")
    exists = s.cluster.api.get_or_none("ConfigMap", name, "default")
    assert (exists is None) == (variant == 0)


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_optional_configmap_key_gives_a_crash_loop_the_logs_explain(seed):
    s = built("missing-configmap", seed, 2)
    pod = _app_pods(s)[0]
    status = pod["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["restartCount"] >= 2
    logs = s.cluster.kubectl(f"logs {pod['metadata']['name']} --previous")
    assert f"fatal: {s.expected['env']} is not set" in logs
    assert any(m.startswith("Back-off restarting failed container") for m in _events(s.cluster, "BackOff"))


@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_selector_leaves_the_service_without_endpoints_and_rejects_traffic(seed):
    s = built("wrong-selector", seed, seed % 3)
    c, svc = s.cluster, s.expected["service"]
    assert all(pod_is_ready(p) for p in _app_pods(s)), "the pods themselves are fine"
    assert not (c.api.get("Endpoints", svc, "default").get("subsets"))
    row = c.kubectl(f"get endpoints {svc}").splitlines()[2].split()
    assert row[:2] == [svc, "<none>"]
    assert c.api.get("Service", svc, "default")["spec"]["selector"] == s.expected["wrong"]
    assert c.send_traffic(svc, requests=50)["requests"].sum() == 0
    trace = c.trace_request(svc)
    assert "REJECT" in " ".join(trace["action"])


@pytest.mark.parametrize(("seed", "variant"), [(seed, v) for seed in SEEDS[:4] for v in (0, 1)])
def test_notready_node_is_unknown_tainted_and_its_pods_leave(seed, variant):
    s = built("node-notready", seed, variant)
    c, name = s.cluster, s.expected["node"]
    node = c.api.get("Node", name)
    ready = get_condition(node["status"], "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")  # fmt: skip
    assert {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"} in [
        {k: t[k] for k in ("key", "effect")} for t in node["spec"]["taints"]
    ]
    assert f"Node {name} status is now: NodeNotReady" in _events(c, "NodeNotReady")
    on_node = [p for p in _app_pods(s) if p["spec"].get("nodeName") == name]
    assert on_node
    if variant == 0:
        assert all(not pod_is_ready(p) and not p["metadata"].get("deletionTimestamp") for p in on_node)
        assert not _events(c, "TaintManagerEviction")
    else:
        assert all(pod_status(p) == "Terminating" for p in on_node)
        evictions = _events(c, "TaintManagerEviction")
        assert f"Marking for deletion Pod default/{on_node[0]['metadata']['name']}" in evictions
        deploy = c.api.get("Deployment", s.app, "default")
        assert deploy["status"]["availableReplicas"] == deploy["spec"]["replicas"], "replacements run elsewhere"


@pytest.mark.parametrize("seed", SEEDS)
def test_bad_image_rollout_exceeds_its_progress_deadline(seed):
    s = built("bad-image", seed, seed % 3)
    c, app, bad = s.cluster, s.app, s.expected["image"]
    deploy = c.api.get("Deployment", app, "default")
    progressing = get_condition(deploy["status"], "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"] == f'ReplicaSet "{_new_rs(c, app)}" has timed out progressing.'
    assert c.kubectl(f"rollout status deployment/{app}").strip() == (
        f'error: deployment "{app}" exceeded its progress deadline')  # fmt: skip
    new = [p for p in _app_pods(s) if p["spec"]["containers"][0]["image"] == bad]
    assert new and all(pod_status(p) in ("ImagePullBackOff", "ErrImagePull") for p in new)
    assert any(m.startswith(f'Failed to pull image "{bad}": rpc error: ') for m in _events(c, "Failed"))
    old = [p for p in _app_pods(s) if p["spec"]["containers"][0]["image"] == s.expected["good"]]
    assert old and all(pod_is_ready(p) for p in old), "the old pods keep serving"


def _new_rs(c, app):
    deploy = c.api.get("Deployment", app, "default")
    revision = deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    for rs in c.api.list("ReplicaSet", "default"):
        if rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision") == revision:
            return rs["metadata"]["name"]
    raise AssertionError("no ReplicaSet of the current revision")


@pytest.mark.parametrize("seed", SEEDS)
def test_insufficient_resources_names_the_short_resource(seed):
    s = built("insufficient-resources", seed, seed % 3)
    c, n = s.cluster, len(s.cluster.nodes())
    pods = _app_pods(s)
    assert pods and all(not p["spec"].get("nodeName") for p in pods)
    want = f"0/{n} nodes are available: {n} Insufficient {s.expected['resource']}."
    messages = _events(c, "FailedScheduling")
    assert messages and all(m.startswith(want) for m in messages)


@pytest.mark.parametrize("seed", SEEDS)
def test_failing_readiness_keeps_running_pods_out_of_the_endpoints(seed):
    s = built("failing-readiness", seed, seed % 3)
    c = s.cluster
    pods = _app_pods(s)
    assert all(pod_status(p) == "Running" and not pod_is_ready(p) for p in pods)
    assert all(p["status"]["containerStatuses"][0]["restartCount"] == 0 for p in pods), "readiness never restarts"
    ep = c.api.get("Endpoints", s.service_name, "default")
    not_ready = sorted(a["ip"] for sub in ep["subsets"] for a in sub.get("notReadyAddresses", ()))
    assert not_ready == sorted(p["status"]["podIP"] for p in pods)
    assert not any(sub.get("addresses") for sub in ep["subsets"])
    messages = _events(c, "Unhealthy")
    assert messages and all(m.startswith("Readiness probe failed: ") for m in messages)
    if s.variant == 1:
        assert "Readiness probe failed: HTTP probe failed with statuscode: 404" in messages
    else:
        assert all(m.endswith("connect: connection refused") for m in messages)
