"""Checks for lesson 04 · The kubelet and the container runtime.

Each check takes the student's answer and returns a :class:`~k8slearn.check.core.Feedback`:
✅ with a one-line why, or ❌ with a hint that points at the concept.

- :func:`ex1` the wait before the 5th restart of a crash-looping container;
- :func:`ex2` a pod whose container is OOM-killed (run in a fresh cluster);
- :func:`ex3` a pod that runs but is not Ready for its first 30 s, then is, without restarts;
- :func:`ex4` a pod's IP read from the kubelet's read-only ``/pods`` endpoint.

Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4"]


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 4.1: seconds the kubelet waits before the 5th restart."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return fail("Answer with a number of seconds, e.g. 30.")
    if answer == 80:
        return passed(
            "Restart 1 is immediate, then 10, 20, 40, 80 s: the back-off doubles after every crash "
            "(capped at 300 s) and is forgotten after 10 minutes of clean running."
        )
    if answer == 160:
        return fail("One doubling too many: the first restart does not wait at all; the second waits 10 s.")
    if answer == 40:
        return fail("That is the wait before the 4th restart. Count: 2nd 10 s, 3rd 20 s, 4th 40 s, 5th ...")
    if answer > 300:
        return fail("The back-off is capped: the kubelet never waits more than 5 minutes (300 s).")
    return fail("Look at the lower chart of section 4: the waits start at 10 s and double.")


def _pod_from(answer: Any) -> tuple[dict | None, str]:
    from ..api.manifests import load_manifests

    try:
        objs = load_manifests(answer)
    except Exception as err:  # noqa: BLE001 - any parse problem becomes the hint
        return None, f"The manifest does not parse: {err}"
    pods = [o for o in objs if isinstance(o, dict) and o.get("kind") == "Pod"]
    if len(pods) != 1:
        return None, "Give exactly one Pod manifest (kind: Pod), as YAML text or a dict."
    return pods[0], ""


def _run(pod: dict, seconds: float) -> tuple[Any, dict | None, str]:
    """Create ``pod`` in a fresh one-node cluster and run; returns (cluster, stored pod, error)."""
    import k8slearn as kl
    from k8slearn.api.errors import ApiError

    cluster = kl.Cluster.demo(nodes=1, seed=0)
    pod = dict(pod)
    pod["metadata"] = dict(pod.get("metadata") or {}, namespace="default")
    pod["spec"] = dict(pod.get("spec") or {})
    pod["spec"].pop("nodeName", None)
    try:
        cluster.create(pod)
    except ApiError as err:
        return cluster, None, f"The API server refused it: {err}"
    name = pod["metadata"].get("name", "")
    cluster.run(seconds)
    return cluster, cluster.api.get_or_none("Pod", name, "default"), ""


@check
def ex2(answer: Any) -> Feedback:
    """Exercise 4.2: a Pod manifest whose container ends ``OOMKilled`` (checked in a fresh cluster)."""
    pod, problem = _pod_from(answer)
    if pod is None:
        return fail(problem)
    containers = (pod.get("spec") or {}).get("containers") or []
    if not any(((c.get("resources") or {}).get("limits") or {}).get("memory") for c in containers):
        return fail("The kernel kills a container for memory only when it passes its limit: set "
                    "resources.limits.memory.")  # fmt: skip
    _, stored, problem = _run(pod, 120)
    if stored is None:
        return fail(problem)
    statuses = (stored.get("status") or {}).get("containerStatuses") or []
    for cs in statuses:
        for key in ("state", "lastState"):
            term = (cs.get(key) or {}).get("terminated") or {}
            if term.get("reason") == "OOMKilled":
                return passed(
                    f"Container {cs['name']} passed its memory limit and was killed: exit code {term.get('exitCode')} "
                    "(128 + SIGKILL 9), reason OOMKilled, and the kubelet restarts it by restartPolicy."
                )
    return fail("The container stays under its limit. Make it use more: the annotation "
                "k8slearn.io/memory (a curve like \"50Mi@0,300Mi@60\"), or polinux/stress with "
                "args [\"--vm\", \"1\", \"--vm-bytes\", \"250M\"].")  # fmt: skip


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 4.3: Running but not Ready for about 30 s after start, then Ready, never restarted."""
    pod, problem = _pod_from(answer)
    if pod is None:
        return fail(problem)
    containers = (pod.get("spec") or {}).get("containers") or []
    if not any(c.get("readinessProbe") for c in containers):
        return fail("Without a readinessProbe a running container counts as Ready at once. Add one.")
    cluster, stored, problem = _run(pod, 5)
    if stored is None:
        return fail(problem)
    name = stored["metadata"]["name"]
    host = cluster.node_host(stored["spec"]["nodeName"])
    try:
        worker = host.kubelet.pod_worker(name)
    except Exception:  # noqa: BLE001
        return fail("The pod never reached the kubelet: is it valid and schedulable?")
    starts = [s.current.started_at for s in worker.slots if s.current is not None and s.current.started_at is not None]
    if len(starts) != len(worker.slots):
        return fail("Its containers did not start: check the image name and `kubectl describe pod`.")
    start = max(starts)
    cluster.clock.run_to(start + 20)
    status = cluster.get("pod", name)["status"]
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "Ready"), {})
    if status.get("phase") != "Running":
        return fail(f"20 s after the start the pod is {status.get('phase')}, not Running.")
    if ready.get("status") == "True":
        return fail("It is already Ready 20 s after the start. Delay readiness: the annotation "
                    "k8slearn.io/ready-after, or initialDelaySeconds on the readiness probe.")  # fmt: skip
    cluster.clock.run_to(start + 75)
    status = cluster.get("pod", name)["status"]
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "Ready"), {})
    restarts = sum(cs.get("restartCount", 0) for cs in status.get("containerStatuses") or [])
    if restarts:
        return fail("It restarted: a failing liveness probe kills the container. Readiness alone never restarts.")
    if ready.get("status") != "True":
        return fail("It never became Ready. Make sure the readiness probe can succeed after ~30 s (right port and "
                    "path, a readiness window that ends).")  # fmt: skip
    return passed("Running but not Ready at first, then Ready, with 0 restarts: readiness gates traffic "
                  "(Service endpoints) without killing anything.")  # fmt: skip


@check
def ex4(answer: Any, cluster: Any = None, pod: str = "web") -> Feedback:
    """Exercise 4.4: the IP of ``pod`` as the kubelet's ``/pods`` reports it."""
    if not isinstance(answer, str):
        return fail("Give the IP as a string, e.g. '10.244.0.7'.")
    if cluster is None:
        return fail("Pass the lesson's cluster too: check.lesson04.ex4(answer, c).")
    obj = cluster.api.get_or_none("Pod", pod, "default")
    if obj is None:
        return fail(f"There is no pod {pod} in the cluster any more.")
    expected = (obj.get("status") or {}).get("podIP", "")
    if answer.strip() == expected:
        node = obj["spec"]["nodeName"]
        return passed(f"{node}'s kubelet answers /pods with every pod bound to it, status included - no "
                      "password asked. That is why the read-only port 10255 is off in current clusters.")  # fmt: skip
    if answer.strip() == (obj.get("status") or {}).get("hostIP", ""):
        return fail("That is the node's address (hostIP). Look for podIP in the pod's status.")
    return fail("Read status.podIP of the item whose metadata.name is web in kubelet.get('/pods')['items'].")
