"""Node registration, heartbeats (Lease and node status) and the read-only port.

Upstream: ``pkg/kubelet/kubelet_node_status.go`` (registration, conditions and their
reasons, ``nodeStatusUpdateFrequency`` 10 s, ``nodeStatusReportFrequency`` 5 min),
``pkg/kubelet/nodelease`` (renew every 10 s, ``leaseDurationSeconds`` 40),
``pkg/kubelet/server/server.go`` (``/healthz`` answers ``ok``; ``/pods`` a v1 PodList of
the pods bound to the node; ``/spec/`` cAdvisor's MachineInfo) and
``google/cadvisor`` ``lib/model/machine.go`` (MachineInfo JSON field order).
"""

from __future__ import annotations

import pytest
from nodetest import container, pod

import k8slearn as kl
from k8slearn.clock import parse_timestamp
from k8slearn.node.kubelet import LEASE_DURATION, NODE_STARTUP_SECONDS


def _ready(c, node):
    conds = {x["type"]: x for x in c.get("node", node)["status"]["conditions"]}
    return conds["Ready"]


def test_a_new_node_registers_not_ready_then_turns_ready():
    c = kl.Cluster(seed=0)
    c.add_node("node-1")
    ready = _ready(c, "node-1")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "KubeletNotReady",
        "container runtime status check may not have completed yet",
    )
    c.run(NODE_STARTUP_SECONDS)
    ready = _ready(c, "node-1")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "True",
        "KubeletReady",
        "kubelet is posting ready status",
    )
    node = c.get("node", "node-1")
    assert node["status"]["allocatable"] == node["status"]["capacity"]
    info = node["status"]["nodeInfo"]
    assert len(info["machineID"]) == 32 and info["kubeletVersion"] == "v1.36.0"
    assert info["containerRuntimeVersion"] == "containerd://2.1.0"
    assert [a["type"] for a in node["status"]["addresses"]] == ["InternalIP", "Hostname"]


def test_the_lease_is_renewed_every_10_seconds(cluster):
    lease = cluster.get("lease", "node-1", "kube-node-lease")
    assert lease["spec"]["leaseDurationSeconds"] == LEASE_DURATION == 40
    times = []
    for _ in range(3):
        cluster.run(10)
        times.append(parse_timestamp(cluster.get("lease", "node-1", "kube-node-lease")["spec"]["renewTime"]))
    assert [b - a for a, b in zip(times, times[1:])] == [10, 10]


def test_fail_node_stops_lease_renewals_and_recover_resumes_them(cluster):
    renew = lambda: cluster.get("lease", "node-2", "kube-node-lease")["spec"]["renewTime"]  # noqa: E731
    before = renew()
    cluster.fail_node("node-2")
    cluster.run(120)
    assert renew() == before
    assert cluster.get("lease", "node-1", "kube-node-lease")["spec"]["renewTime"] != before
    cluster.recover_node("node-2")
    assert parse_timestamp(renew()) == pytest.approx(cluster.now, abs=1)


