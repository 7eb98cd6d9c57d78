"""Liveness, readiness and startup probes: defaults, thresholds, events and effects.

Upstream: ``pkg/apis/core/v1/defaults.go`` ``SetDefaults_Probe`` (delay 0, timeout 1,
period 10, success 1, failure 3), ``pkg/kubelet/prober/worker.go`` (thresholds, initial
results: readiness Failure, liveness Success; a startup probe gates the others),
``pkg/kubelet/prober/prober.go`` (``"%s probe failed: %s"``), ``pkg/probe/http`` and the
"Configure Liveness, Readiness and Startup Probes" task page (liveness-exec example).
"""

from __future__ import annotations

import math

import pytest
from nodetest import container, container_status, events_of, pod, status_of

from k8slearn.node.probes import PROBE_DEFAULTS, describe_probe, probe_spec


def test_probe_defaults_are_upstreams():
    assert PROBE_DEFAULTS == {
        "initialDelaySeconds": 0,
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    spec = probe_spec({"name": "c", "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}, "liveness")
    assert describe_probe(spec) == "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"


def test_the_liveness_exec_example_restarts_after_three_failures(cluster):
    """The docs' liveness-exec pod: /tmp/healthy is removed after 30 s; the probe runs every 5 s."""
    cluster.create(
        pod(
            "liveness-exec",
            [
                container(
                    "liveness",
                    "registry.k8s.io/busybox",
                    args=["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                    livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5,
                                   "periodSeconds": 5},
                )
            ],
        )
    )  # fmt: skip
    cluster.run(60)
    events = events_of(cluster, "liveness-exec")
    unhealthy = [e for e in events if e[1] == "Unhealthy"]
    assert unhealthy[0] == (
        "Warning",
        "Unhealthy",
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
    )
    assert len(unhealthy) == 3
    assert ("Normal", "Killing", "Container liveness failed liveness probe, will be restarted") in events
    # busybox's sleep ignores SIGTERM as PID 1: SIGKILL after the 30 s grace period, exit 137
    cluster.run(40)
    cs = container_status(cluster, "liveness-exec")
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["exitCode"] == 137


def test_readiness_failures_mark_the_pod_unready_without_a_restart(cluster):
    cluster.create(
        pod(
            "web",
            [
                container(
                    "nginx", "nginx:1.27", readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}
                )
            ],
            annotations={"k8slearn.io/readiness-fails-after": "30-60"},
        )
    )
    cluster.run(25)
    assert container_status(cluster, "web")["ready"] is True
    cluster.run(25)  # t = 50: three failures at 30, 35, 40 (failureThreshold 3)
    status = status_of(cluster, "web")
    cs = status["containerStatuses"][0]
    assert cs["ready"] is False and cs["restartCount"] == 0
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [nginx]",
    )
    assert ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500") in events_of(
        cluster, "web"
    )
    cluster.run(30)  # the window ends at 60 s
    assert container_status(cluster, "web")["ready"] is True


def test_failure_threshold_counts_consecutive_failures(cluster):
    cluster.create(
        pod(
            "web",
            [container("nginx", "nginx:1.27",
                       livenessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 5})],
            annotations={"k8slearn.io/liveness-fails-after": "20"},
        )
    )  # fmt: skip
    cluster.run(55)  # failures at ~22, 32, 42, 52: four, not yet five
    assert container_status(cluster, "web")["restartCount"] == 0
    assert not any(e[1] == "Killing" for e in events_of(cluster, "web"))
    cluster.run(15)
    assert any(e[1] == "Killing" for e in events_of(cluster, "web"))


def test_readiness_needs_success_threshold_successes(cluster):
    cluster.create(
        pod(
            "web",
            [container("nginx", "nginx:1.27",
                       readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5, "successThreshold": 3})],
        )
    )  # fmt: skip
    cluster.run(5)
    worker = cluster.kubelet("node-1").pod_worker("web")
    started = worker.slots[0].current.started_at
    # the prober ticks every 5 s from when the kubelet took the pod (t0), once the container runs
    first = worker.start_time + 5 * math.ceil((started - worker.start_time) / 5)
    cluster.clock.run_to(first + 9)  # two successes
    assert container_status(cluster, "web")["ready"] is False
    cluster.clock.run_to(first + 10)  # the third
    assert container_status(cluster, "web")["ready"] is True


def test_a_startup_probe_holds_back_liveness_until_it_succeeds(cluster):
    cluster.create(
        pod(
            "slow",
            [container("app", "nginx:1.27",
                       startupProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 30},
                       livenessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10})],
            annotations={"k8slearn.io/startup-seconds": "45"},
        )
    )  # fmt: skip
    cluster.run(30)
    cs = container_status(cluster, "slow")
    assert cs["started"] is False and cs["ready"] is False and cs["restartCount"] == 0
    messages = [e[2] for e in events_of(cluster, "slow") if e[1] == "Unhealthy"]
    assert messages and all(m.startswith('Startup probe failed: Get "http://10.244.0.2:80/"') for m in messages)
    cluster.run(30)
    cs = container_status(cluster, "slow")
    assert cs["started"] is True and cs["ready"] is True and cs["restartCount"] == 0


def test_a_failed_startup_probe_restarts_the_container(cluster):
    cluster.create(
        pod(
            "stuck",
            [container("app", "nginx:1.27",
                       startupProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5, "failureThreshold": 2})],
            annotations={"k8slearn.io/startup-seconds": "1000"},
        )
    )  # fmt: skip
    cluster.run(20)
    assert ("Normal", "Killing", "Container app failed startup probe, will be restarted") in events_of(cluster, "stuck")


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ({"httpGet": {"path": "/healthz", "port": 80}}, "HTTP probe failed with statuscode: 404"),
        ({"httpGet": {"path": "/", "port": 8080}},
         'Get "http://10.244.0.2:8080/": dial tcp 10.244.0.2:8080: connect: connection refused'),
        ({"tcpSocket": {"port": 8080}}, "dial tcp 10.244.0.2:8080: connect: connection refused"),
    ],
    ids=["nginx answers 404 for a path it does not serve", "nothing listens on 8080 (HTTP)", "nothing listens on 8080 (TCP)"],
)  # fmt: skip
def test_probe_failure_messages_are_the_probers(cluster, probe, message):
    cluster.create(pod("web", [container("nginx", "nginx:1.27", readinessProbe=probe)]))
    cluster.run(15)
    assert ("Warning", "Unhealthy", f"Readiness probe failed: {message}") in events_of(cluster, "web")


def test_a_healthy_probe_costs_no_clock_events(cluster):
    cluster.create(
        pod("web", [container("nginx", "nginx:1.27", livenessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 1})])
    )
    cluster.run(10)
    runs = []
    cluster.clock.hooks.append(lambda entry: runs.append(entry) if "probe" in entry.label else None)
    cluster.run(3600)
    assert runs == []  # one hour of a healthy 1 s liveness probe: nothing to run
