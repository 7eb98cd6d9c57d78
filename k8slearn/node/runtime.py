"""Container runtime (CRI-like, modelled on containerd): images, pod sandboxes, containers.

The kubelet talks to the runtime only through these verbs, as it talks to containerd
through the CRI: ``pull_image``, ``run_pod_sandbox`` / ``stop_pod_sandbox`` (the pause
container and its network namespace, which gets the pod IP), ``create_container``,
``start_container``, ``stop_container`` (SIGTERM, then SIGKILL after the grace period)
and ``kill_container``. Containers exit on their own when their behaviour says so
(:mod:`k8slearn.node.behaviour`): at the end of their command, or with exit code 137 and
reason ``OOMKilled`` when their memory use crosses the memory limit. Every exit is
reported to the listener (the kubelet's PLEG).

Notes
-----
Every machine has its own random generator, seeded once from ``cluster.rng`` when the
node is added: container IDs (``containerd://<64 hex>``) and machine IDs come from it, so
what happens on one node never changes the random choices of the rest of the cluster.

Image pulls are serialized per node (the kubelet default ``serializeImagePulls: true``):
a second pull waits for the first; "including waiting" in the ``Pulled`` event is that
wait plus the pull. Pod IPs come from the node's ``podCIDR`` like the ``host-local``
IPAM plugin: ``.1`` is the bridge gateway, pods get ``.2`` upward, freed addresses are
reused lowest first.

Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

import heapq
import ipaddress
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..clock import Priority
from .behaviour import ContainerBehaviour, first_crossing
from .images import DEFAULT_REGISTRY, SANDBOX_IMAGE, ImageInfo, PullError, Registry, parse_image, pull_seconds

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .host import NodeHost

__all__ = ["ContainerRuntime", "Container", "Sandbox", "PullResult", "RUNTIME_VERSION", "MIN_GRACE_SECONDS"]

RUNTIME_VERSION = "containerd://2.1.0"
#: The kubelet never gives a container less than this to stop (``minimumGracePeriodInSeconds``).
MIN_GRACE_SECONDS = 2


class PullResult:
    """Outcome of a pull: the image or the error, the pull time and the time including waiting."""

    __slots__ = ("image", "error", "pull_seconds", "total_seconds")

    def __init__(self, image: ImageInfo | None, error: str, pull_s: float, total_s: float) -> None:
        self.image = image
        self.error = error
        self.pull_seconds = pull_s
        self.total_seconds = total_s


class Sandbox:
    """A pod sandbox: the pause container holding the pod's network namespace and IP."""

    __slots__ = ("id", "pod_uid", "ip", "created_at", "ready", "host_network")

    def __init__(self, id_: str, pod_uid: str, ip: str, created_at: float, host_network: bool = False) -> None:
        self.id = id_
        self.pod_uid = pod_uid
        self.ip = ip
        self.created_at = created_at
        self.ready = True
        self.host_network = host_network


class Container:
    """One container instance (a restart creates a new one, with a new ID)."""

    __slots__ = ("id", "name", "pod_uid", "namespace", "pod_name", "image", "behaviour", "state", "created_at",
                 "started_at", "finished_at", "exit_code", "reason", "restart_count", "timer", "seed",
                 "memory_limit", "cpu_limit", "stopping", "signal_at", "kill_reason", "env")  # fmt: skip

    def __init__(self, id_: str, name: str, pod_uid: str, namespace: str, pod_name: str, image: ImageInfo,
                 behaviour: ContainerBehaviour, created_at: float, restart_count: int, seed: int) -> None:  # fmt: skip
        self.id = id_
        self.name = name
        self.pod_uid = pod_uid
        self.namespace = namespace
        self.pod_name = pod_name
        self.image = image
        self.behaviour = behaviour
        self.state = "created"
        self.created_at = created_at
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.exit_code: int | None = None
        self.reason = ""
        self.restart_count = restart_count
        self.timer: Any = None
        self.seed = seed
        self.memory_limit: int | None = None
        self.cpu_limit: float | None = None
        self.stopping = False
        self.signal_at: float | None = None
        self.kill_reason = ""
        self.env: dict[str, str] = {}  # what the process (and an exec'd one) sees

    @property
    def container_id(self) -> str:
        """``containerd://<64 hex>`` as the kubelet reports it."""
        return f"containerd://{self.id}"

    @property
    def running(self) -> bool:
        return self.state == "running"

    def uptime(self, now: float) -> float:
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else now
        return max(0.0, end - self.started_at)

    def __repr__(self) -> str:
        return f"<Container {self.pod_name}/{self.name} {self.state} {self.id[:12]}>"


