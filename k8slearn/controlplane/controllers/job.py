"""The Job controller: runs pods until enough of them succeed, or gives up.

Notes
-----
Mirrors kube-controller-manager's ``job-controller`` (``pkg/controller/job``) for
NonIndexed Jobs:

- it keeps ``min(parallelism, completions - succeeded)`` pods active (``parallelism``
  pods for a work-queue Job without ``completions``, none new after a first success);
- a failed pod (or a pod deleted before it succeeded) counts in ``status.failed``; the
  replacement waits for the pod-failure back-off: 10 s, doubling, at most 10 min;
- more failures than ``backoffLimit`` (6) - or, with ``restartPolicy: OnFailure``, that
  many container restarts - fail the Job: conditions ``FailureTarget`` then ``Failed``
  with reason ``BackoffLimitExceeded`` (``Job has reached the specified backoff limit``);
  ``activeDeadlineSeconds`` gives ``DeadlineExceeded``;
- enough successes give ``SuccessCriteriaMet`` then ``Complete`` (reason
  ``CompletionsReached``, ``Reached expected number of succeeded pods``), the event
  ``Completed`` ``Job completed`` and ``status.completionTime``;
- status ``active``, ``ready``, ``succeeded``, ``failed``, ``terminating``, ``startTime``.

Simplifications: terminated pods are counted in the controller's memory instead of
through the ``batch.kubernetes.io/job-tracking`` finalizer; Indexed Jobs, pod failure
policies, success policies and suspension are not simulated.

Used in: 05_self_healing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...api.errors import ApiError
from ...api.objects import pod_is_ready
from ...clock import parse_timestamp
from ..apiserver import WatchEvent
from .base import Controller
from .podcontrol import BURST_REPLICAS, Expectations, OwnerIndex, create_pods, delete_pods

__all__ = ["JobController", "pod_failure_backoff", "job_finished"]

DEFAULT_POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 600.0
SYNC_JOB_BATCH_PERIOD = 1.0

Key = tuple[str, str]


def pod_failure_backoff(failures: int) -> float:
    """Seconds before replacing a pod after ``failures`` failures since the last success.

    Examples
    --------
    >>> [pod_failure_backoff(n) for n in (0, 1, 2, 3, 7, 8)]
    [0.0, 10.0, 20.0, 40.0, 600.0, 600.0]
    """
    if failures <= 0:
        return 0.0
    return min(DEFAULT_POD_FAILURE_BACKOFF * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF)


def job_finished(job: dict) -> str | None:
    """``"Complete"`` or ``"Failed"`` when that condition is True, else None."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return cond["type"]
    return None


