"""Container restarts: restartPolicy, the CrashLoopBackOff series and its reset.

Upstream: ``pkg/kubelet/kuberuntime/kuberuntime_manager.go`` ``doBackOff`` (checks the
back-off keyed by the exit time, ``Next`` doubles it), ``client-go/util/flowcontrol``
``Backoff`` (initial 10 s, ``MaxContainerBackOff`` 300 s, an entry expires after
2 x max = 600 s), and the pod-lifecycle docs: "Initial crash: Kubernetes attempts an
immediate restart ... Repeated crashes: ... exponential backoff delay".
"""

from __future__ import annotations

import pytest
from nodetest import container, container_status, events_of, pod, status_of

from k8slearn.node.podworker import SYNC_LATENCY


def _delays(cluster, name: str) -> list[float]:
    history = cluster.kubelet("node-1").container_history(name)
    return [round(b["started"] - a["finished"], 3) for a, b in zip(history, history[1:])]


def test_the_restart_delays_double_from_10s_to_a_300s_cap(cluster):
    # busybox:1.36 is IfNotPresent, so a restart does not wait for a pull
    cluster.create(pod("crash", [container(command=["sh", "-c", "exit 1"])]))
    cluster.run(1500)
    delays = _delays(cluster, "crash")
    assert delays[0] == SYNC_LATENCY  # the first restart is immediate (the next pod sync)
    assert delays[1:8] == [10, 20, 40, 80, 160, 300, 300]


def test_the_back_off_message_and_event_name_the_delay_and_the_pod(cluster):
    cluster.create(pod("crash", [container(command=["sh", "-c", "exit 1"])]))
    cluster.run(60)
    status = status_of(cluster, "crash")
    uid = cluster.get("pod", "crash")["metadata"]["uid"]
    waiting = status["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "CrashLoopBackOff"
    assert waiting["message"] == f"back-off 40s restarting failed container=app pod=crash_default({uid})"
    assert ("Warning", "BackOff", f"Back-off restarting failed container app in pod crash_default({uid})") in events_of(
        cluster, "crash"
    )


def test_back_off_durations_are_written_like_go_durations(cluster):
    cluster.create(pod("crash", [container(command=["sh", "-c", "exit 1"])]))
    cluster.run(120)
    assert "back-off 1m20s restarting" in container_status(cluster, "crash")["state"]["waiting"]["message"]
    cluster.run(600)
    assert "back-off 5m0s restarting" in container_status(cluster, "crash")["state"]["waiting"]["message"]


def test_the_back_off_is_forgotten_after_600s_of_clean_running(cluster):
    # crashes quickly three times (back-off grows to 40 s), then a long run of 700 s
    cluster.create(pod("flaky", [container(command=["sh", "-c", "sleep 2; exit 1"])]))
    cluster.run(50)
    worker = cluster.kubelet("node-1").pod_worker("flaky")
    slot = worker.slots[0]
    assert slot.backoff >= 20
    # make the next instance run 700 s before it fails
    from k8slearn.node.shell import Program

    c = slot.current
    cluster.run_until(lambda cl: slot.current is not c and slot.current.state == "running", timeout=400)
    running = slot.current
    running.timer.cancel()
    running.timer = cluster.clock.schedule(700, lambda: cluster.kubelet("node-1").runtime._exit(running, 1, "Error"))
    assert isinstance(running.behaviour.program, Program)
    cluster.run(702)
    history = cluster.kubelet("node-1").container_history("flaky")
    last, new = history[-2], history[-1]
    assert last["finished"] - last["started"] == pytest.approx(700)
    assert new["started"] - last["finished"] == SYNC_LATENCY  # treated like a first crash again


@pytest.mark.parametrize(
    ("policy", "code", "restarts", "phase", "state"),
    [
        ("Always", 0, True, "Running", "CrashLoopBackOff"),
        ("Always", 1, True, "Running", "CrashLoopBackOff"),
        ("OnFailure", 0, False, "Succeeded", "Completed"),
        ("OnFailure", 3, True, "Running", "CrashLoopBackOff"),
        ("Never", 0, False, "Succeeded", "Completed"),
        ("Never", 3, False, "Failed", "Error"),
    ],
    ids=[
        "Always restarts a container that exits 0",
        "Always restarts a container that fails",
        "OnFailure leaves a clean exit alone and the pod Succeeded",
        "OnFailure restarts a failing container",
        "Never leaves a clean exit alone and the pod Succeeded",
        "Never leaves a failure alone and the pod Failed",
    ],
)
def test_restart_policy_decides_restarts_and_phase(cluster, policy, code, restarts, phase, state):
    cluster.create(pod("p", [container(command=["sh", "-c", f"sleep 1; exit {code}"])], restartPolicy=policy))
    cluster.run(30)
    status = status_of(cluster, "p")
    cs = status["containerStatuses"][0]
    assert status["phase"] == phase
    assert (cs["restartCount"] > 0) == restarts
    if restarts:
        assert cs["state"]["waiting"]["reason"] == state
        assert cs["lastState"]["terminated"]["exitCode"] == code
    else:
        assert cs["state"]["terminated"]["reason"] == state
        assert cs["state"]["terminated"]["exitCode"] == code
        assert cs["restartCount"] == 0


def test_a_terminal_pod_gives_its_ip_back(cluster):
    cluster.create(pod("done", [container(command=["true"])], restartPolicy="Never"))
    cluster.run(5)
    assert status_of(cluster, "done")["phase"] == "Succeeded"
    assert status_of(cluster, "done")["podIP"] == "10.244.0.2"  # the status keeps showing it
    cluster.create(pod("next", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    assert status_of(cluster, "next")["podIP"] == "10.244.0.2"  # reused, lowest free first


def test_crash_container_makes_a_running_container_exit_with_the_code(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    cluster.crash_container("web", exit_code=2)
    cluster.run(0.5)
    cs = container_status(cluster, "web")
    assert cs["state"]["terminated"]["exitCode"] == 2
    assert cs["state"]["terminated"]["reason"] == "Error"
    cluster.run(1)
    cs = container_status(cluster, "web")
    assert "running" in cs["state"] and cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["exitCode"] == 2
