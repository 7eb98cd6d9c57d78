"""Graceful termination: Killing events, SIGTERM, SIGKILL after the grace period, delete with grace 0.

Upstream: ``pkg/kubelet/kuberuntime/kuberuntime_container.go`` ``killContainer``
(``Stopping container %s``, preStop hook first, ``minimumGracePeriodInSeconds`` 2),
``pkg/registry/core/pod/strategy.go`` (``deletionGracePeriodSeconds`` from
``terminationGracePeriodSeconds``, default 30), and the status manager, which deletes the
pod with grace 0 once every container stopped.
"""

from __future__ import annotations

import pytest
from nodetest import container, events_of, pod


def _gone(cluster, name):
    return cluster.api.get_or_none("Pod", name, "default") is None


def test_nginx_stops_at_once_and_the_pod_is_deleted(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    cluster.delete("pod", "web")
    assert cluster.get("pod", "web")["metadata"]["deletionGracePeriodSeconds"] == 30
    cluster.run(1)
    assert _gone(cluster, "web")
    assert ("Normal", "Killing", "Stopping container nginx") in events_of(cluster, "web")


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period(cluster):
    cluster.create(pod("sleeper", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    cluster.delete("pod", "sleeper")
    deleted_at = cluster.now
    cluster.run(29)
    pod_obj = cluster.get("pod", "sleeper")
    assert pod_obj["metadata"]["deletionTimestamp"]  # kubectl shows Terminating
    assert pod_obj["status"]["containerStatuses"][0]["state"].get("running")
    cluster.run_until(lambda c: _gone(c, "sleeper"), timeout=5)
    assert cluster.now - deleted_at == pytest.approx(30)


def test_a_shorter_grace_period_from_the_delete_request_wins(cluster):
    cluster.create(pod("sleeper", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    cluster.delete("pod", "sleeper", grace_period=5)
    start = cluster.now
    cluster.run_until(lambda c: _gone(c, "sleeper"), timeout=10)
    assert cluster.now - start == pytest.approx(5)


def test_termination_grace_period_seconds_in_the_spec_is_the_default(cluster):
    cluster.create(pod("sleeper", [container(command=["sleep", "3600"])], terminationGracePeriodSeconds=10))
    cluster.run(5)
    cluster.delete("pod", "sleeper")
    start = cluster.now
    cluster.run_until(lambda c: _gone(c, "sleeper"), timeout=20)
    assert cluster.now - start == pytest.approx(10)


def test_a_trap_makes_a_script_stop_promptly(cluster):
    cluster.create(pod("trap", [container(command=["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"])]))
    cluster.run(5)
    cluster.delete("pod", "trap")
    start = cluster.now
    cluster.run_until(lambda c: _gone(c, "trap"), timeout=10)
    assert cluster.now - start < 1


def test_a_pre_stop_sleep_delays_sigterm(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27", lifecycle={"preStop": {"sleep": {"seconds": 8}}})]))
    cluster.run(5)
    cluster.delete("pod", "web")
    start = cluster.now
    cluster.run_until(lambda c: _gone(c, "web"), timeout=40)
    assert cluster.now - start == pytest.approx(8.1)


def test_the_last_status_before_deletion_is_terminal(cluster):
    seen = []
    watch = cluster.api.watch("Pod", lambda e: seen.append((e.type, (e.object.get("status") or {}).get("phase"))))
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    cluster.delete("pod", "web")
    cluster.run(2)
    watch.stop()
    assert seen[-2:] == [("MODIFIED", "Succeeded"), ("DELETED", "Succeeded")]


def test_force_deletion_kills_the_containers_at_once(cluster):
    cluster.create(pod("sleeper", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    kubelet = cluster.kubelet("node-1")
    c = kubelet.pod_worker("sleeper").slots[0].current
    cluster.delete("pod", "sleeper", grace_period=0)
    cluster.run(0.1)
    assert c.state == "exited" and c.exit_code == 137
    assert "sleeper" not in {k[1] for k in kubelet.by_key}