def _condition(type_: str, reason: str, message: str, now: str) -> dict:
    return {
        "type": type_,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


class _Tracking:
    """What the controller counted for one Job (upstream keeps this behind pod finalizers)."""

    __slots__ = ("succeeded", "failed", "failures_since_success", "last_failure")

    def __init__(self) -> None:
        self.succeeded: set[str] = set()
        self.failed: set[str] = set()
        self.failures_since_success = 0
        self.last_failure = 0.0


class JobController(Controller):
    """Creates pods for Jobs and tracks their completions and failures.

    Notes
    -----
    Mirrors ``pkg/controller/job/job_controller.go`` (NonIndexed). Used in: 05_self_healing.
    """

    name = "job-controller"
    watches = ("Job", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.pods = OwnerIndex()
        self.keys: dict[str, Key] = {}
        self.tracking: dict[str, _Tracking] = {}
        self.expectations = Expectations()

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        if kind == "Job":
            key = (m.get("namespace", ""), m["name"])
            if event.type == "DELETED":
                self.keys.pop(m["uid"], None)
                self.tracking.pop(m["uid"], None)
                self.expectations.delete(key)
            else:
                self.keys[m["uid"]] = key
            self.queue.add(key)
            return
        before = self.pods.stored(obj)
        previous, owner = self.pods.observe(event.type, obj)
        for job_uid in {previous, owner} - {None, ""}:
            key = self.keys.get(job_uid)
            if key is None:
                continue
            self.expectations.observe_pod(key, event.type, obj, before, job_uid == owner)
            self.queue.add_after(key, SYNC_JOB_BATCH_PERIOD)

    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        job = self.api.get_or_none("Job", name, ns)
        if job is None:
            self.expectations.delete(key)
            return None
        if job_finished(job) or job["metadata"].get("deletionTimestamp"):
            return None
        uid = job["metadata"]["uid"]
        now = self.clock.now
        now_ts = self.clock.timestamp()
        spec = job.get("spec") or {}
        old = job.get("status") or {}
        track = self.tracking.setdefault(uid, _Tracking())
        pods = self.pods.owned_by(uid)
        active: list[dict] = []
        terminating = 0
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            puid = pod["metadata"]["uid"]
            phase = (pod.get("status") or {}).get("phase")
            deleting = bool(pod["metadata"].get("deletionTimestamp"))
            if phase == "Succeeded":
                if puid not in track.succeeded:
                    track.succeeded.add(puid)
                    track.failures_since_success = 0
            elif phase == "Failed" or deleting:
                if deleting and phase != "Failed":
                    terminating += 1
                if puid not in track.failed:
                    track.failed.add(puid)
                    track.failures_since_success += 1
                    track.last_failure = now
            else:
                active.append(pod)
        succeeded = int(old.get("succeeded") or 0)
        failed = int(old.get("failed") or 0)
        succeeded = max(succeeded, len(track.succeeded))
        failed = max(failed, len(track.failed))
        status: dict[str, Any] = {}
        conditions = [dict(c) for c in old.get("conditions") or []]
        start_time = old.get("startTime") or now_ts
        failure: tuple[str, str] | None = None
        backoff_limit = int(spec.get("backoffLimit", 6))
        restart_policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
        if failed > backoff_limit or (
            restart_policy == "OnFailure" and _past_backoff_on_failure(active, backoff_limit)
        ):
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        deadline = spec.get("activeDeadlineSeconds")
        if failure is None and deadline is not None and now - parse_timestamp(start_time) >= int(deadline):
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        complete = False
        if failure is None:
            complete = succeeded >= int(completions) if completions is not None else succeeded > 0 and not active
        error = None
        if failure is not None or complete:
            target = "FailureTarget" if failure is not None else "SuccessCriteriaMet"
            reason, message = failure or ("CompletionsReached", "Reached expected number of succeeded pods")
            if not any(c.get("type") == target for c in conditions):
                conditions.append(_condition(target, reason, message, now_ts))
            error = self._delete(job, key, active)
            terminating += len(active)
            active = []
            if terminating == 0:
                final = "Failed" if failure is not None else "Complete"
                conditions.append(_condition(final, reason, message, now_ts))
                if failure is not None:
                    self.recorder.warning(job, reason, message)
                else:
                    status["completionTime"] = now_ts
                    self.recorder.normal(job, "Completed", "Job completed")
        elif self.expectations.satisfied(key, now):
            if completions is None:
                want = len(active) if succeeded > 0 else parallelism
            else:
                want = max(0, min(int(completions) - succeeded, parallelism))
            if len(active) > want:
                doomed = sorted(active, key=lambda p: (pod_is_ready(p), p["metadata"]["name"]))[: len(active) - want]
                error = self._delete(job, key, doomed)
                active = [p for p in active if p not in doomed]
            elif len(active) < want:
                wait = track.last_failure + pod_failure_backoff(track.failures_since_success) - now
                if wait > 0:
                    self.queue.add_after(key, wait)
                else:
                    error = self._create(job, key, want - len(active))
        completion_time = status.pop("completionTime", None) or old.get("completionTime")
        if conditions:
            status["conditions"] = conditions
        status["startTime"] = start_time
        if completion_time:
            status["completionTime"] = completion_time
        counts = {"active": len(active), "succeeded": succeeded, "failed": failed}
        status.update((k, v) for k, v in counts.items() if v)
        status["terminating"] = terminating
        status["uncountedTerminatedPods"] = {}
        status["ready"] = sum(1 for p in active if pod_is_ready(p))
        if status != old:
            with contextlib.suppress(ApiError):
                self.api.replace_status("Job", name, ns, status, user=self.component)
        if deadline is not None and not (failure or complete):
            self.queue.add_after(key, max(parse_timestamp(start_time) + int(deadline) - now, 0.0))
        return 1.0 if error is not None else None

    def _create(self, job: dict, key: Key, count: int) -> ApiError | None:
        return create_pods(self, job, key, min(count, BURST_REPLICAS))

    def _delete(self, job: dict, key: Key, pods: list[dict]) -> ApiError | None:
        if not pods:
            return None
        self.expectations.expect(key, 0, [p["metadata"]["uid"] for p in pods], self.clock.now)
        return delete_pods(self, job, key, pods)


def _past_backoff_on_failure(active: list[dict], backoff_limit: int) -> bool:
    """With ``restartPolicy: OnFailure`` container restarts count against ``backoffLimit``."""
    restarts = 0
    for pod in active:
        if (pod.get("status") or {}).get("phase") not in ("Running", "Pending"):
            continue
        for cs in (pod.get("status") or {}).get("initContainerStatuses") or []:
            restarts += int(cs.get("restartCount") or 0)
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            restarts += int(cs.get("restartCount") or 0)
    if backoff_limit == 0:
        return restarts > 0
    return restarts >= backoff_limit
