"""The kubelet's pod worker: one state machine per pod bound to the node.

A pod worker does what ``syncPod`` does upstream, one step at a time on the virtual
clock: mount volumes, create the sandbox (pod IP), run init containers one by one, then
start the app containers (each one: ensure the image, build its config, create, start),
restart exited containers by ``restartPolicy`` with the CrashLoopBackOff back-off,
follow probes, and on deletion stop every container within the grace period and delete
the pod. Every change marks the pod's status dirty; the kubelet writes statuses in
batches.

Notes
-----
Timings (virtual seconds, documented simplifications):

- the sandbox (pause container plus CNI networking) takes :data:`SANDBOX_SECONDS`;
- creating and starting a container take no time once its image is ready;
- the kubelet notices an exit at once (as the Evented PLEG does) and its pod worker
  acts :data:`SYNC_LATENCY` later, so the first restart after a crash comes 1 s after
  the exit ("immediate"), then the back-off waits 10, 20, 40, 80, 160, 300, 300 ... s
  (``flowcontrol.Backoff`` with 10 s initial and ``MaxContainerBackOff`` 300 s, keyed by
  the exit time; forgotten once a container ran more than 600 s);
- failed syncs (``CreateContainerConfigError``, ``ErrImageNeverPull``) are retried every
  :data:`RETRY_SECONDS` (the pod worker's ``backOffPeriod``); image pulls back off like
  restarts (``ErrImagePull`` then ``ImagePullBackOff``: 10 s doubling to 300 s).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..clock import Priority
from .behaviour import annotation_problems, build_behaviour
from .configsources import ConfigError, container_files, resolve_env, volume_problems
from .images import InvalidImageName
from .probes import ProbeWorker, probe_spec
from .timefmt import busybox_date, go_duration

if TYPE_CHECKING:
    from .kubelet import Kubelet
    from .runtime import Container

__all__ = [
    "PodWorker",
    "ContainerSlot",
    "SANDBOX_SECONDS",
    "SYNC_LATENCY",
    "RETRY_SECONDS",
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
]

SANDBOX_SECONDS = 1.0
SYNC_LATENCY = 1.0
RETRY_SECONDS = 10.0
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
MOUNT_RETRY_INITIAL = 0.5
MOUNT_RETRY_MAX = 122.0
HISTORY = 200
_EPS = 1e-6  # the clock keeps microseconds


class ContainerSlot:
    """One container of the pod spec across its instances (restarts)."""

    __slots__ = ("worker", "name", "spec", "init", "sidecar", "field_path", "current", "previous", "instances",
                 "waiting_reason", "waiting_message", "backoff", "backoff_update", "image_backoff",
                 "image_backoff_update", "image_prev_error", "started", "ready", "probes", "timer", "history",
                 "queued", "busy", "replace", "probe_log")  # fmt: skip

    def __init__(self, worker: PodWorker, spec: dict, init: bool) -> None:
        self.worker = worker
        self.name = spec.get("name", "")
        self.spec = spec
        self.init = init
        self.sidecar = init and spec.get("restartPolicy") == "Always"
        self.field_path = f"spec.{'initContainers' if init else 'containers'}{{{self.name}}}"
        self.current: Container | None = None
        self.previous: Container | None = None
        self.instances = 0
        self.waiting_reason = ""
        self.waiting_message = ""
        self.backoff = 0.0
        self.backoff_update = 0.0
        self.image_backoff = 0.0
        self.image_backoff_update = 0.0
        self.image_prev_error = ""
        self.started = False
        self.ready = False
        self.probes: dict[str, ProbeWorker] = {}
        self.timer: Any = None
        self.history: deque = deque(maxlen=HISTORY)
        self.queued = False
        self.busy = False
        self.replace = False
        self.probe_log: deque = deque(maxlen=4 * HISTORY)

    @property
    def restart_count(self) -> int:
        return max(0, self.instances - 1)

    def idle(self) -> bool:
        """No start in progress and no retry or back-off pending."""
        return not (self.queued or self.busy or self.timer is not None)

    def init_done(self) -> bool:
        c = self.current
        if self.sidecar:
            return c is not None and c.state == "running" and self.started
        return c is not None and c.state == "exited" and c.exit_code == 0

    def stop_probes(self) -> None:
        for kind, w in self.probes.items():
            w.stop()
            self.probe_log.extend((t, kind, ok, msg) for t, ok, msg in w.expanded_history())
        self.probes = {}

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def set_waiting(self, reason: str, message: str = "") -> None:
        self.waiting_reason = reason
        self.waiting_message = message

    def __repr__(self) -> str:
        return f"<ContainerSlot {self.worker.name}/{self.name} instances={self.instances}>"


class PodWorker:
    """Drives one pod on this node from admission to deletion."""

    def __init__(self, kubelet: Kubelet, pod: dict) -> None:
        self.kubelet = kubelet
        self.clock = kubelet.clock
        self.pod = pod
        m = pod["metadata"]
        self.uid = m.get("uid", "")
        self.name = m["name"]
        self.namespace = m.get("namespace", "default")
        spec = pod.get("spec") or {}
        self.restart_policy = spec.get("restartPolicy", "Always")
        self.init_slots = [ContainerSlot(self, c, True) for c in spec.get("initContainers") or []]
        self.slots = [ContainerSlot(self, c, False) for c in spec.get("containers") or []]
        self.sandbox_ready = False
        self.sandbox_pending = False
        self.ip = ""
        self.start_time: float | None = None
        self.terminal_phase = ""
        self.rejected: tuple[str, str] | None = None
        self.terminating = False
        self.finished = False
        self.removed = False
        self.reason = ""
        self.message = ""
        self.conditions: dict[str, tuple[str, str]] = {}
        self.start_queue: deque[ContainerSlot] = deque()
        self.starting = False
        self.mount_retry = MOUNT_RETRY_INITIAL
        self.timer: Any = None
        self.deadline_timer: Any = None
        self.requests: dict[str, int] = {}
        self.admitted = False
        self.sync_scheduled = False
        self.warned = False
        self.last_status: dict | None = None
        self.label = f"{kubelet.component} {self.namespace}/{self.name}"

    # -- helpers ---------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return int(self.pod["metadata"].get("generation") or 0)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def all_slots(self) -> list[ContainerSlot]:
        return self.init_slots + self.slots

    def slot(self, name: str) -> ContainerSlot | None:
        for s in self.all_slots():
            if s.name == name:
                return s
        return None

    def full_name(self) -> str:
        """``name_namespace(uid)``: the kubelet's ``format.Pod``."""
        return f"{self.name}_{self.namespace}({self.uid})"

    def event(self, type_: str, reason: str, message: str, slot: ContainerSlot | None = None) -> None:
        self.kubelet.recorder.event(self.pod, type_, reason, message, field_path=slot.field_path if slot else "")

    def dirty(self) -> None:
        self.kubelet.mark_dirty(self)

    def request_sync(self, delay: float = 0.0) -> None:
        """Run :meth:`sync` after ``delay`` (one pending sync at a time for delay 0)."""
        if delay <= 0:
            if self.sync_scheduled:
                return
            self.sync_scheduled = True

            def run() -> None:
                self.sync_scheduled = False
                self.sync()

            self.clock.schedule(0, run, priority=Priority.NODE, label=f"{self.label} sync")
        else:
            self.clock.schedule(delay, self.sync, priority=Priority.NODE, label=f"{self.label} sync")

    def _at(self, slot: ContainerSlot, when: float, fn: Any, label: str) -> None:
        slot.cancel_timer()

        def fire() -> None:
            slot.timer = None
            fn()

        slot.timer = self.clock.at(when, fire, priority=Priority.NODE, label=f"{self.label} {label}")

    def _alive(self) -> bool:
        return not self.removed and self.kubelet.running

    # -- the sync loop -----------------------------------------------------------------------
    def start(self) -> None:
        """First sight of the pod (already admitted): start time, warnings, first sync."""
        now = self.clock.now
        if self.start_time is None:
            self.start_time = now
        deadline = (self.pod.get("spec") or {}).get("activeDeadlineSeconds")
        if deadline and self.deadline_timer is None:
            self.deadline_timer = self.clock.at(self.start_time + int(deadline), self._deadline_exceeded,
                                                priority=Priority.NODE, label=f"{self.label} active deadline")  # fmt: skip
        if not self.warned:
            self.warned = True
            annotations = self.pod["metadata"].get("annotations") or {}
            if any(k.startswith("k8slearn.io/") for k in annotations):
                names = [s.name for s in self.all_slots()]
                for reason, message in annotation_problems(annotations, names):
                    self.event("Warning", reason, message)
        self.dirty()
        self.sync()

    def sync(self) -> None:
        if not self._alive() or self.rejected is not None or self.terminal_phase:
            return
        if self.terminating:
            self._check_terminated()
            return
        if not self.sandbox_ready:
            if not self.sandbox_pending:
                self._setup_sandbox()
            return
        for slot in self.init_slots:
            c = slot.current
            if slot.sidecar:
                if c is None:
                    if slot.idle():
                        self._queue_start(slot)
                    return
                if c.state == "exited":
                    if slot.idle():
                        self._restart(slot)
                    return
                if not slot.started:
                    return
                continue
            if c is None:
                if slot.idle():
                    self._queue_start(slot)
                return
            if c.state != "exited":
                return
            if c.exit_code == 0 and not slot.replace:
                continue
            if self.restart_policy == "Never" and not slot.replace:
                self._make_terminal("Failed")
                return
            if slot.idle():
                self._restart(slot)
            return
        for slot in self.slots:
            c = slot.current
            if c is None:
                if slot.idle():
                    self._queue_start(slot)
            elif c.state == "exited" and slot.idle() and (slot.replace or self._should_restart(c)):
                self._restart(slot)
        if self.slots and all(
            s.current is not None and s.current.state == "exited" and not self._should_restart(s.current)
            and not s.replace for s in self.slots
        ):  # fmt: skip
            failed = any(s.current.exit_code != 0 for s in self.slots)  # type: ignore[union-attr]
            self._make_terminal("Failed" if failed else "Succeeded")
            return
        self.dirty()

    def _should_restart(self, c: Container) -> bool:
        if self.restart_policy == "Always":
            return True
        return self.restart_policy == "OnFailure" and c.exit_code != 0

    # -- volumes and sandbox -------------------------------------------------------------------
    def _setup_sandbox(self) -> None:
        api = self.kubelet.api
        problems = volume_problems(api, self.pod) if (self.pod.get("spec") or {}).get("volumes") else []
        if problems:
            for _, message in problems:
                self.event("Warning", "FailedMount", message)
            delay = self.mount_retry
            self.mount_retry = min(self.mount_retry * 2, MOUNT_RETRY_MAX)
            self.request_sync(delay)
            return
        self.sandbox_pending = True
        self.clock.schedule(SANDBOX_SECONDS, self._sandbox_created, priority=Priority.NODE,
                            label=f"{self.label} sandbox")  # fmt: skip

    def _sandbox_created(self) -> None:
        if not self._alive() or self.terminating:
            self.sandbox_pending = False
            if self.terminating:
                self._check_terminated()
            return
        runtime = self.kubelet.runtime
        sandbox = runtime.run_pod_sandbox(self.uid, bool((self.pod.get("spec") or {}).get("hostNetwork")))
        if sandbox is None:
            self.sandbox_pending = False
            self.event(
                "Warning",
                "FailedCreatePodSandBox",
                "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
                f'"{runtime._new_id()}": plugin type="bridge" name="cbr0" failed (add): failed to allocate for range 0: '
                f"no IP addresses available in range set: {runtime.ip_range()}",
            )
            self.request_sync(RETRY_SECONDS)
            return
        self.sandbox_pending = False
        self.sandbox_ready = True
        self.ip = sandbox.ip
        self.dirty()
        self.sync()

    # -- starting containers --------------------------------------------------------------------
    def _queue_start(self, slot: ContainerSlot) -> None:
        if slot.queued or slot.busy:
            return
        slot.queued = True
        self.start_queue.append(slot)
        if not self.starting:
            self._start_next()

    def _start_next(self) -> None:
        while self.start_queue:
            slot = self.start_queue.popleft()
            slot.queued = False
            if not self._alive() or self.terminating or self.terminal_phase:
                continue
            self.starting = True
            slot.busy = True
            self._ensure_image(slot)
            return
        self.starting = False

    def _step_done(self, slot: ContainerSlot) -> None:
        slot.busy = False
        self.starting = False
        self.dirty()
        self._start_next()

    def _retry(self, slot: ContainerSlot, delay: float) -> None:
        self._at(slot, self.clock.now + delay, self.request_sync, "retry")

    def _ensure_image(self, slot: ContainerSlot) -> None:
        runtime = self.kubelet.runtime
        image = slot.spec.get("image", "")
        policy = slot.spec.get("imagePullPolicy") or "IfNotPresent"
        try:
            present = runtime.image_status(image)
        except InvalidImageName as err:
            msg = f'Failed to apply default image tag "{image}": {err}'
            self.event("Warning", "InspectFailed", msg, slot)
            slot.set_waiting("InvalidImageName", msg)
            self.event("Warning", "Failed", "Error: InvalidImageName", slot)
            self._step_done(slot)
            return
        if policy == "Never" and present is None:
            msg = f'Container image "{image}" is not present with pull policy of Never'
            self.event("Warning", "ErrImageNeverPull", msg, slot)
            slot.set_waiting("ErrImageNeverPull", msg)
            self.event("Warning", "Failed", "Error: ErrImageNeverPull", slot)
            self._retry(slot, RETRY_SECONDS)
            self._step_done(slot)
            return
        if present is not None and policy != "Always":
            self.event("Normal", "Pulled",
                       f'Container image "{image}" already present on machine and can be accessed by the pod', slot)  # fmt: skip
            self._create(slot, present)
            return
        now = self.clock.now
        if slot.image_backoff and now - slot.image_backoff_update < slot.image_backoff - _EPS:
            msg = f'Back-off pulling image "{image}"'
            self.event("Normal", "BackOff", msg, slot)
            slot.set_waiting("ImagePullBackOff", f"{msg}: {slot.image_prev_error}" if slot.image_prev_error else msg)
            self.event("Warning", "Failed", "Error: ImagePullBackOff", slot)
            self._retry(slot, slot.image_backoff_update + slot.image_backoff - now)
            self._step_done(slot)
            return
        self.event("Normal", "Pulling", f'Pulling image "{image}"', slot)

        def pulled(result: Any) -> None:
            if not self._alive() or self.terminating or self.terminal_phase:
                self._step_done(slot)
                return
            if result.image is None:
                err = result.error
                self.event("Warning", "Failed", f'Failed to pull image "{image}": {err}', slot)
                t = self.clock.now
                if not slot.image_backoff or t - slot.image_backoff_update > 2 * BACKOFF_MAX:
                    slot.image_backoff = BACKOFF_INITIAL
                else:
                    slot.image_backoff = min(slot.image_backoff * 2, BACKOFF_MAX)
                slot.image_backoff_update = t
                slot.image_prev_error = f"ErrImagePull: {err}"
                slot.set_waiting("ErrImagePull", err)
                self.event("Warning", "Failed", "Error: ErrImagePull", slot)
                self._retry(slot, SYNC_LATENCY)
                self._step_done(slot)
                return
            self.event("Normal", "Pulled",
                       f'Successfully pulled image "{image}" in {go_duration(result.pull_seconds)} '
                       f"({go_duration(result.total_seconds)} including waiting). Image size: {result.image.size} bytes.",
                       slot)  # fmt: skip
            slot.image_backoff = 0.0
            slot.image_prev_error = ""
            self._create(slot, result.image)

        runtime.pull_image(image, pulled)

    def _create(self, slot: ContainerSlot, image: Any) -> None:
        kubelet = self.kubelet
        api = kubelet.api
        spec = slot.spec
        try:
            env = resolve_env(api, self.pod, spec, kubelet.base_env(self))
        except ConfigError as err:
            slot.set_waiting("CreateContainerConfigError", str(err))
            self.event("Warning", "Failed", f"Error: {err}", slot)
            self._retry(slot, RETRY_SECONDS)
            self._step_done(slot)
            return
        files = container_files(api, self.pod, spec) if spec.get("volumeMounts") else {}
        now = self.clock.now
        behaviour = build_behaviour(
            container=spec,
            annotations=self.pod["metadata"].get("annotations") or {},
            env=env,
            config=image.config,
            repository=image.ref.name,
            files=files,
            hostname=self.name,
            date=lambda t, base=now: busybox_date(base + t),
        )
        for reason, message in behaviour.problems:
            self.event("Warning", reason, message, slot)
        runtime = kubelet.runtime
        c = runtime.create_container(self.pod, slot.name, image, behaviour, slot.instances, spec.get("resources"))
        c.env = env
        self.event("Normal", "Created", f"Created container: {slot.name}", slot)
        if slot.current is not None:
            if slot.previous is not None:
                runtime.remove_container(slot.previous)
            slot.previous = slot.current
        slot.current = c
        slot.instances += 1
        slot.replace = False
        slot.set_waiting("")
        slot.history.append(c)
        runtime.start_container(c)
        self.event("Normal", "Started", f"Started container {slot.name}", slot)
        self._start_probes(slot, c)
        self._step_done(slot)
        if slot.sidecar and slot.started:
            self.request_sync()  # the next init container may start now

    # -- probes ----------------------------------------------------------------------------
    def _start_probes(self, slot: ContainerSlot, c: Container) -> None:
        slot.stop_probes()
        startup = probe_spec(slot.spec, "startup")
        readiness = probe_spec(slot.spec, "readiness")
        slot.started = startup is None
        slot.ready = slot.started and readiness is None
        if startup is not None:
            self._probe(slot, c, startup)
        else:
            self._start_health_probes(slot, c)

    def _start_health_probes(self, slot: ContainerSlot, c: Container) -> None:
        for kind in ("liveness", "readiness"):
            spec = probe_spec(slot.spec, kind)
            if spec is not None:
                self._probe(slot, c, spec)

    def _probe(self, slot: ContainerSlot, c: Container, spec: Any) -> None:
        def on_failure(kind: str, message: str) -> None:
            if self._alive() and not self.terminating:
                self.event("Warning", "Unhealthy", f"{kind.capitalize()} probe failed: {message}", slot)

        def on_result(kind: str, ok: bool) -> None:
            if not self._alive() or slot.current is not c or self.terminating:
                return
            if kind == "startup":
                if ok:
                    slot.started = True
                    slot.ready = probe_spec(slot.spec, "readiness") is None
                    self._start_health_probes(slot, c)
                    self.dirty()
                    self.request_sync()
                else:
                    self._kill_for_probe(slot, c, "startup")
            elif kind == "liveness":
                if not ok:
                    self._kill_for_probe(slot, c, "liveness")
            else:
                slot.ready = ok
                self.dirty()

        worker = ProbeWorker(spec, c, self.clock, self.ip, self.name, on_result, on_failure,
                             f"{self.label} {spec.kind} probe {slot.name}", anchor=self.start_time)  # fmt: skip
        slot.probes[spec.kind] = worker
        worker.start()

    def _kill_for_probe(self, slot: ContainerSlot, c: Container, kind: str) -> None:
        self.event("Normal", "Killing", f"Container {slot.name} failed {kind} probe, will be restarted", slot)
        slot.ready = False
        slot.stop_probes()
        spec = probe_spec(slot.spec, kind)
        grace = spec.termination_grace if spec is not None and spec.termination_grace is not None else self._grace()
        self.kubelet.runtime.stop_container(c, grace, _pre_stop_seconds(slot.spec))
        self.dirty()

    # -- exits and restarts ----------------------------------------------------------------------
    def on_exit(self, c: Container) -> None:
        """The runtime reports that ``c`` exited (the PLEG event)."""
        slot = self.slot(c.name)
        if slot is None or slot.current is not c:
            return
        slot.stop_probes()
        slot.ready = False
        if not self._alive():
            return
        self.dirty()
        if self.terminating:
            self._check_terminated()
            return
        if self.reason == "DeadlineExceeded":
            if not any(s.current is not None and s.current.state == "running" for s in self.all_slots()):
                self._make_terminal("Failed")
            return
        self.request_sync(SYNC_LATENCY)

    def _restart(self, slot: ContainerSlot) -> None:
        """Restart an exited container now, or wait out its back-off (``CrashLoopBackOff``)."""
        c = slot.current
        assert c is not None and c.finished_at is not None
        now = self.clock.now
        if slot.replace:  # the spec changed: restart at once
            self._queue_start(slot)
            return
        finished = c.finished_at
        if slot.backoff and now - slot.backoff_update > 2 * BACKOFF_MAX:
            slot.backoff = 0.0  # the entry expired
        if slot.backoff and now - finished < slot.backoff - _EPS:
            expiry = finished + slot.backoff
            slot.set_waiting(
                "CrashLoopBackOff",
                f"back-off {go_duration(slot.backoff)} restarting failed container={slot.name} pod={self.full_name()}",
            )
            self._backoff_event(slot)
            self._at(slot, min(expiry, now + RETRY_SECONDS), lambda: self._backoff_tick(slot, expiry), "back-off")
            self.dirty()
            return
        if not slot.backoff or finished - slot.backoff_update > 2 * BACKOFF_MAX:
            slot.backoff = BACKOFF_INITIAL
        else:
            slot.backoff = min(slot.backoff * 2, BACKOFF_MAX)
        slot.backoff_update = now
        self._queue_start(slot)

    def _backoff_event(self, slot: ContainerSlot) -> None:
        self.event("Warning", "BackOff", f"Back-off restarting failed container {slot.name} in pod {self.full_name()}",
                   slot)  # fmt: skip

    def _backoff_tick(self, slot: ContainerSlot, expiry: float) -> None:
        if not self._alive() or self.terminating or self.terminal_phase:
            return
        now = self.clock.now
        if now < expiry - _EPS:
            self._backoff_event(slot)
            self._at(slot, min(expiry, now + RETRY_SECONDS), lambda: self._backoff_tick(slot, expiry), "back-off")
            return
        self.sync()

    def crash(self, slot: ContainerSlot, exit_code: int) -> None:
        c = slot.current
        if c is None or c.state != "running":
            raise ApiError.bad_request(f'container "{slot.name}" in pod "{self.name}" is not running')
        self.kubelet.runtime.kill_container(c, exit_code, "Completed" if exit_code == 0 else "Error")

    # -- terminal pods, deadlines, deletion ------------------------------------------------------
    def _make_terminal(self, phase: str) -> None:
        self.terminal_phase = phase
        for slot in self.all_slots():
            slot.cancel_timer()
            slot.stop_probes()
            c = slot.current
            if c is not None and c.state == "running":
                self.event("Normal", "Killing", f"Stopping container {slot.name}", slot)
                self.kubelet.runtime.stop_container(c, self._grace(), _pre_stop_seconds(slot.spec))
        self.kubelet.runtime.stop_pod_sandbox(self.uid)
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
        self.kubelet.release(self)
        self.dirty()

    def _deadline_exceeded(self) -> None:
        self.deadline_timer = None
        if not self._alive() or self.terminal_phase or self.terminating:
            return
        self.reason = "DeadlineExceeded"
        self.message = "Pod was active on the node longer than the specified deadline"
        self.event("Normal", "DeadlineExceeded", self.message)
        running = False
        for slot in self.all_slots():
            slot.cancel_timer()
            slot.stop_probes()
            c = slot.current
            if c is not None and c.state == "running":
                running = True
                self.event("Normal", "Killing", f"Stopping container {slot.name}", slot)
                self.kubelet.runtime.stop_container(c, self._grace(), _pre_stop_seconds(slot.spec))
        self.start_queue.clear()
        if not running:
            self._make_terminal("Failed")
        self.dirty()

    def _grace(self) -> float:
        m = self.pod["metadata"]
        g = m.get("deletionGracePeriodSeconds")
        if g is None:
            g = (self.pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        return float(g if g is not None else 30)

    def update(self, pod: dict) -> None:
        """A newer version of the pod arrived (watch MODIFIED)."""
        self.pod = pod
        spec = pod.get("spec") or {}
        for slot, new in zip(
            self.all_slots(), list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
        ):
            if new.get("image") != slot.spec.get("image") and not slot.init:
                slot.spec = new
                c = slot.current
                if c is not None and c.state == "running" and not self.terminating:
                    slot.replace = True
                    self.event(
                        "Normal", "Killing", f"Container {slot.name} definition changed, will be restarted", slot
                    )
                    slot.stop_probes()
                    self.kubelet.runtime.stop_container(c, self._grace(), _pre_stop_seconds(new))
                elif c is None or c.state == "exited":
                    slot.image_backoff = 0.0
                    slot.cancel_timer()
                    slot.replace = c is not None
                    self.request_sync()
            elif new is not slot.spec:
                slot.spec = new
        if pod["metadata"].get("deletionTimestamp") and not self.terminating:
            self.begin_termination()

    def begin_termination(self) -> None:
        """Graceful deletion: ``Killing`` events, SIGTERM, SIGKILL after the grace period."""
        self.terminating = True
        self.start_queue.clear()
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
        if not self.kubelet.running:
            return
        grace = self._grace()
        for slot in self.all_slots():
            slot.cancel_timer()
            slot.stop_probes()
            slot.ready = False
            c = slot.current
            if c is not None and c.state == "running":
                self.event("Normal", "Killing", f"Stopping container {slot.name}", slot)
                self.kubelet.runtime.stop_container(c, grace, _pre_stop_seconds(slot.spec))
        self.dirty()
        self._check_terminated()

    def _check_terminated(self) -> None:
        if self.finished or not self.kubelet.running:
            return
        if any(s.current is not None and s.current.state == "running" for s in self.all_slots()):
            return
        if self.sandbox_pending:
            return  # the sandbox finishes first, then we come back here
        self.finished = True
        if not self.terminal_phase:
            from .status import pod_phase

            phase = pod_phase(self) if self.rejected is None else "Failed"
            if phase not in ("Succeeded", "Failed"):
                phase = "Failed"
            self.terminal_phase = phase
        self.kubelet.runtime.stop_pod_sandbox(self.uid)
        self.kubelet.release(self)
        self.kubelet.finish_deletion(self)

    def remove(self) -> None:
        """The pod left the API (or the node): kill what still runs and forget it."""
        self.removed = True
        runtime = self.kubelet.runtime
        for slot in self.all_slots():
            slot.cancel_timer()
            slot.stop_probes()
            c = slot.current
            if c is not None and c.state == "running":
                runtime.kill_container(c, 137, "Error", notify=False)
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
        self.start_queue.clear()
        runtime.stop_pod_sandbox(self.uid)
        self.kubelet.release(self)

    def reject(self, reason: str, message: str) -> None:
        self.rejected = (reason, message)
        self.terminal_phase = "Failed"
        self.dirty()

    # -- kubelet restart -------------------------------------------------------------------------
    def resume(self) -> None:
        """The kubelet came back: restart probes of running containers and resync."""
        for slot in self.all_slots():
            c = slot.current
            slot.cancel_timer()
            if c is not None and c.state == "running" and not self.terminating:
                self._start_probes(slot, c)
        if self.terminating and not self.finished:
            self.begin_termination()
            return
        self.dirty()
        self.sync()


def _pre_stop_seconds(spec: dict) -> float:
    """Seconds a preStop hook keeps the container running before SIGTERM (sleep hooks only)."""
    pre = ((spec.get("lifecycle") or {}).get("preStop")) or {}
    if "sleep" in pre:
        return float((pre["sleep"] or {}).get("seconds", 0))
    command = ((pre.get("exec") or {}).get("command")) or []
    text = " ".join(str(a) for a in command)
    import re

    m = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)", text)
    return float(m.group(1)) if m else 0.0
