"""kubelet: the node agent that turns pods bound to its node into running containers.

The kubelet registers its Node, heartbeats (a Lease every 10 s, the node status every 10 s
when it changed and at least every 5 min), watches **only the pods bound to its node**
(``spec.nodeName``), admits each one (does it really fit?), hands it to a pod worker
(:mod:`k8slearn.node.podworker`) that drives the container runtime, and writes the pod
status back through the API server. It also answers the read-only port
(``/healthz``, ``/pods``, ``/spec/``) and serves container logs.

Notes
-----
Mirrors ``pkg/kubelet``: ``registerWithAPIServer`` and ``syncNodeStatus``
(``--node-status-update-frequency`` 10 s, ``nodeStatusReportFrequency`` 5 min), the node
lease controller (renew every 10 s, ``leaseDurationSeconds`` 40), ``HandlePodAdditions``
with ``canAdmitPod`` (:mod:`k8slearn.node.admission`), the status manager (batched
status writes, ``lastTransitionTime`` kept) and the read-only server (port 10255).

Start-up: the Node registers with ``Ready=False`` (``KubeletNotReady``, "container
runtime status check may not have completed yet") and turns Ready
:data:`NODE_STARTUP_SECONDS` (1 s) later, when the runtime answers.

Event wording follows recent kubelets (1.32-1.36): ``Created container: web``,
``Started container web``, ``Successfully pulled image "nginx" in 1.948s (1.948s
including waiting). Image size: 72404038 bytes.``, ``Container image "nginx" already
present on machine and can be accessed by the pod`` (``KubeletEnsureSecretPulledImages``
is on by default since 1.35).

Used in: 04_kubelet_and_runtime, 05_self_healing (``fail_node``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.objects import deep_copy, get_condition
from ..clock import Priority
from .admission import REJECT_PREFIX, admit, pod_requests
from .nodestatus import (
    KUBELET_VERSION,
    MachineIdentity,
    machine_info,
    node_conditions,
    node_images,
    node_object,
    node_status,
)
from .podworker import PodWorker
from .status import build_pod_status

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .host import NodeHost
    from .runtime import Container

__all__ = [
    "Kubelet",
    "LEASE_DURATION",
    "LEASE_RENEW_PERIOD",
    "STATUS_UPDATE_PERIOD",
    "STATUS_REPORT_PERIOD",
    "NODE_STARTUP_SECONDS",
    "READ_ONLY_PORT",
    "KUBELET_VERSION",
]

LEASE_DURATION = 40
LEASE_RENEW_PERIOD = 10.0
STATUS_UPDATE_PERIOD = 10.0
STATUS_REPORT_PERIOD = 300.0
NODE_STARTUP_SECONDS = 1.0
READ_ONLY_PORT = 10255


class Kubelet:
    """The node agent of one :class:`~k8slearn.node.host.NodeHost`."""

    def __init__(self, cluster: Cluster, host: NodeHost) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.clock = cluster.clock
        self.host = host
        self.runtime = host.runtime
        self.node_name = host.name
        self.component = f"kubelet/{host.name}"
        self.recorder = cluster.recorder("kubelet", host=host.name)
        self.identity = MachineIdentity(host.runtime.rng)
        self.running = False
        self.ready = False
        self.workers: dict[str, PodWorker] = {}
        self.by_key: dict[tuple[str, str], PodWorker] = {}
        self.used: dict[str, int] = {}
        self.admitted = 0
        self.watch: Any = None
        self._dirty: dict[str, PodWorker] = {}
        self._flush_timer: Any = None
        self._ops: list[tuple[str, Any]] = []
        self._ops_timer: Any = None
        self._tick_timer: Any = None
        self._last_report = float("-inf")
        self._reported: tuple | None = None
        self._image_version = 0
        self._base_env: dict[str, str] | None = None
        self._server: Any = None
        self.runtime.listener = self._on_container_exit
        self.runtime.image_listener = self._on_images_changed

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Kubelet {self.node_name} {state} pods={len(self.workers)}>"

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the kubelet: register the Node, take the Lease, watch this node's pods."""
        self.running = True
        self.ready = False
        self.register_node()
        self.renew_lease()
        node = self.api.get_or_none("Node", self.node_name)
        if node is not None:
            self.recorder.normal(node, "Starting", "Starting kubelet.")
            for reason in ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"):
                self.recorder.normal(node, reason, f"Node {self.node_name} status is now: {reason}")
            self.recorder.normal(node, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        self._start_watch()
        self.clock.schedule(NODE_STARTUP_SECONDS, self._runtime_ready, priority=Priority.NODE,
                            label=f"{self.component} runtime ready")  # fmt: skip
        self._arm_tick()

    def stop(self) -> None:
        """The kubelet stops: no Lease renewals, no node or pod status updates, no syncs.

        The containers keep running in the runtime (a kubelet crash does not kill them).
        """
        if not self.running:
            return
        self.running = False
        if self.watch is not None:
            self.watch.stop()
            self.watch = None
        for timer in (self._tick_timer, self._flush_timer, self._ops_timer):
            if timer is not None:
                timer.cancel()
        self._tick_timer = self._flush_timer = self._ops_timer = None
        self._dirty.clear()
        self._ops.clear()
        for worker in self.workers.values():
            for slot in worker.all_slots():
                slot.stop_probes()

    def resume(self) -> None:
        """The kubelet comes back: heartbeats restart, the pod list is re-read and every pod re-synced."""
        if self.running:
            return
        self.running = True
        node = self.api.get_or_none("Node", self.node_name)
        if node is None:
            self.register_node()
            node = self.api.get_or_none("Node", self.node_name)
        was_ready = False
        if node is not None:
            self.recorder.normal(node, "Starting", "Starting kubelet.")
            cond = get_condition(node, "Ready")
            was_ready = cond is not None and cond.get("status") == "True"
        self._reported = None
        self.update_node_status(force=True)
        if not was_ready and self.ready:
            node = self.api.get_or_none("Node", self.node_name)
            if node is not None:
                self.recorder.normal(node, "NodeReady", f"Node {self.node_name} status is now: NodeReady")
        self.renew_lease()
        seen = self._start_watch()
        for uid in [u for u in self.workers if u not in seen]:
            self._queue("remove", self.workers[uid])
        for uid in list(seen):
            worker = self.workers.get(uid)
            if worker is not None:
                # a restarted kubelet has no status cache: the next sync rewrites what others changed
                worker.last_status = None
                self._queue("resume", worker)
        self._arm_tick()

    def _start_watch(self) -> set[str]:
        seen: set[str] = set()
        self._relist = seen
        self.watch = self.api.watch("Pod", self._on_pod_event, node_name=self.node_name, send_initial_events=True,
                                    owner=self.component)  # fmt: skip
        self._relist = None
        return seen

    def _runtime_ready(self) -> None:
        if not self.running:
            return
        self.ready = True
        self.update_node_status(force=True)
        node = self.api.get_or_none("Node", self.node_name)
        if node is not None:
            self.recorder.normal(node, "NodeReady", f"Node {self.node_name} status is now: NodeReady")

    # -- node registration and heartbeats --------------------------------------------------------
    def register_node(self) -> None:
        now = self.clock.timestamp()
        transitions = dict.fromkeys(("MemoryPressure", "DiskPressure", "PIDPressure", "Ready"), now)
        status = node_status(self.host.spec, self.identity, self.runtime.version,
                             node_conditions(self.ready, now, transitions), node_images(self.runtime.list_images()))  # fmt: skip
        node = node_object(self.host.spec, self.identity, self.runtime.version, status)
        try:
            self.api.create(node, user=self.component)
        except ApiError as err:
            if err.reason != "AlreadyExists":
                raise
        self._last_report = self.clock.now
        self._reported = self._fingerprint()

    def renew_lease(self) -> None:
        """Create or renew ``kube-node-lease/<node>`` (renewTime = now)."""
        now = self.clock.micro_timestamp()
        lease = self.api.get_or_none("Lease", self.node_name, "kube-node-lease")
        if lease is None:
            node = self.api.get_or_none("Node", self.node_name)
            meta: dict[str, Any] = {"name": self.node_name, "namespace": "kube-node-lease"}
            if node is not None:
                meta["ownerReferences"] = [
                    {"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": node["metadata"]["uid"]}
                ]
            self.api.create(
                {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": meta,
                    "spec": {
                        "holderIdentity": self.node_name,
                        "leaseDurationSeconds": LEASE_DURATION,
                        "renewTime": now,
                    },
                },
                user=self.component,
            )
            return
        self.api.replace_fields("Lease", self.node_name, "kube-node-lease",
                                {"spec": dict(lease["spec"], renewTime=now)}, user=self.component)  # fmt: skip

    def _arm_tick(self) -> None:
        if self._tick_timer is not None:
            self._tick_timer.cancel()
        self._tick_timer = self.clock.schedule(LEASE_RENEW_PERIOD, self._tick, priority=Priority.PERIODIC,
                                               label=f"{self.component} heartbeat")  # fmt: skip

    def _tick(self) -> None:
        self._tick_timer = None
        if not self.running:
            return
        self.renew_lease()
        self.update_node_status()
        self._arm_tick()

    def _fingerprint(self) -> tuple:
        """What the kubelet would report, minus heartbeat times: Ready, the image set, the capacity."""
        return (self.ready, self._image_version, self.host.spec.cpu, self.host.spec.memory, self.host.spec.pods)

    def update_node_status(self, force: bool = False) -> bool:
        """Post the node status if it changed, or if 5 min passed since the last post; True if posted."""
        fp = self._fingerprint()
        if not force and fp == self._reported and self.clock.now - self._last_report < STATUS_REPORT_PERIOD:
            return False
        node = self.api.get_or_none("Node", self.node_name)
        if node is None:
            self.register_node()
            return True
        now_ts = self.clock.timestamp()
        old = node.get("status") or {}
        old_conds = {c.get("type"): c for c in old.get("conditions") or []}
        fresh = node_conditions(self.ready, now_ts, dict.fromkeys(("MemoryPressure", "DiskPressure", "PIDPressure",
                                                                     "Ready"), now_ts))  # fmt: skip
        for c in fresh:
            prev = old_conds.get(c["type"])
            if prev is not None and prev.get("status") == c["status"] and prev.get("lastTransitionTime"):
                c["lastTransitionTime"] = prev["lastTransitionTime"]
        mine = node_status(self.host.spec, self.identity, self.runtime.version, fresh,
                           node_images(self.runtime.list_images()))  # fmt: skip
        status = dict(old)
        status.update(mine)
        self.api.replace_status("Node", self.node_name, None, status, user=self.component)
        self._last_report = self.clock.now
        self._reported = fp
        return True

    def _on_images_changed(self) -> None:
        self._image_version += 1

    # -- pods ------------------------------------------------------------------------------------
    def _on_pod_event(self, event: Any) -> None:
        """Watch handler: update the cache and queue work (no API writes here)."""
        obj = event.object
        uid = obj["metadata"].get("uid", "")
        if self._relist is not None and event.type == "ADDED":
            self._relist.add(uid)
        worker = self.workers.get(uid)
        if event.type == "DELETED":
            if worker is not None:
                self._queue("remove", worker)
            return
        if worker is None:
            worker = PodWorker(self, obj)
            self.workers[uid] = worker
            self.by_key[worker.key] = worker
            self._queue("add", worker)
            return
        worker.pod = obj
        old = event.old_object
        if (
            old is not None
            and old.get("spec") is obj.get("spec")
            and old["metadata"].get("deletionTimestamp") == obj["metadata"].get("deletionTimestamp")
        ):
            return  # only the status (ours, mostly) changed: nothing to do
        self._queue("update", worker)

    def _queue(self, op: str, worker: PodWorker) -> None:
        self._ops.append((op, worker))
        if self._ops_timer is None:
            self._ops_timer = self.clock.schedule(0, self._run_ops, priority=Priority.NODE,
                                                  label=f"{self.component} pod updates")  # fmt: skip

    def _run_ops(self) -> None:
        self._ops_timer = None
        ops, self._ops = self._ops, []
        for op, worker in ops:
            if not self.running:
                return
            if op == "add":
                self._admit(worker)
            elif op == "update":
                if worker.removed or worker.uid not in self.workers:
                    continue
                if worker.admitted or worker.terminal_phase:
                    worker.update(worker.pod)
            elif op == "remove":
                self._remove(worker)
            elif op == "resume" and not worker.removed:
                worker.resume()

    def _admit(self, worker: PodWorker) -> None:
        if worker.removed:
            return
        pod = worker.pod
        status = pod.get("status") or {}
        phase = status.get("phase")
        if phase in ("Succeeded", "Failed"):
            worker.terminal_phase = phase
            worker.last_status = status
            return
        if pod["metadata"].get("deletionTimestamp"):
            worker.admitted = True
            worker.begin_termination()
            return
        node = self.api.get_or_none("Node", self.node_name) or {}
        failure = admit(pod, node, self.used, self.admitted)
        if failure is not None:
            reason, message = failure
            self.recorder.warning(pod, reason, message)
            worker.reject(reason, REJECT_PREFIX + message)
            return
        worker.requests = pod_requests(pod)
        for name, value in worker.requests.items():
            self.used[name] = self.used.get(name, 0) + value
        self.admitted += 1
        worker.admitted = True
        worker.start()

    def release(self, worker: PodWorker) -> None:
        """Give back what an admitted pod held (it finished or left)."""
        if not worker.admitted:
            return
        worker.admitted = False
        for name, value in worker.requests.items():
            self.used[name] = self.used.get(name, 0) - value
        self.admitted -= 1

    def _remove(self, worker: PodWorker) -> None:
        if self.workers.get(worker.uid) is not worker:
            return
        worker.remove()
        del self.workers[worker.uid]
        if self.by_key.get(worker.key) is worker:
            del self.by_key[worker.key]
        self._dirty.pop(worker.uid, None)
        for slot in worker.all_slots():
            for c in slot.history:
                self.runtime.remove_container(c)

    def finish_deletion(self, worker: PodWorker) -> None:
        """All containers stopped: write the final status, then delete the pod (grace 0)."""
        self._dirty.pop(worker.uid, None)
        self._write_status(worker)
        try:
            self.api.delete("Pod", worker.name, worker.namespace, grace_period_seconds=0,
                            preconditions_uid=worker.uid, user=self.component)  # fmt: skip
        except ApiError as err:
            if err.reason not in ("NotFound", "Conflict"):
                raise

    def _on_container_exit(self, c: Container) -> None:
        worker = self.workers.get(c.pod_uid)
        if worker is not None:
            worker.on_exit(c)

    def on_system_oom(self, c: Container) -> None:
        """The kernel's OOM killer fired on this node (a ``SystemOOM`` event on the Node)."""
        node = self.api.get_or_none("Node", self.node_name)
        if node is not None and self.running:
            process = c.behaviour.profile_name if c.behaviour.profile_name not in ("exited", "unknown", "loop") \
                else c.name  # fmt: skip
            pid = 1000 + c.seed % 60000
            self.recorder.warning(node, "SystemOOM", f"System OOM encountered, victim process: {process}, pid: {pid}")

    # -- status manager ----------------------------------------------------------------------------
    def mark_dirty(self, worker: PodWorker) -> None:
        if not self.running or worker.removed:
            return
        self._dirty[worker.uid] = worker
        if self._flush_timer is None:
            self._flush_timer = self.clock.schedule(0, self._flush, priority=Priority.NODE,
                                                    label=f"{self.component} status")  # fmt: skip

    def _flush(self) -> None:
        self._flush_timer = None
        dirty, self._dirty = self._dirty, {}
        if not self.running:
            return
        for worker in dirty.values():
            if not worker.removed and not worker.finished:
                self._write_status(worker)

    def _write_status(self, worker: PodWorker) -> None:
        status = build_pod_status(worker)
        if status == worker.last_status:
            return
        current = self.api.get_or_none("Pod", worker.name, worker.namespace)
        if current is None or current["metadata"].get("uid") != worker.uid:
            return
        try:
            stored = self.api.replace_status("Pod", worker.name, worker.namespace, status, user=self.component)
        except ApiError as err:
            if err.reason == "NotFound":
                return
            raise
        worker.last_status = status
        worker.pod = stored

    def base_env(self, worker: PodWorker) -> dict[str, str]:
        """Variables every container gets: ``HOSTNAME``, ``PATH`` and ``KUBERNETES_SERVICE_*``."""
        if self._base_env is None:
            env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
            svc = self.api.get_or_none("Service", "kubernetes", "default")
            ip = ((svc or {}).get("spec") or {}).get("clusterIP")
            if ip:
                env.update({
                    "KUBERNETES_SERVICE_HOST": ip,
                    "KUBERNETES_SERVICE_PORT": "443",
                    "KUBERNETES_SERVICE_PORT_HTTPS": "443",
                    "KUBERNETES_PORT": f"tcp://{ip}:443",
                    "KUBERNETES_PORT_443_TCP": f"tcp://{ip}:443",
                    "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
                    "KUBERNETES_PORT_443_TCP_PORT": "443",
                    "KUBERNETES_PORT_443_TCP_ADDR": ip,
                })  # fmt: skip
            self._base_env = env
        return dict(self._base_env, HOSTNAME=worker.name)

    # -- fault injection ---------------------------------------------------------------------------
    def crash_container(self, pod: dict, container: str | None = None, exit_code: int = 1) -> None:
        """Make a running container of ``pod`` exit with ``exit_code`` now."""
        m = pod["metadata"]
        worker = self.workers.get(m.get("uid", ""))
        if worker is None:
            raise ApiError.bad_request(f'pod "{m["name"]}" is not running on node {self.node_name}')
        if container is None:
            slot = next((s for s in worker.slots if s.current is not None and s.current.state == "running"), None)
            if slot is None:
                raise ApiError.bad_request(f'pod "{worker.name}" has no running container')
        else:
            slot = worker.slot(container)
            if slot is None:
                raise ApiError.bad_request(f"container {container} is not valid for pod {worker.name}")
        worker.crash(slot, int(exit_code))

    # -- logs --------------------------------------------------------------------------------------
    def logs(self, pod_name: str, namespace: str = "default", container: str | None = None, previous: bool = False,
             tail: int | None = None, timestamps: bool = False) -> str:  # fmt: skip
        """What a container wrote to stdout/stderr (``kubectl logs``); raises ApiError like the kubelet."""
        worker = self.by_key.get((namespace, pod_name))
        if worker is None:
            raise ApiError.not_found("pods", pod_name)
        slot = self._log_slot(worker, container)
        c = self._log_container(worker, slot, previous)
        end = c.finished_at if c.finished_at is not None else self.clock.now
        lines = c.behaviour.log_lines(end - (c.started_at or 0.0), limit=max(tail or 0, 10_000),
                                      start=c.started_at or 0.0, ip=worker.ip)  # fmt: skip
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        if timestamps:
            text = "".join(f"{self._nano_ts((c.started_at or 0) + t)} {line}\n" for t, line in lines)
        else:
            text = "".join(line + "\n" for _, line in lines)
        return text

    def _nano_ts(self, t: float) -> str:
        base = self.clock.micro_timestamp(t)[:-1]
        return base + "000Z"

    @staticmethod
    def _log_slot(worker: PodWorker, container: str | None) -> Any:
        if not container:
            if len(worker.slots) == 1:
                return worker.slots[0]
            names = " ".join(s.name for s in worker.slots)
            msg = f"a container name must be specified for pod {worker.name}, choose one of: [{names}]"
            if worker.init_slots:
                msg += f" or one of the init containers: [{' '.join(s.name for s in worker.init_slots)}]"
            raise ApiError.bad_request(msg)
        slot = worker.slot(container)
        if slot is None:
            raise ApiError.bad_request(f"container {container} is not valid for pod {worker.name}")
        return slot

    @staticmethod
    def _log_container(worker: PodWorker, slot: Any, previous: bool) -> Container:
        name, pod = slot.name, worker.name
        current, last = slot.current, slot.previous
        if current is not None and current.state == "exited" and slot.waiting_reason:
            current, last = None, current
        if previous:
            if last is None:
                raise ApiError.bad_request(f'previous terminated container "{name}" in pod "{pod}" not found')
            return last
        if current is not None:
            return current
        if last is not None:
            return last
        reason = slot.waiting_reason or ("PodInitializing" if worker.init_slots else "ContainerCreating")
        if reason == "ErrImagePull":
            raise ApiError.bad_request(f'container "{name}" in pod "{pod}" is waiting to start: image can\'t be pulled')
        if reason == "ImagePullBackOff":
            raise ApiError.bad_request(
                f'container "{name}" in pod "{pod}" is waiting to start: trying and failing to pull image'
            )
        raise ApiError.bad_request(f'container "{name}" in pod "{pod}" is waiting to start: {reason}')

    # -- exec --------------------------------------------------------------------------------------
    def exec(self, pod_name: str, namespace: str, container: str, command: list[str]) -> tuple[str, int | None]:
        """Run ``command`` in a running container (``kubectl exec``): ``(output, exit code)``.

        The command sees the container's environment and files (mounted ConfigMaps, Secrets,
        the ServiceAccount token, what its own process wrote) at this virtual moment and runs
        in the shell model of :mod:`k8slearn.node.shell`; the exit code is None for a program
        that model cannot run.
        """
        from .probes import exec_in

        worker = self.by_key.get((namespace, pod_name))
        slot = worker.slot(container) if worker is not None else None
        c = slot.current if slot is not None else None
        if c is None or c.state != "running":
            raise ApiError.bad_request(f'container not found ("{container}")')
        code, output = exec_in(c.behaviour, self.clock.now - (c.started_at or 0.0), command, pod_name, c.env)
        return output, code

    # -- read-only port ----------------------------------------------------------------------------
    def get(self, path: str) -> Any:
        """A GET on the read-only port (10255): ``/healthz``, ``/pods``, ``/spec/``.

        Returns ``"ok"``, a PodList dict or cAdvisor's MachineInfo dict, ``"404 page not
        found"`` for other paths; raises ConnectionRefusedError while the kubelet is down.
        """
        if not self.running:
            raise ConnectionRefusedError(
                f"dial tcp {self.host.spec.address}:{READ_ONLY_PORT}: connect: connection refused"
            )
        clean = path.split("?", 1)[0]
        if clean == "/healthz":
            return "ok"
        if clean in ("/pods", "/pods/"):
            return self.pod_list()
        if clean in ("/spec", "/spec/"):
            return machine_info(self.host.spec, self.identity, self.clock.micro_timestamp())
        return "404 page not found"

    def pod_list(self) -> dict:
        """``/pods``: a v1 PodList of exactly the pods this kubelet manages (copies)."""
        items = []
        for worker in self.workers.values():
            pod = worker.pod
            items.append({
                "metadata": deep_copy(pod["metadata"]),
                "spec": deep_copy(pod.get("spec") or {}),
                "status": deep_copy(worker.last_status if worker.last_status is not None else pod.get("status") or {}),
            })  # fmt: skip
        return {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}

    def serve(self, port: int = 0) -> str:
        """Serve the read-only endpoints over real HTTP on 127.0.0.1; returns the base URL."""
        from .server import ReadOnlyServer

        if self._server is None:
            self._server = ReadOnlyServer(self, port)
        return self._server.url

    def shutdown(self) -> None:
        """Stop the HTTP server started by :meth:`serve`."""
        if self._server is not None:
            self._server.close()
            self._server = None

    # -- introspection for lessons -------------------------------------------------------------------
    def pod_worker(self, pod_name: str, namespace: str = "default") -> PodWorker:
        worker = self.by_key.get((namespace, pod_name))
        if worker is None:
            raise ApiError.not_found("pods", pod_name)
        return worker

    def container_history(self, pod_name: str, container: str | None = None, namespace: str = "default") -> list[dict]:
        """Every instance of a container: start, finish, exit code and reason (for restart timelines)."""
        worker = self.pod_worker(pod_name, namespace)
        slot = worker.slot(container) if container else (worker.slots[0] if worker.slots else None)
        if slot is None:
            raise ApiError.bad_request(f"container {container} is not valid for pod {pod_name}")
        out = []
        for i, c in enumerate(slot.history):
            out.append({
                "instance": i,
                "restartCount": c.restart_count,
                "containerID": c.container_id,
                "started": c.started_at,
                "finished": c.finished_at,
                "exitCode": c.exit_code,
                "reason": c.reason,
            })  # fmt: skip
        return out

    def probe_history(self, pod_name: str, container: str | None = None, namespace: str = "default") -> list[dict]:
        """Every probe run of the container (all instances): time, kind, ok, message."""
        worker = self.pod_worker(pod_name, namespace)
        slot = worker.slot(container) if container else worker.slots[0]
        if slot is None:
            raise ApiError.bad_request(f"container {container} is not valid for pod {pod_name}")
        runs = list(slot.probe_log)
        for kind, w in (slot.probes or {}).items():
            runs.extend((t, kind, ok, msg) for t, ok, msg in w.expanded_history())
        out = [{"time": t, "kind": kind, "ok": ok, "message": msg} for t, kind, ok, msg in runs]
        return sorted(out, key=lambda r: (r["time"], r["kind"]))
