"""Liveness, readiness and startup probes: what each probe answers, and when the prober runs it.

Notes
-----
Mirrors the kubelet's prober (``pkg/kubelet/prober``): defaults ``initialDelaySeconds``
0, ``periodSeconds`` 10, ``timeoutSeconds`` 1, ``successThreshold`` 1,
``failureThreshold`` 3; a startup probe gates the other two; the result only flips after
``failureThreshold`` consecutive failures (or ``successThreshold`` successes); a failed
liveness or startup probe restarts the container, a failed readiness probe only marks it
not ready. Every failed probe is a ``Warning Unhealthy`` event
(``Liveness probe failed: HTTP probe failed with statuscode: 500``), with the prober's
own messages for HTTP (``Get "http://10.244.0.5:8080/healthz": dial tcp
10.244.0.5:8080: connect: connection refused``), TCP and exec probes.

Probe times follow the pod's prober ticker: ``t0 + k * periodSeconds`` where ``t0`` is
when the kubelet first synced the pod (upstream starts a probe worker per container when
the pod is added and probes on every tick once the container has run for
``initialDelaySeconds``); a restarted container keeps the same grid. The answer is a function of the container's behaviour, so while a probe keeps
succeeding the prober skips ahead to the next time its answer can change instead of
ticking every period (a healthy cluster of 150,000 pods costs no probe work); failing
probes run every period, each one an event.

Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..clock import Priority
from .behaviour import ContainerBehaviour
from .shell import ShellContext, run_probe

if TYPE_CHECKING:
    from .runtime import Container

__all__ = [
    "PROBE_DEFAULTS",
    "ProbeSpec",
    "probe_spec",
    "evaluate",
    "exec_in",
    "files_at",
    "ProbeWorker",
    "describe_probe",
]

PROBE_DEFAULTS = {
    "initialDelaySeconds": 0,
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 3,
}
KINDS = {"liveness": "livenessProbe", "readiness": "readinessProbe", "startup": "startupProbe"}


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """One probe of one container, with upstream defaults filled in."""

    kind: str  # liveness, readiness, startup
    handler: str  # httpGet, tcpSocket, exec, grpc
    port: int
    path: str
    scheme: str
    host: str
    command: tuple[str, ...]
    initial_delay: float
    period: float
    timeout: float
    success_threshold: int
    failure_threshold: int
    termination_grace: int | None


def _port(value: Any, container: Mapping) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    for p in container.get("ports") or []:
        if p.get("name") == text:
            return int(p.get("containerPort", 0))
    return 0


def probe_spec(container: Mapping, kind: str) -> ProbeSpec | None:
    """The container's ``<kind>Probe`` with defaults, or None."""
    raw = container.get(KINDS[kind])
    if not raw:
        return None
    v = {k: raw.get(k) or d for k, d in PROBE_DEFAULTS.items()}
    if kind in ("liveness", "startup"):
        v["successThreshold"] = 1
    handler, port, path, scheme, host, command = "exec", 0, "", "HTTP", "", ()
    if "httpGet" in raw:
        h = raw["httpGet"] or {}
        handler, port, path = "httpGet", _port(h.get("port", 80), container), h.get("path") or "/"
        scheme, host = h.get("scheme") or "HTTP", h.get("host") or ""
    elif "tcpSocket" in raw:
        h = raw["tcpSocket"] or {}
        handler, port, host = "tcpSocket", _port(h.get("port", 0), container), h.get("host") or ""
    elif "grpc" in raw:
        handler, port = "grpc", int((raw["grpc"] or {}).get("port", 0))
    elif "exec" in raw:
        command = tuple(str(a) for a in ((raw["exec"] or {}).get("command") or ()))
    return ProbeSpec(kind, handler, port, path, scheme, host, command, float(v["initialDelaySeconds"]),
                     float(v["periodSeconds"]), float(v["timeoutSeconds"]), int(v["successThreshold"]),
                     int(v["failureThreshold"]), raw.get("terminationGracePeriodSeconds"))  # fmt: skip


