"""How a simulated container behaves: its command, its image, and ``k8slearn.io/`` annotations.

A k8slearn container runs no code. What it *would* do is read from a valid Kubernetes
manifest, in this order:

1. **The process** is the container's ``command``/``args`` combined with the image's
   ``ENTRYPOINT``/``CMD`` exactly as the kubelet and runtime combine them (``command``
   replaces both; ``args`` alone replaces ``CMD``). :mod:`k8slearn.node.shell` interprets
   it: ``sh -c "exit 3"`` exits with 3, ``sleep 30`` exits 0 after 30 s, ``sh -c "sleep 5;
   exit 1"``, ``["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy;
   sleep 600"]`` creates and removes a file an exec probe can ``cat``. No command means
   the image's own program: ``nginx``, ``redis``, ``httpd`` ... are long-running
   servers; ``busybox``/``alpine`` run ``sh`` with no terminal and exit 0 at once (a
   classic CrashLoopBackOff); ``postgres`` without ``POSTGRES_PASSWORD`` exits 1 with its
   real complaint in the logs. Unknown programs run until they are stopped.
2. **Annotations** on the pod refine what the process alone cannot say. Each one may be
   given for the whole pod (``k8slearn.io/cpu``) or for one container, with the
   container name after a dot (``k8slearn.io/cpu.sidecar``); the per-container form
   wins. An unknown ``k8slearn.io/`` annotation, or a value that cannot be parsed, is
   reported by the kubelet as a Warning event (``UnknownAnnotation`` /
   ``InvalidAnnotation``, simulator-only reasons) and otherwise ignored.

| annotation | value | example | meaning |
|---|---|---|---|
| ``k8slearn.io/startup-seconds`` | seconds | ``"8"`` | boot time of the program: until then its ports refuse connections, so every probe fails |
| ``k8slearn.io/ready-after`` | seconds | ``"20"`` | readiness probes succeed only from this many seconds after the container started (default: ``startup-seconds``) |
| ``k8slearn.io/liveness-fails-after`` | ``S`` or ``S-E`` seconds | ``"30"``, ``"30-90"`` | the liveness endpoint fails from S (until E) seconds after start: a hung process |
| ``k8slearn.io/readiness-fails-after`` | ``S`` or ``S-E`` seconds | ``"60-120"`` | the readiness endpoint fails in that window (the pod leaves its Services, no restart) |
| ``k8slearn.io/exit-after`` | seconds | ``"45"`` | the process exits by itself after this many seconds |
| ``k8slearn.io/exit-code`` | integer | ``"1"`` | the exit code when it exits by itself (default: the command's, else 0) |
| ``k8slearn.io/cpu`` | CPU curve | ``"100m"``, ``"100m@0,500m@60"`` | CPU usage: one quantity, or ``value@seconds`` points joined by straight lines (flat after the last point); capped at the CPU limit |
| ``k8slearn.io/memory`` | memory curve | ``"50Mi@0,300Mi@120"`` | working-set memory, same syntax; crossing the memory limit is an OOM kill (exit 137, ``OOMKilled``) |
| ``k8slearn.io/logs`` | lines | ``"starting\\n@5 connected to db"`` | extra log lines; ``@<seconds> `` in front delays a line |
| ``k8slearn.io/shutdown-seconds`` | seconds | ``"45"`` | time the process needs after SIGTERM; longer than the grace period means SIGKILL (exit 137) |
| ``k8slearn.io/cpu-per-request`` | CPU quantity | ``"5m"`` | CPU one request per second costs (read by the traffic/load model) |
| ``k8slearn.io/requests-per-second-capacity`` | number | ``"200"`` | requests per second one pod can serve (read by the traffic/load model) |

Examples
--------
A web server that needs 10 s to boot and becomes unhealthy after two minutes::

    metadata:
      annotations:
        k8slearn.io/startup-seconds: "10"
        k8slearn.io/liveness-fails-after: "120"

A leaky worker whose memory grows until its 256Mi limit kills it::

    metadata:
      annotations:
        k8slearn.io/memory.worker: "40Mi@0,400Mi@300"

Notes
-----
CPU usage may also follow load: a traffic model can set ``cluster.load_model`` to a
callable ``load_model(namespace, pod, container, t) -> extra CPU cores`` (deterministic,
answering for any virtual time ``t`` in the last hour); cAdvisor adds it to the curve.
``cpu_per_request`` and ``rps_capacity`` of :class:`ContainerBehaviour` are the inputs
such a model reads.

Used in: 04_kubelet_and_runtime (and every lesson that starts pods).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.quantity import cpu_millis, memory_bytes
from .images import ImageConfig
from .shell import SHELLS, Program, ShellContext, parse_seconds, run_argv

__all__ = [
    "ANNOTATION_PREFIX",
    "ANNOTATIONS",
    "AppProfile",
    "ContainerBehaviour",
    "build_behaviour",
    "effective_argv",
    "parse_curve",
    "curve_at",
    "first_crossing",
    "register_annotation",
    "annotation_problems",
]

ANNOTATION_PREFIX = "k8slearn.io/"

#: name -> (value syntax, example, meaning); the table in the module docstring.
ANNOTATIONS: dict[str, tuple[str, str, str]] = {
    "startup-seconds": ("seconds", "8", "boot time; probes fail before it"),
    "ready-after": ("seconds", "20", "readiness succeeds from this many seconds after start"),
    "liveness-fails-after": ("S or S-E seconds", "30-90", "liveness endpoint fails in that window"),
    "readiness-fails-after": ("S or S-E seconds", "60-120", "readiness endpoint fails in that window"),
    "exit-after": ("seconds", "45", "the process exits by itself"),
    "exit-code": ("integer", "1", "exit code when it exits by itself"),
    "cpu": ("CPU curve", "100m@0,500m@60", "CPU usage over time"),
    "memory": ("memory curve", "50Mi@0,300Mi@120", "working-set memory over time"),
    "logs": ("lines", "starting\\n@5 connected", "extra log lines"),
    "shutdown-seconds": ("seconds", "45", "time needed after SIGTERM"),
    "cpu-per-request": ("CPU quantity", "5m", "CPU per request per second"),
    "requests-per-second-capacity": ("number", "200", "requests per second one pod serves"),
}


def register_annotation(name: str, syntax: str, example: str, meaning: str) -> None:
    """Declare a ``k8slearn.io/<name>`` annotation read by another module (so it is not "unknown")."""
    ANNOTATIONS[name] = (syntax, example, meaning)


@dataclass(frozen=True)
class AppProfile:
    """What a known program does: ports, boot time, idle usage, logs, shutdown."""

    server: bool = True
    ports: tuple[int, ...] = ()
    startup: float = 0.5
    cpu: float = 0.001  # cores when idle
    memory: int = 20 * 2**20
    shutdown: float = 0.2  # seconds to exit after SIGTERM (inf: ignores it)
    term_exit_code: int = 0
    http_paths: tuple[str, ...] | None = None  # None: every path answers 200
    http_fail_after: float | None = None
    cpu_per_request: float = 0.001
    logs: tuple[str, ...] = ()


_MI = 2**20
_NGINX_LOGS = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
    '{nginxdate} [notice] 1#1: using the "epoll" event method',
    "{nginxdate} [notice] 1#1: nginx/1.27.3",
    "{nginxdate} [notice] 1#1: OS: Linux 6.8.0-k8slearn",
    "{nginxdate} [notice] 1#1: start worker processes",
    "{nginxdate} [notice] 1#1: start worker process 29",
)
_REDIS_LOGS = (
    "1:C {redisdate} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:C {redisdate} * Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started",
    "1:M {redisdate} * Server initialized",
    "1:M {redisdate} * Ready to accept connections tcp",
)
_POSTGRES_NO_PASSWORD = (
    "Error: Database is uninitialized and superuser password is not specified.",
    "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
    '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
    "",
    '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all',
    "       connections without a password. This is *not* recommended.",
)
_POSTGRES_LOGS = (
    "PostgreSQL init process complete; ready for start up.",
    "{pgdate} UTC [1] LOG:  starting PostgreSQL 17.2 on x86_64-pc-linux-gnu",
    '{pgdate} UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
    "{pgdate} UTC [1] LOG:  database system is ready to accept connections",
)
_MYSQL_NO_PASSWORD = (
    "{mysqldate}+00:00 [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified",
    "    You need to specify one of the following as an environment variable:",
    "    - MYSQL_ROOT_PASSWORD",
    "    - MYSQL_ALLOW_EMPTY_PASSWORD",
    "    - MYSQL_RANDOM_ROOT_PASSWORD",
)

PROFILES: dict[str, AppProfile] = {
    "nginx": AppProfile(ports=(80,), startup=0.2, cpu=0.0005, memory=7 * _MI, shutdown=0.1,
                        http_paths=("/", "/index.html"), cpu_per_request=0.0002, logs=_NGINX_LOGS),
    "httpd-foreground": AppProfile(ports=(80,), startup=0.3, cpu=0.001, memory=11 * _MI, shutdown=0.2,
                                   http_paths=("/", "/index.html"), cpu_per_request=0.0003,
                                   logs=("AH00558: httpd: Could not reliably determine the server's fully qualified "
                                         "domain name, using {ip}. Set the 'ServerName' directive globally to "
                                         "suppress this message",
                                         "[{httpddate}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 "
                                         "(Unix) configured -- resuming normal operations")),
    "redis-server": AppProfile(ports=(6379,), startup=0.2, cpu=0.002, memory=4 * _MI, shutdown=0.1, logs=_REDIS_LOGS),
    "postgres": AppProfile(ports=(5432,), startup=3.0, cpu=0.003, memory=32 * _MI, shutdown=0.5, logs=_POSTGRES_LOGS),
    "mysqld": AppProfile(ports=(3306, 33060), startup=12.0, cpu=0.006, memory=380 * _MI, shutdown=2.0,
                         logs=("{mysqldate}+00:00 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
                               "connections. Version: '8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  "
                               "MySQL Community Server - GPL.",)),
    "memcached": AppProfile(ports=(11211,), startup=0.1, cpu=0.001, memory=3 * _MI),
    "mongod": AppProfile(ports=(27017,), startup=2.0, cpu=0.005, memory=150 * _MI, shutdown=0.5),
    "apache2-foreground": AppProfile(ports=(80,), startup=0.5, cpu=0.001, memory=16 * _MI, cpu_per_request=0.007),
    "server": AppProfile(ports=(8080,), startup=0.1, cpu=0.0005, memory=3 * _MI, http_fail_after=10.0,
                         logs=("Started HTTP server on port 8080",)),
    "goproxy": AppProfile(ports=(8080,), startup=0.1, cpu=0.0005, memory=4 * _MI),
    "whoami": AppProfile(ports=(80,), startup=0.1, cpu=0.0005, memory=4 * _MI,
                         logs=("{date} Starting up on port 80",)),
    "http-echo": AppProfile(ports=(5678,), startup=0.1, cpu=0.0005, memory=4 * _MI,
                            logs=("{date} [INFO] server is listening on :5678",)),
    "pause": AppProfile(server=False, startup=0.0, cpu=0.0, memory=300 * 1024, shutdown=0.0),
    "sleep": AppProfile(server=False, startup=0.0, cpu=0.0, memory=260 * 1024, shutdown=float("inf")),
    "loop": AppProfile(server=False, startup=0.0, cpu=0.0005, memory=400 * 1024, shutdown=float("inf")),
    "stress": AppProfile(server=False, startup=0.0, cpu=0.0, memory=1 * _MI, shutdown=0.0, term_exit_code=143),
    "http.server": AppProfile(ports=(8000,), startup=0.3, cpu=0.0005, memory=14 * _MI, shutdown=float("inf"),
                              logs=("Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...",)),
    "netexec": AppProfile(ports=(8080,), startup=0.1, cpu=0.0005, memory=9 * _MI),
    "serve-hostname": AppProfile(ports=(9376,), startup=0.1, cpu=0.0005, memory=6 * _MI),
    "unknown": AppProfile(ports=(), startup=0.5, cpu=0.001, memory=24 * _MI, shutdown=0.2, term_exit_code=143),
}  # fmt: skip

_FOREVER = float("inf")
_GNU_IMAGES = ("library/ubuntu", "library/debian", "library/python", "library/node", "library/postgres",
               "library/mysql", "library/httpd", "library/nginx", "library/redis")  # fmt: skip


@dataclass
class ContainerBehaviour:
    """Everything the runtime, the prober, cAdvisor and ``kubectl logs`` need to know.

    Times are seconds since the container started.
    """

    program: Program
    profile: AppProfile
    profile_name: str
    exit_at: float | None
    exit_code: int
    up_at: float
    ready_at: float
    liveness_fail: tuple[float, float] | None
    readiness_fail: tuple[float, float] | None
    ports: frozenset[int] | None  # None: any port answers
    cpu_curve: list[tuple[float, float]]
    memory_curve: list[tuple[float, float]]
    logs: list[tuple[float, str]]
    template_logs: list[tuple[float, str]]
    port: int
    shutdown_seconds: float
    term_exit_code: int
    cpu_per_request: float
    rps_capacity: float | None
    files: dict[str, str] = field(default_factory=dict)
    gnu: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)

    def cpu_at(self, t: float) -> float:
        return curve_at(self.cpu_curve, t)

    def memory_at(self, t: float) -> float:
        return curve_at(self.memory_curve, t)

    def log_lines(self, until: float, limit: int = 10_000, start: float = 0.0, ip: str = "") -> list[tuple[float, str]]:
        """``(t, line)`` printed up to ``until`` seconds after start, in time order.

        ``start`` (the container's start, virtual seconds) and ``ip`` fill in the
        timestamps and addresses real programs print.
        """
        lines = [x for x in self.logs if x[0] <= until]
        lines.extend(self.program.log_lines(until, limit))
        for t, template in self.template_logs:
            if t <= until:
                lines.append((t, render_log_line(template, start + t, ip, self.port)))
        lines.sort(key=lambda x: x[0])
        return lines[-limit:]

    def listens_on(self, port: int) -> bool:
        return self.ports is None or port in self.ports

    def http_status(self, path: str, t: float, kind: str) -> int:
        """HTTP status of ``GET path`` at ``t``: 200, 404 (unknown path), 500 (unhealthy), 503 (not ready yet)."""
        if self.unhealthy(kind, t):
            return 500
        paths = self.profile.http_paths
        if paths is not None and path not in paths and not path.startswith("/index"):
            return 404
        if self.profile.http_fail_after is not None and t >= self.profile.http_fail_after:
            return 500
        if kind == "readiness" and t < self.ready_at:
            return 503
        return 200

    def unhealthy(self, kind: str, t: float) -> bool:
        """Inside the failure window of this probe kind (``liveness-fails-after`` / ``readiness-fails-after``)."""
        window = self.liveness_fail if kind in ("liveness", "startup") else self.readiness_fail
        return window is not None and window[0] <= t < window[1]

    def answers(self, kind: str, t: float) -> bool:
        """Whether a probe of ``kind`` that the app must answer itself (exec, grpc, tcp) succeeds at ``t``."""
        if t < self.up_at or self.unhealthy(kind, t):
            return False
        return not (kind == "readiness" and t < self.ready_at)

    def change_points(self) -> list[float]:
        """Times at which a probe result can change (boot, ready, failure windows, http_fail_after)."""
        pts = {self.up_at, self.ready_at}
        for w in (self.liveness_fail, self.readiness_fail):
            if w is not None:
                pts.update(x for x in w if x != float("inf"))
        if self.profile.http_fail_after is not None:
            pts.add(self.profile.http_fail_after)
        return sorted(pts)


# -- curves ---------------------------------------------------------------------------------
def parse_curve(text: str, kind: str) -> list[tuple[float, float]]:
    """``"100m"`` or ``"100m@0,500m@60"`` -> ``[(0, 0.1), (60, 0.5)]`` (cores or bytes).

    Examples
    --------
    >>> parse_curve("100m@0,500m@60", "cpu")
    [(0.0, 0.1), (60.0, 0.5)]
    >>> parse_curve("64Mi", "memory")
    [(0.0, 67108864.0)]
    """
    points: list[tuple[float, float]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        value, _, at = part.partition("@")
        t = float(at) if at else 0.0
        if t < 0:
            raise ValueError(f"negative time in {part!r}")
        v = cpu_millis(value.strip()) / 1000 if kind == "cpu" else float(memory_bytes(value.strip()))
        points.append((t, float(v)))
    if not points:
        raise ValueError("empty curve")
    points.sort()
    return points


def curve_at(points: list[tuple[float, float]], t: float) -> float:
    """Piecewise-linear value at ``t`` (flat before the first and after the last point)."""
    if not points:
        return 0.0
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
    return points[-1][1]


def first_crossing(points: list[tuple[float, float]], limit: float) -> float | None:
    """First ``t >= 0`` where the curve goes above ``limit`` (None if it never does)."""
    if not points:
        return None
    if points[0][1] > limit:
        return 0.0
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if v1 > limit >= v0 and v1 != v0:
            return t0 + (limit - v0) * (t1 - t0) / (v1 - v0)
    return None


# -- argv -----------------------------------------------------------------------------------
_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand_var_refs(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion in command/args (``$$`` escapes; unknown refs stay)."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _VAR_REF.sub(sub, text)


def effective_argv(container: Mapping[str, Any], config: ImageConfig | None, env: Mapping[str, str]) -> tuple[str, ...]:
    """The process the runtime starts: ``command`` + ``args`` over the image's ENTRYPOINT/CMD."""
    command = container.get("command")
    args = container.get("args")
    config = config or ImageConfig()
    if command:
        argv = list(command) + list(args or [])
    elif args:
        argv = list(config.entrypoint) + list(args)
    else:
        argv = list(config.entrypoint) + list(config.cmd)
    return tuple(expand_var_refs(str(a), env) for a in argv)


def _strip_entrypoint(argv: tuple[str, ...]) -> tuple[str, ...]:
    # docker-entrypoint.sh scripts exec their arguments
    while argv and argv[0].rsplit("/", 1)[-1] in ("docker-entrypoint.sh", "entrypoint.sh", "tini", "dumb-init"):
        argv = argv[1:]
        if argv and argv[0] == "--":
            argv = argv[1:]
    return argv


def _program_name(argv: tuple[str, ...]) -> str:
    if not argv:
        return ""
    return argv[0].rsplit("/", 1)[-1]


# -- building ---------------------------------------------------------------------------------
def annotation_problems(annotations: Mapping[str, str], containers: list[str]) -> list[tuple[str, str]]:
    """``(reason, message)`` for unknown ``k8slearn.io/`` annotations (one Warning event each)."""
    out = []
    for key in sorted(annotations):
        if not key.startswith(ANNOTATION_PREFIX):
            continue
        name = key[len(ANNOTATION_PREFIX) :]
        base, dot, suffix = name.partition(".")
        if name in ANNOTATIONS:
            continue
        if dot and base in ANNOTATIONS:
            if suffix in containers:
                continue
            out.append(
                ("UnknownAnnotation", f'annotation "{key}" names container "{suffix}", which this pod does not have')
            )
            continue
        known = ", ".join(sorted(ANNOTATIONS))
        out.append(("UnknownAnnotation", f'unknown annotation "{key}" ignored (known k8slearn.io/ names: {known})'))
    return out


def _lookup(annotations: Mapping[str, str], name: str, container: str) -> str | None:
    value = annotations.get(f"{ANNOTATION_PREFIX}{name}.{container}")
    if value is None:
        value = annotations.get(ANNOTATION_PREFIX + name)
    return value


def _window(text: str) -> tuple[float, float]:
    start, dash, end = text.partition("-")
    a = float(start)
    b = float(end) if dash and end else float("inf")
    if a < 0 or b <= a:
        raise ValueError("expected S or S-E seconds with E > S >= 0")
    return (a, b)


def _profile_for(argv: tuple[str, ...], env: Mapping[str, str], program: Program) -> tuple[str, AppProfile, dict]:
    """The profile of the program the process ends in, plus facts read from its arguments."""
    facts: dict[str, Any] = {}
    if program.exit_at is not None:
        # a script or a finite command runs as PID 1, which ignores SIGTERM unless it traps it
        return "exited", AppProfile(server=False, startup=0.0, cpu=0.0005, memory=1 * _MI, shutdown=_FOREVER), facts
    name = program.program or ""
    pargv = _strip_entrypoint(program.program_argv)
    pname = _program_name(pargv) or name
    if pname in ("python", "python3") and pargv[1:3] == ("-m", "http.server"):
        port = next((int(a) for a in pargv[3:] if a.isdigit()), 8000)
        facts["ports"] = (port,)
        facts["port"] = port
        return "http.server", PROFILES["http.server"], facts
    if pname == "agnhost":
        sub = pargv[1] if len(pargv) > 1 else ""
        if sub == "netexec":
            port = next((int(a.split("=", 1)[1]) for a in pargv if a.startswith("--http-port=")), 8080)
            facts["ports"] = (port,)
            return "netexec", PROFILES["netexec"], facts
        if sub == "serve-hostname":
            return "serve-hostname", PROFILES["serve-hostname"], facts
        if sub == "liveness":
            return "server", PROFILES["server"], facts
        if sub == "pause":
            return "pause", PROFILES["pause"], facts
    if pname == "http-echo":
        port = next((int(a.split(":")[-1]) for a in pargv if a.startswith("-listen=")), 5678)
        facts["ports"] = (port,)
    if pname == "stress":
        return "stress", PROFILES["stress"], facts
    if name == "loop":
        return "loop", PROFILES["loop"], facts
    if pname in PROFILES:
        return pname, PROFILES[pname], facts
    return "unknown", PROFILES["unknown"], facts


def _stress_facts(argv: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {"cpu": 0.0, "memory": 0.0, "timeout": 0.0}
    args = list(argv[1:])
    vm, vm_bytes = 0, 256 * _MI
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if a in ("--cpu", "-c") and nxt.isdigit():
            out["cpu"] = float(nxt)
        elif a in ("--vm", "-m") and nxt.isdigit():
            vm = int(nxt)
        elif a == "--vm-bytes" and nxt:
            try:
                text = nxt.upper().rstrip("B")
                vm_bytes = memory_bytes(text[:-1] + {"K": "Ki", "M": "Mi", "G": "Gi"}[text[-1]]) if text[-1] in "KMG" \
                    else memory_bytes(text)  # fmt: skip
            except (ValueError, KeyError, IndexError):
                pass
        elif a in ("--timeout", "-t") and nxt:
            out["timeout"] = parse_seconds(nxt) or 0.0
    out["memory"] = float(vm * vm_bytes)
    return out


def render_log_line(template: str, t: float, ip: str, port: int) -> str:
    """Fill a program's log template with the virtual time ``t`` (absolute) and the pod IP."""
    if "{" not in template:
        return template
    from .timefmt import log_stamp

    return template.format(
        nginxdate=log_stamp(t, "nginx"),
        redisdate=log_stamp(t, "redis"),
        pgdate=log_stamp(t, "pg"),
        mysqldate=log_stamp(t, "mysql"),
        httpddate=log_stamp(t, "httpd"),
        date=log_stamp(t, "go"),
        ip=ip or "10.244.0.2",
        port=port,
    )


_CACHE: dict[tuple, ContainerBehaviour] = {}
_CACHE_SIZE = 4096


def build_behaviour(
    *,
    container: Mapping[str, Any],
    annotations: Mapping[str, str],
    env: Mapping[str, str],
    config: ImageConfig | None,
    repository: str = "",
    files: Mapping[str, str] | None = None,
    hostname: str = "pod",
    date: Any = None,
) -> ContainerBehaviour:
    """Read a container's behaviour from its spec, its image and the pod's annotations.

    ``date(t)`` renders the virtual time ``t`` seconds after the start for a script's
    ``date``. Behaviours are cached: identical containers share one (read-only) object.
    """
    name = container.get("name", "")
    argv = effective_argv(container, config, env)
    text = " ".join(argv)
    mine = tuple(sorted((k, v) for k, v in annotations.items() if k.startswith(ANNOTATION_PREFIX)))
    if "date" in text:
        key = None
    else:
        key = (
            repository,
            config,
            argv,
            name,
            tuple((p.get("containerPort"), p.get("name")) for p in container.get("ports") or []),
            mine,
            tuple(sorted((k, v) for k, v in env.items() if k != "HOSTNAME")),
            tuple(sorted((files or {}).items())),
            hostname if ("hostname" in text or "HOSTNAME" in text) else "",
        )
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    behaviour = _build(name, argv, container, annotations, env, config, repository, files, hostname, date)
    if key is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = behaviour
    return behaviour


def _build(name: str, argv: tuple[str, ...], container: Mapping[str, Any], annotations: Mapping[str, str],
           env: Mapping[str, str], config: ImageConfig | None, repository: str, files: Mapping[str, str] | None,
           hostname: str, date: Any) -> ContainerBehaviour:  # fmt: skip
    gnu = any(repository.endswith(g) for g in _GNU_IMAGES)
    ctx = ShellContext(env=dict(env), files=dict(files or {}), hostname=hostname, gnu=gnu)
    if date is not None:
        ctx.date = date
    core = _strip_entrypoint(argv)
    pname = _program_name(core)
    problems: list[tuple[str, str]] = []
    logs: list[tuple[float, str]] = []
    # programs with their own rules before the generic interpreter
    if pname == "postgres" and not (env.get("POSTGRES_PASSWORD") or env.get("POSTGRES_HOST_AUTH_METHOD") == "trust"):
        program = Program(exit_at=0.2, exit_code=1)
        logs.extend((0.0, line) for line in _POSTGRES_NO_PASSWORD)
    elif pname == "mysqld" and not any(
        env.get(k) for k in ("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD")
    ):
        program = Program(exit_at=0.5, exit_code=1)
        logs.extend((0.0, line) for line in _MYSQL_NO_PASSWORD)
    elif pname == "hello":
        program = Program(exit_at=0.0, exit_code=0)
        logs.extend((0.0, line) for line in ("", "Hello from Docker!",
                                             "This message shows that your installation appears to be working correctly.",
                                             ""))  # fmt: skip
    elif pname in ("python", "python3", "node") and len(core) == 1:
        program = Program(exit_at=0.0, exit_code=0)  # a REPL without a terminal reads EOF and exits
    elif pname in ("python", "python3") and core[1:2] == ("-c",) and len(core) > 2:
        program = Program(exit_at=0.1, exit_code=0)
        logs.extend((0.1, m) for m in re.findall(r"print\(\s*['\"](.*?)['\"]\s*\)", core[2]))
    elif pname == "stress" and not any(a.startswith("-") and a != "--help" for a in core[1:]):
        program = Program(exit_at=0.0, exit_code=1)
        logs.append((0.0, "`stress' imposes certain types of compute stress on your system"))
    elif pname == "curl" and len(core) == 1:
        program = Program(exit_at=0.0, exit_code=2)
        logs.append((0.0, "curl: try 'curl --help' or 'curl --manual' for more information"))
    elif pname == "curl":
        program = Program(exit_at=0.2, exit_code=0)
    else:
        program = run_argv(core, ctx) if core else Program(exit_at=None, program="unknown")
    profile_name, profile, facts = _profile_for(argv, env, program)
    ports: frozenset[int] | None
    declared = [p.get("containerPort") for p in container.get("ports") or [] if p.get("containerPort")]
    listening = set(facts.get("ports", profile.ports)) | set(declared)
    if profile.server:
        ports = frozenset(listening) if listening else None
    else:
        ports = frozenset(declared)
    start = program.program_at if program.exit_at is None else 0.0
    up_at = start + (profile.startup if profile.server else 0.0)
    if start > 0:  # a script that ends in a program: small until the program starts
        cpu_curve = [(0.0, 0.0005), (start, profile.cpu)]
        mem_curve = [(0.0, float(_MI)), (start, float(profile.memory))]
    else:
        cpu_curve = [(0.0, profile.cpu)]
        mem_curve = [(0.0, float(profile.memory))]
    if program.busy:
        cpu_curve = [(0.0, 1.0)]
    if profile_name == "stress":
        facts2 = _stress_facts(_strip_entrypoint(program.program_argv))
        cpu_curve = [(0.0, max(facts2["cpu"], 0.001))]
        mem_curve = [(0.0, 1.0 * _MI), (0.5, float(_MI) + facts2["memory"])]
        logs.append((0.0, f"stress: info: [1] dispatching hogs: {int(facts2['cpu'])} cpu, 0 io, "
                          f"{1 if facts2['memory'] else 0} vm, 0 hdd"))  # fmt: skip
        if facts2["timeout"]:
            program = Program(exit_at=facts2["timeout"], exit_code=0)
            logs.append((facts2["timeout"], f"stress: info: [1] successful run completed in {int(facts2['timeout'])}s"))
    port = next(iter(sorted(listening)), 80)
    template_logs = [(up_at + i * 0.001, line) for i, line in enumerate(profile.logs)]
    exit_at = program.exit_at
    exit_code = program.exit_code
    ready_at = up_at
    liveness_fail = readiness_fail = None
    shutdown = profile.shutdown
    if program.traps_term:
        shutdown = 0.1
    cpu_per_request = profile.cpu_per_request
    rps_capacity: float | None = None

    def read(key: str, parse: Any) -> Any:
        raw = _lookup(annotations, key, name)
        if raw is None:
            return None
        try:
            return parse(str(raw))
        except (ValueError, TypeError, KeyError) as err:
            problems.append(
                ("InvalidAnnotation", f'annotation "{ANNOTATION_PREFIX}{key}": cannot parse "{raw}": {err}')
            )
            return None

    v = read("startup-seconds", float)
    if v is not None and v >= 0:
        up_at = start + v
        ready_at = up_at
    v = read("ready-after", float)
    if v is not None:
        ready_at = max(v, up_at)
    liveness_fail = read("liveness-fails-after", _window)
    readiness_fail = read("readiness-fails-after", _window)
    v = read("exit-after", float)
    if v is not None and v >= 0:
        exit_at = v
        exit_code = 0
    v = read("exit-code", int)
    if v is not None:
        exit_code = v % 256
        if exit_at is None:
            problems.append(("InvalidAnnotation", f'annotation "{ANNOTATION_PREFIX}exit-code" has no effect: the '
                                                  f'process of container "{name}" does not exit by itself '
                                                  f'(add {ANNOTATION_PREFIX}exit-after)'))  # fmt: skip
    v = read("cpu", lambda s: parse_curve(s, "cpu"))
    if v is not None:
        cpu_curve = v
    v = read("memory", lambda s: parse_curve(s, "memory"))
    if v is not None:
        mem_curve = v
    v = read("logs", _parse_logs)
    if v is not None:
        logs.extend(v)
    v = read("shutdown-seconds", float)
    if v is not None and v >= 0:
        shutdown = v
    v = read("cpu-per-request", lambda s: cpu_millis(s) / 1000)
    if v is not None:
        cpu_per_request = v
    v = read("requests-per-second-capacity", float)
    if v is not None and v > 0:
        rps_capacity = v
    logs.sort(key=lambda x: x[0])
    return ContainerBehaviour(
        program=program,
        profile=profile,
        profile_name=profile_name,
        exit_at=exit_at,
        exit_code=exit_code,
        up_at=up_at,
        ready_at=ready_at,
        liveness_fail=liveness_fail,
        readiness_fail=readiness_fail,
        ports=ports,
        cpu_curve=cpu_curve,
        memory_curve=mem_curve,
        logs=logs,
        template_logs=template_logs,
        port=port,
        shutdown_seconds=shutdown,
        term_exit_code=profile.term_exit_code,
        cpu_per_request=cpu_per_request,
        rps_capacity=rps_capacity,
        files=dict(files or {}),
        gnu=gnu,
        problems=problems,
    )


def _parse_logs(text: str) -> list[tuple[float, str]]:
    out = []
    for raw in text.replace("\\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line:
            continue
        t = 0.0
        m = re.match(r"^@(\d+(?:\.\d+)?)\s(.*)$", line)
        if m:
            t, line = float(m.group(1)), m.group(2)
        out.append((t, line))
    return out


def is_shell(argv0: str) -> bool:
    return argv0 in SHELLS
