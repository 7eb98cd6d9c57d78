"""Pod status as the kubelet writes it: phase, conditions and container statuses.

Notes
-----
Mirrors ``generateAPIPodStatus`` / ``convertToAPIContainerStatuses`` and
``pkg/kubelet/status/generate.go``:

- ``phase`` (``getPhase``): Pending while an init container is unfinished or an app
  container waits for its first start; Running while a container runs or restarts;
  Succeeded when every container exited 0 and none will restart; Failed when one exited
  non-zero and ``restartPolicy`` will not restart it (or an init container failed under
  ``Never``).
- ``conditions`` in upstream order: conditions the kubelet does not own first
  (``DisruptionTarget`` ...), then ``PodReadyToStartContainers``, ``Initialized``,
  ``Ready``, ``ContainersReady``, ``PodScheduled``; ``lastTransitionTime`` moves only
  when the status changes; messages like ``containers with unready status: [web]``;
  ``PodCompleted`` for terminal pods.
- ``containerStatuses`` in ``ContainerStatus`` field order: ``name``, ``state``,
  ``lastState``, ``ready``, ``restartCount``, ``image``, ``imageID``, ``containerID``,
  ``started``, ``resources``, ``volumeMounts``. A container that was never created
  waits with ``ContainerCreating`` (``PodInitializing`` in a pod with init containers).

Everything ``kubectl get pods`` needs for STATUS and RESTARTS is here: the waiting or
terminated reason per container, ``lastState.terminated.finishedAt`` and the restart
count, init container statuses for ``Init:1/2``, and the pod's ``deletionTimestamp``
(in metadata) for ``Terminating``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .timefmt import timestamp

if TYPE_CHECKING:
    from .podworker import ContainerSlot, PodWorker

__all__ = ["container_status", "terminated_state", "pod_phase", "build_pod_status", "KUBELET_CONDITIONS"]

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def terminated_state(c: Any, ts: Any) -> dict:
    """``{"exitCode", "reason", "startedAt", "finishedAt", "containerID"}`` of an exited instance."""
    return {
        "exitCode": c.exit_code,
        "reason": c.reason,
        "startedAt": ts(c.started_at),
        "finishedAt": ts(c.finished_at),
        "containerID": c.container_id,
    }


def container_status(slot: ContainerSlot, ts: Any, default_waiting: str) -> dict:
    """One entry of ``containerStatuses`` / ``initContainerStatuses``."""
    spec = slot.spec
    current = slot.current
    previous = slot.previous
    if current is None:
        waiting = {"reason": slot.waiting_reason or default_waiting}
        if slot.waiting_reason and slot.waiting_message:
            waiting["message"] = slot.waiting_message
        state: dict = {"waiting": waiting}
        last: dict = {"terminated": terminated_state(previous, ts)} if previous is not None else {}
    elif current.state == "running":
        state = {"running": {"startedAt": ts(current.started_at)}}
        last = {"terminated": terminated_state(previous, ts)} if previous is not None else {}
    elif current.state == "exited":
        if slot.waiting_reason:
            waiting = {"reason": slot.waiting_reason}
            if slot.waiting_message:
                waiting["message"] = slot.waiting_message
            state = {"waiting": waiting}
            last = {"terminated": terminated_state(current, ts)}
        else:
            state = {"terminated": terminated_state(current, ts)}
            last = {"terminated": terminated_state(previous, ts)} if previous is not None else {}
    else:  # created, not started
        state = {"waiting": {"reason": default_waiting}}
        last = {"terminated": terminated_state(previous, ts)} if previous is not None else {}
    image = current or previous
    out: dict[str, Any] = {
        "name": slot.name,
        "state": state,
        "lastState": last,
        "ready": bool(slot.ready and current is not None and current.state == "running"),
        "restartCount": slot.restart_count,
        "image": image.image.ref.full if image is not None else spec.get("image", ""),
        "imageID": image.image.image_id if image is not None else "",
    }
    if image is not None:
        out["containerID"] = image.container_id
    out["started"] = bool(slot.started and current is not None and current.state == "running")
    resources = spec.get("resources")
    if image is not None and resources and (resources.get("requests") or resources.get("limits")):
        out["resources"] = {k: dict(v) for k, v in resources.items() if k in ("limits", "requests") and v}
    mounts = spec.get("volumeMounts")
    if mounts:
        out["volumeMounts"] = [
            {
                "name": m.get("name", ""),
                "mountPath": m.get("mountPath", ""),
                **({"readOnly": True} if m.get("readOnly") else {}),
                **({"recursiveReadOnly": "Disabled"} if m.get("readOnly") else {}),
            }  # fmt: skip
            for m in mounts
        ]
    return out


def _phase_counts(slots: list[ContainerSlot]) -> tuple[int, int, int, int]:
    running = waiting = stopped = succeeded = 0
    for s in slots:
        c = s.current
        if c is not None and c.state == "running":
            running += 1
        elif c is not None and c.state == "exited":
            stopped += 1
            if c.exit_code == 0:
                succeeded += 1
        elif s.previous is not None:
            stopped += 1  # restarting
        else:
            waiting += 1
    return running, waiting, stopped, succeeded


def pod_phase(worker: PodWorker) -> str:
    """``getPhase``: Pending, Running, Succeeded or Failed."""
    if worker.terminal_phase:
        return worker.terminal_phase
    policy = worker.restart_policy
    pending_init = failed_init = 0
    for s in worker.init_slots:
        if s.sidecar:
            if not (s.current is not None and s.current.state == "running" and s.started):
                pending_init += 1
            continue
        c = s.current
        if c is not None and c.state == "exited" and c.exit_code == 0:
            continue
        if c is not None and c.state == "exited" and c.exit_code != 0:
            failed_init += 1
        pending_init += 1
    if failed_init and policy == "Never":
        return "Failed"
    if pending_init:
        return "Pending"
    running, waiting, stopped, succeeded = _phase_counts(worker.slots)
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped:
        if worker.terminating:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def _cond(worker: PodWorker, type_: str, status: str, reason: str = "", message: str = "", *, now_ts: str = "",
          gen: int = 0) -> dict:  # fmt: skip
    """A condition dict; lastTransitionTime kept while the status stays the same."""
    prev = worker.conditions.get(type_)
    if prev is not None and prev[0] == status:
        transition = prev[1]
    else:
        transition = now_ts
        worker.conditions[type_] = (status, transition)
    out: dict[str, Any] = {"type": type_}
    if gen:
        out["observedGeneration"] = gen
    out["status"] = status
    out["lastProbeTime"] = None
    out["lastTransitionTime"] = transition
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def _names(names: list[str]) -> str:
    return "[" + " ".join(names) + "]"


def build_pod_status(worker: PodWorker) -> dict:
    """The whole ``status`` of the worker's pod, as the kubelet would PUT it."""
    kubelet = worker.kubelet
    ts = _ts
    old = worker.pod.get("status") or {}
    phase = pod_phase(worker)
    if worker.rejected is not None:
        reason, message = worker.rejected
        status: dict[str, Any] = {}
        if worker.generation:
            status["observedGeneration"] = worker.generation
        status.update({"phase": "Failed", "message": message, "reason": reason})
        if old.get("startTime"):
            status["startTime"] = old["startTime"]
        status["qosClass"] = old.get("qosClass", "BestEffort")
        return status
    now_ts = _ts(kubelet.clock.now)
    gen = worker.generation

    def cond(*args: str) -> dict:
        return _cond(worker, *args, now_ts=now_ts, gen=gen)

    default_waiting = "PodInitializing" if worker.init_slots else "ContainerCreating"
    init_statuses = [container_status(s, ts, default_waiting) for s in worker.init_slots]
    statuses = [container_status(s, ts, default_waiting) for s in worker.slots]
    terminal = phase in ("Succeeded", "Failed")
    conditions = [c for c in old.get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
    conditions.append(cond("PodReadyToStartContainers", "True" if worker.sandbox_ready else "False"))
    # Initialized
    if not worker.init_slots:
        conditions.append(cond("Initialized", "True"))
    elif phase == "Succeeded":
        conditions.append(cond("Initialized", "True", "PodCompleted"))
    else:
        incomplete = [s.name for s in worker.init_slots if not s.init_done()]
        if incomplete:
            conditions.append(cond("Initialized", "False", "ContainersNotInitialized",
                                    f"containers with incomplete status: {_names(incomplete)}"))  # fmt: skip
        else:
            conditions.append(cond("Initialized", "True"))
    # ContainersReady and Ready
    if terminal:
        ready = containers_ready = ("False", "PodCompleted", "")
    else:
        unready = [s.name for s in worker.init_slots if s.sidecar and not _is_ready(s)]
        unready += [s.name for s in worker.slots if not _is_ready(s)]
        if unready:
            msg = f"containers with unready status: {_names(unready)}"
            containers_ready = ("False", "ContainersNotReady", msg)
        else:
            containers_ready = ("True", "", "")
        ready = containers_ready
        gates = [g.get("conditionType") for g in (worker.pod.get("spec") or {}).get("readinessGates") or []]
        if ready[0] == "True" and gates:
            have = {c.get("type"): c.get("status") for c in old.get("conditions") or []}
            missing = [g for g in gates if g not in have]
            false = [g for g in gates if g in have and have[g] != "True"]
            if missing or false:
                parts = [f'corresponding condition of pod readiness gate "{g}" does not exist.' for g in missing]
                parts += [f'the status of pod readiness gate "{g}" is not "True", but {have[g]}' for g in false]
                ready = ("False", "ReadinessGatesNotReady", ", ".join(parts))
    conditions.append(cond("Ready", *ready))
    conditions.append(cond("ContainersReady", *containers_ready))
    scheduled = next((c for c in old.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
    if scheduled is not None and scheduled.get("status") == "True":
        conditions.append(dict(scheduled))
    else:
        conditions.append(cond("PodScheduled", "True"))
    status = {}
    if gen:
        status["observedGeneration"] = gen
    status["phase"] = phase
    status["conditions"] = conditions
    if worker.reason:
        status["message"] = worker.message
        status["reason"] = worker.reason
    if old.get("nominatedNodeName"):
        status["nominatedNodeName"] = old["nominatedNodeName"]
    host_ip = kubelet.host.spec.address
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    if worker.ip:
        status["podIP"] = worker.ip
        status["podIPs"] = [{"ip": worker.ip}]
    if worker.start_time is not None:
        status["startTime"] = ts(worker.start_time)
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    status["qosClass"] = old.get("qosClass", "BestEffort")
    return status


def _ts(t: float) -> str:
    return timestamp(int(t // 1))


def _is_ready(slot: ContainerSlot) -> bool:
    c = slot.current
    return bool(slot.ready and c is not None and c.state == "running")