def describe_probe(spec: ProbeSpec) -> str:
    """``http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`` (kubectl describe)."""
    if spec.handler == "httpGet":
        target = f"http-get {spec.scheme.lower()}://{spec.host}:{spec.port}{spec.path}"
    elif spec.handler == "tcpSocket":
        target = f"tcp-socket {spec.host}:{spec.port}"
    elif spec.handler == "grpc":
        target = f"grpc <pod>:{spec.port} "
    else:
        target = "exec [" + " ".join(spec.command) + "]"
    return (f"{target} delay={spec.initial_delay:g}s timeout={spec.timeout:g}s period={spec.period:g}s "
            f"#success={spec.success_threshold} #failure={spec.failure_threshold}")  # fmt: skip


def files_at(b: ContainerBehaviour, t: float) -> dict[str, str]:
    """The container's files ``t`` seconds after start (mounted files plus what its command did)."""
    files = dict(b.files)
    prog = b.program
    for when, op, arg in prog.events:
        if when > t:
            break
        if op == "touch":
            files.setdefault(arg, "")
        elif op == "rm":
            files.pop(arg, None)
    if prog.loop is not None and t >= prog.loop[0]:
        for path in {arg for _, op, arg in prog.loop[2] if op in ("touch", "rm")}:
            if prog.file_exists(path, t, frozenset(b.files)):
                files.setdefault(path, "")
            else:
                files.pop(path, None)
    return files


def exec_in(
    b: ContainerBehaviour,
    t: float,
    argv: tuple[str, ...] | list[str],
    hostname: str,
    env: Mapping[str, str] | None = None,
) -> tuple[int | None, str]:
    """Run ``argv`` in the container ``t`` seconds after it started: ``(exit code, output)``.

    The shell model sees the container's files at that moment; the exit code is None for
    a program it cannot run. Exec probes and ``kubectl exec`` both come through here.
    """
    ctx = ShellContext(env=dict(env or {}), files=files_at(b, t), hostname=hostname, gnu=b.gnu)
    return run_probe(argv, ctx)


def evaluate(spec: ProbeSpec, b: ContainerBehaviour, t: float, ip: str, hostname: str = "pod") -> tuple[bool, str]:
    """Run the probe ``t`` seconds after the container started: ``(success, message)``."""
    kind = spec.kind
    host = spec.host or ip
    if spec.handler == "exec":
        code, output = exec_in(b, t, spec.command, hostname)
        if code is None:  # a program we cannot run: it answers as the app is
            return b.answers(kind, t), ""
        return code == 0, output
    booting = t < b.up_at or not b.listens_on(spec.port)
    if spec.handler == "httpGet":
        url = f"{spec.scheme.lower()}://{host}:{spec.port}{spec.path}"
        if booting:
            return False, f'Get "{url}": dial tcp {host}:{spec.port}: connect: connection refused'
        status = b.http_status(spec.path, t, kind)
        if 200 <= status < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {status}"
    if spec.handler == "tcpSocket":
        if booting or (kind == "readiness" and t < b.ready_at):
            return False, f"dial tcp {host}:{spec.port}: connect: connection refused"
        if b.unhealthy(kind, t):
            return False, f"dial tcp {host}:{spec.port}: i/o timeout"
        return True, ""
    # grpc
    if booting:
        return False, f'timeout: failed to connect service ":{spec.port}" within {spec.timeout:g}s'
    if b.unhealthy(kind, t):
        return False, 'service unhealthy (responded with "NOT_SERVING")'
    return True, ""


def next_change(spec: ProbeSpec, b: ContainerBehaviour, t: float) -> float | None:
    """The next time after ``t`` at which the probe's answer may change (None: never)."""
    points = [p for p in b.change_points() if p > t]
    if spec.handler == "exec":
        prog = b.program
        points.extend(when for when, op, _ in prog.events if op in ("touch", "rm") and when > t)
        if prog.loop is not None:
            start, period, body = prog.loop
            ops = [rel for rel, op, _ in body if op in ("touch", "rm")]
            if ops and period > 0:
                k = max(0, math.floor((t - start) / period))
                for j in (k, k + 1):
                    points.extend(start + j * period + rel for rel in ops if start + j * period + rel > t)
    return min(points) if points else None