class ContainerRuntime:
    """The node's container runtime: pulled images, sandboxes and container processes."""

    def __init__(self, cluster: Cluster, host: NodeHost) -> None:
        self.cluster = cluster
        self.host = host
        self.clock = cluster.clock
        # the machine's own generator, seeded once from the cluster's: container IDs drawn here
        # never shift the random choices of other components (names, ClusterIPs, tie-breaks)
        self.rng = random.Random(cluster.rng.getrandbits(64))
        self.version = RUNTIME_VERSION
        self.images: dict[str, ImageInfo] = {}
        self._pull_free_at = 0.0
        self._in_flight: dict[str, float] = {}
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}
        self.listener: Callable[[Container], None] | None = None
        self.image_listener: Callable[[], None] | None = None
        self._network = ipaddress.ip_network(host.spec.pod_cidr) if host.spec.pod_cidr else None
        self._next_ip = 2
        self._free_ips: list[int] = []
        self.label = f"container-runtime/{host.name}"
        try:
            sandbox = self.registry.lookup(SANDBOX_IMAGE)
            self.images[sandbox.ref.full] = sandbox
        except PullError:  # a custom registry without the pause image
            pass

    @property
    def registry(self) -> Registry:
        return getattr(self.cluster, "image_registry", None) or DEFAULT_REGISTRY

    # -- images --------------------------------------------------------------------------
    def image_status(self, image: str) -> ImageInfo | None:
        """The local image for ``image`` (None when it is not on this node); raises InvalidImageName."""
        return self.images.get(parse_image(image).full)

    def pull_image(self, image: str, callback: Callable[[PullResult], None]) -> None:
        """Pull ``image`` (serialized with the node's other pulls); ``callback`` gets the :class:`PullResult`."""
        now = self.clock.now
        full = parse_image(image).full
        try:
            info: ImageInfo | None = self.registry.lookup(image)
            error = ""
        except PullError as err:
            info, error = None, str(err)
        present = info is not None and (full in self.images or full in self._in_flight)
        duration = pull_seconds(info.size if info else 0, present=present or info is None)
        start = max(now, self._pull_free_at)
        done = round(start + duration, 6)
        self._pull_free_at = done
        if info is not None and not present:
            self._in_flight[full] = done

        def finish() -> None:
            self._in_flight.pop(full, None)
            if info is not None and full not in self.images:
                self.images[full] = info
                if self.image_listener is not None:
                    self.image_listener()
            callback(PullResult(info, error, duration, done - now))

        self.clock.at(done, finish, priority=Priority.NODE, label=f"{self.label} pull {image}")

    def list_images(self) -> list[ImageInfo]:
        return list(self.images.values())

    # -- sandboxes -----------------------------------------------------------------------
    def ip_range(self) -> str:
        """``10.244.0.1-10.244.0.254``: the range host-local IPAM hands out (as in its errors)."""
        if self._network is None:
            return ""
        base = self._network.network_address
        return f"{base + 1}-{base + self._network.num_addresses - 2}"

    def allocate_ip(self) -> str | None:
        if self._network is None:
            return None
        if self._free_ips:
            return str(self._network.network_address + heapq.heappop(self._free_ips))
        if self._next_ip > self._network.num_addresses - 2:
            return None
        offset = self._next_ip
        self._next_ip += 1
        return str(self._network.network_address + offset)

    def release_ip(self, ip: str) -> None:
        if self._network is None or not ip:
            return
        offset = int(ipaddress.ip_address(ip)) - int(self._network.network_address)
        if 2 <= offset < self._next_ip and offset not in self._free_ips:
            heapq.heappush(self._free_ips, offset)

    def run_pod_sandbox(self, pod_uid: str, host_network: bool = False) -> Sandbox | None:
        """Create the pod's sandbox and network; None when the IP range is exhausted.

        A ``hostNetwork`` pod shares the node's network namespace and address.
        """
        existing = self.sandboxes.get(pod_uid)
        if existing is not None:
            return existing
        ip = self.host.spec.address if host_network else self.allocate_ip()
        if ip is None:
            return None
        sandbox = Sandbox(self._new_id(), pod_uid, ip, self.clock.now, host_network)
        self.sandboxes[pod_uid] = sandbox
        return sandbox

    def stop_pod_sandbox(self, pod_uid: str) -> None:
        """Stop the sandbox and give its IP back (the pod's status keeps showing it)."""
        sandbox = self.sandboxes.pop(pod_uid, None)
        if sandbox is not None:
            sandbox.ready = False
            if not sandbox.host_network:
                self.release_ip(sandbox.ip)

    # -- containers ----------------------------------------------------------------------
    def _new_id(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def create_container(self, pod: dict, name: str, image: ImageInfo, behaviour: ContainerBehaviour,
                         restart_count: int, resources: dict | None = None) -> Container:  # fmt: skip
        from ..api.quantity import cpu_millis, memory_bytes

        m = pod["metadata"]
        c = Container(self._new_id(), name, m.get("uid", ""), m.get("namespace", ""), m["name"], image, behaviour,
                      self.clock.now, restart_count, self.rng.getrandbits(32))  # fmt: skip
        limits = (resources or {}).get("limits") or {}
        if "memory" in limits:
            c.memory_limit = memory_bytes(limits["memory"])
        if "cpu" in limits:
            c.cpu_limit = cpu_millis(limits["cpu"]) / 1000
        self.containers[c.id] = c
        return c

    def start_container(self, c: Container) -> None:
        """Start the process; schedule its own exit (end of command or OOM kill), if any."""
        now = self.clock.now
        c.state = "running"
        c.started_at = now
        b = c.behaviour
        exit_at = b.exit_at
        oom_at = first_crossing(b.memory_curve, c.memory_limit) if c.memory_limit is not None else None
        if oom_at is not None and (exit_at is None or oom_at < exit_at):
            c.timer = self.clock.at(now + oom_at, lambda: self._exit(c, 137, "OOMKilled"), priority=Priority.NODE,
                                    label=f"{self.label} oom-kill {c.pod_name}/{c.name}")  # fmt: skip
        elif exit_at is not None:
            code = b.exit_code
            c.timer = self.clock.at(now + exit_at, lambda: self._exit(c, code, "Completed" if code == 0 else "Error"),
                                    priority=Priority.NODE, label=f"{self.label} exit {c.pod_name}/{c.name}")  # fmt: skip
        host = self.host
        if getattr(host, "cadvisor", None) is not None:
            host.cadvisor.container_started(c)

    def stop_container(self, c: Container, grace: float, pre_stop: float = 0.0) -> None:
        """SIGTERM (after a preStop hook of ``pre_stop`` seconds), SIGKILL after ``grace`` seconds."""
        if c.state != "running" or c.stopping:
            return
        c.stopping = True
        now = self.clock.now
        grace = max(float(grace), MIN_GRACE_SECONDS)
        b = c.behaviour
        term_at = now + min(pre_stop, grace)
        c.signal_at = term_at
        shutdown = b.shutdown_seconds
        if term_at + shutdown <= now + grace:
            when, code = term_at + shutdown, b.term_exit_code
            reason = "Completed" if code == 0 else "Error"
        else:
            when, code, reason = now + grace, 137, "Error"
        natural = c.timer.time if c.timer is not None and not c.timer.cancelled else None
        if natural is not None and natural <= when:
            return  # it exits by itself first
        if c.timer is not None:
            c.timer.cancel()
        c.timer = self.clock.at(when, lambda: self._exit(c, code, reason), priority=Priority.NODE,
                                label=f"{self.label} stop {c.pod_name}/{c.name}")  # fmt: skip

    def kill_container(self, c: Container, exit_code: int = 137, reason: str = "Error", notify: bool = True) -> None:
        """Stop the process now (SIGKILL, or an injected crash with ``exit_code``)."""
        if c.state != "running":
            return
        self._exit(c, exit_code, reason, notify=notify)

    def _exit(self, c: Container, exit_code: int, reason: str, notify: bool = True) -> None:
        if c.state != "running":
            return
        if c.timer is not None:
            c.timer.cancel()
            c.timer = None
        c.state = "exited"
        c.finished_at = self.clock.now
        c.exit_code = exit_code
        c.reason = reason
        host = self.host
        if getattr(host, "cadvisor", None) is not None:
            host.cadvisor.container_stopped(c)
        if reason == "OOMKilled":
            self.host.kubelet.on_system_oom(c)
        if notify and self.listener is not None:
            self.listener(c)

    def remove_container(self, c: Container) -> None:
        """Forget an exited container (garbage collection)."""
        self.containers.pop(c.id, None)

    def running_containers(self) -> list[Container]:
        return [c for c in self.containers.values() if c.state == "running"]
