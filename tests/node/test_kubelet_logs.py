"""``kubelet.logs``: what containers printed, and the errors the API server and kubelet give.

Upstream: ``pkg/registry/core/pod/strategy.go`` ``LogLocation`` (``a container name must be
specified for pod %s, choose one of: [%s]``, ``container %s is not valid for pod %s``) and
``pkg/kubelet/kubelet_pods.go`` ``validateContainerLogStatus`` (``previous terminated
container %q in pod %q not found``, ``container %q in pod %q is waiting to start: ...``).
"""

from __future__ import annotations

import pytest
from nodetest import container, pod

from k8slearn.api.errors import ApiError


def _logs(cluster, *args, **kwargs):
    return cluster.kubelet("node-1").logs(*args, **kwargs)


def test_echo_lines_and_timestamps(cluster):
    cluster.create(pod("hello", [container(command=["sh", "-c", "echo one; sleep 2; echo two; sleep 3600"])]))
    cluster.run(10)
    assert _logs(cluster, "hello") == "one\ntwo\n"
    assert _logs(cluster, "hello", tail=1) == "two\n"
    stamped = _logs(cluster, "hello", timestamps=True).splitlines()
    assert stamped[0].endswith("Z one") and stamped[0].startswith("2026-01-01T00:00:06.")


def test_previous_shows_the_last_terminated_instance(cluster):
    cluster.create(pod("crash", [container(command=["sh", "-c", "echo boom; exit 1"])]))
    cluster.run(5)
    assert _logs(cluster, "crash", previous=True) == "boom\n"


def test_previous_without_a_terminated_instance_is_an_error(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    with pytest.raises(ApiError, match='previous terminated container "nginx" in pod "web" not found'):
        _logs(cluster, "web", previous=True)


def test_a_multi_container_pod_needs_a_container_name(cluster):
    cluster.create(pod("two", [container("a", command=["sleep", "3600"]), container("b", command=["sleep", "3600"])],
                       initContainers=[container("init", command=["true"])]))  # fmt: skip
    cluster.run(5)
    with pytest.raises(ApiError) as err:
        _logs(cluster, "two")
    assert err.value.message == (
        "a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [init]"
    )
    with pytest.raises(ApiError, match="container c is not valid for pod two"):
        _logs(cluster, "two", container="c")


def test_a_waiting_container_has_no_logs_yet(cluster):
    cluster.create(pod("bad", [container("app", "nginx:nope")]))
    cluster.run(5)
    with pytest.raises(
        ApiError, match='container "app" in pod "bad" is waiting to start: trying and failing to pull image'
    ):
        _logs(cluster, "bad")


def test_nginx_prints_its_start_up_lines(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    lines = _logs(cluster, "web").splitlines()
    assert (
        lines[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    )
    assert lines[-1].endswith("[notice] 1#1: start worker process 29")


def test_same_seed_same_event_log():
    import k8slearn as kl

    def run() -> list:
        c = kl.Cluster.demo(nodes=2, seed=7)
        c.create(pod("crash", [container(command=["sh", "-c", "sleep 1; exit 1"])]))
        c.create(pod("web", [container("nginx", "nginx:1.27")], node="node-2"))
        c.run(120)
        return [(r.time, r.reason, r.message) for r in c.event_log.records] + [
            c.get("pod", "crash")["status"]["containerStatuses"][0]["containerID"]
        ]

    assert run() == run()