def test_a_stopped_kubelet_writes_no_pod_status_and_its_port_refuses(cluster):
    cluster.create(pod("crash", [container(command=["sh", "-c", "sleep 20; exit 1"])], node="node-2"))
    cluster.run(5)
    cluster.fail_node("node-2")
    since = cluster.now
    cluster.run(60)
    writes = [a for a in cluster.api.audit if a.time > since and a.user == "kubelet/node-2"]
    assert writes == []
    with pytest.raises(ConnectionRefusedError, match="dial tcp 192.168.0.11:10255: connect: connection refused"):
        cluster.kubelet("node-2").get("/healthz")
    cluster.recover_node("node-2")
    cluster.run(2)
    cs = cluster.get("pod", "crash")["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1  # the exit that happened while it was down is seen and acted on


def test_node_status_is_posted_only_when_it_changed_or_every_5_minutes(cluster):
    writes = []
    watch = cluster.api.watch("Node", lambda e: writes.append(cluster.now) if e.object["metadata"]["name"] == "node-1"
                              else None)  # fmt: skip
    cluster.run(600)
    watch.stop()
    # Ready was posted at t=1; nothing changed since: the next report comes with the first tick >= 301 s
    assert [round(w) for w in writes] == [310]


def test_healthz_answers_ok(cluster):
    assert cluster.kubelet("node-1").get("/healthz") == "ok"
    assert cluster.kubelet("node-1").get("/nope") == "404 page not found"


def test_pods_lists_exactly_the_pods_bound_to_the_node(cluster):
    for i in range(3):
        cluster.create(pod(f"a{i}", [container(command=["sleep", "3600"])], node="node-1"))
    cluster.create(pod("b0", [container(command=["sleep", "3600"])], node="node-2"))
    cluster.run(5)
    body = cluster.kubelet("node-1").get("/pods")
    assert (body["kind"], body["apiVersion"], body["metadata"]) == ("PodList", "v1", {})
    assert [p["metadata"]["name"] for p in body["items"]] == ["a0", "a1", "a2"]
    assert list(body["items"][0]) == ["metadata", "spec", "status"]
    assert body["items"][0]["status"]["phase"] == "Running"
    assert [p["metadata"]["name"] for p in cluster.kubelet("node-2").get("/pods")["items"]] == ["b0"]


def test_spec_is_cadvisor_machine_info_in_field_order(cluster):
    info = cluster.kubelet("node-1").get("/spec/")
    assert list(info)[:12] == ["timestamp", "vendor_id", "num_cores", "num_physical_cores", "num_sockets",
                               "cpu_frequency_khz", "memory_capacity", "swap_capacity", "memory_by_type", "nvm",
                               "hugepages", "machine_id"]  # fmt: skip
    assert list(info)[12:] == ["system_uuid", "boot_id", "filesystems", "disk_map", "network_devices", "topology",
                               "cloud_provider", "instance_type", "instance_id"]  # fmt: skip
    assert (info["num_cores"], info["memory_capacity"]) == (4, 8 * 2**30)
    node_info = cluster.get("node", "node-1")["status"]["nodeInfo"]
    assert (info["machine_id"], info["system_uuid"], info["boot_id"]) == (
        node_info["machineID"],
        node_info["systemUUID"],
        node_info["bootID"],
    )
    assert "app direct_mode_capacity" in info["nvm"]  # the upstream JSON tag really has a space


def test_serve_exposes_the_endpoints_on_loopback_only(cluster):
    import json
    import urllib.request

    kubelet = cluster.kubelet("node-1")
    url = kubelet.serve()
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
            assert r.read() == b"ok"
        with urllib.request.urlopen(url + "/pods", timeout=5) as r:
            body = r.read()
            assert body.endswith(b"\n") and b"\n" not in body[:-1]  # one compact line
            assert json.loads(body)["kind"] == "PodList"
        with urllib.request.urlopen(url + "/spec/", timeout=5) as r:
            assert r.read().startswith(b'{\n "timestamp": ')  # go-restful's one-space indent
    finally:
        kubelet.shutdown()


def test_what_runs_on_a_node_does_not_shift_the_clusters_random_choices():
    """Container IDs come from the machine's own generator (seeded once from cluster.rng).

    (Events are API objects with random UIDs, so they are switched off here: the point is
    that restarting containers draws nothing from the cluster's generator.)
    """

    def generated_name(command: str) -> str:
        c = kl.Cluster(seed=3, record_events=False)
        c.add_node("node-1")
        c.run(2)
        c.create(pod("p", [container(command=["sh", "-c", command])]))
        c.run(300)
        made = c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}})
        return made[0]["metadata"]["name"]

    assert generated_name("sleep 3600") == generated_name("exit 1")  # 0 restarts vs a crash loop