class ProbeWorker:
    """Runs one probe of one container instance and reports result changes.

    ``on_result(kind, ok)`` is called when the result flips (after the thresholds);
    ``on_failure(kind, message)`` for each failed run (the kubelet turns it into an
    ``Unhealthy`` event). ``history`` keeps the ``(time, ok, message)`` runs executed.
    """

    __slots__ = ("spec", "container", "clock", "ip", "hostname", "on_result", "on_failure", "result",
                 "successes", "failures", "timer", "history", "label", "stopped", "anchor")  # fmt: skip

    def __init__(self, spec: ProbeSpec, container: Container, clock: Any, ip: str, hostname: str,
                 on_result: Callable[[str, bool], None], on_failure: Callable[[str, str], None], label: str,
                 anchor: float | None = None) -> None:  # fmt: skip
        self.spec = spec
        self.container = container
        self.clock = clock
        self.ip = ip
        self.hostname = hostname
        self.on_result = on_result
        self.on_failure = on_failure
        # initial results: readiness is Failure, liveness Success, startup Unknown
        self.result: bool | None = {"readiness": False, "liveness": True, "startup": None}[spec.kind]
        self.successes = 0
        self.failures = 0
        self.timer: Any = None
        self.history: deque = deque(maxlen=400)
        self.label = label
        self.stopped = False
        self.anchor = anchor

    def start(self) -> None:
        """Begin probing: the first tick at least ``initialDelaySeconds`` after the container started."""
        started = self.container.started_at or self.clock.now
        self._arm(self._tick_after(max(started + self.spec.initial_delay, self.clock.now)))

    def stop(self) -> None:
        self.stopped = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _arm(self, when: float) -> None:
        if self.stopped:
            return
        self.timer = self.clock.at(when, self.run, priority=Priority.NODE, label=self.label)

    def _tick_after(self, when: float) -> float:
        """The first probe time at or after ``when`` on this worker's period grid."""
        spec = self.spec
        if self.anchor is not None:
            base = self.anchor
        else:
            base = (self.container.started_at or 0.0) + spec.initial_delay
        if when <= base:
            return base
        k = math.ceil(round((when - base) / spec.period, 9))
        return base + k * spec.period

    def run(self) -> None:
        self.timer = None
        if self.stopped or not self.container.running:
            return
        now = self.clock.now
        spec = self.spec
        t = now - (self.container.started_at or now)
        ok, message = evaluate(spec, self.container.behaviour, t, self.ip, self.hostname)
        self.history.append((now, ok, message))
        if ok:
            self.successes += 1
            self.failures = 0
            if self.result is not True and self.successes >= spec.success_threshold:
                self.result = True
                self.on_result(spec.kind, True)
        else:
            self.failures += 1
            self.successes = 0
            self.on_failure(spec.kind, message)
            if self.result is not False and self.failures >= spec.failure_threshold:
                self.result = False
                self.on_result(spec.kind, False)
                if spec.kind in ("liveness", "startup"):
                    self.stop()  # the container is being restarted
                    return
        if self.stopped:
            return
        if ok and self.result is True:
            if spec.kind == "startup":
                self.stop()  # startup probes stop once they succeeded
                return
            change = next_change(spec, self.container.behaviour, t)
            if change is None:
                return  # stable forever: nothing to do until the container changes
            started = self.container.started_at or now
            self._arm(self._tick_after(max(started + change, now + spec.period)))
            return
        self._arm(now + spec.period)

    def expanded_history(self, until: float | None = None) -> list[tuple[float, bool, str]]:
        """Every probe run as ``(time, ok, message)``, including the successes the worker skipped."""
        c = self.container
        end = c.finished_at if c.finished_at is not None else (self.clock.now if until is None else until)
        period = self.spec.period
        out: list[tuple[float, bool, str]] = []
        runs = list(self.history)
        for i, (t, ok, message) in enumerate(runs):
            out.append((t, ok, message))
            nxt = runs[i + 1][0] if i + 1 < len(runs) else (end if not self.stopped or ok else t)
            if ok and self.spec.kind != "startup":
                k = 1
                while t + k * period < nxt - 1e-9 and (i + 1 < len(runs) or t + k * period <= end):
                    out.append((t + k * period, True, ""))
                    k += 1
        return out
