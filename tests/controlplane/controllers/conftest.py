"""Fixtures for controller tests: machines that exist only as API objects, a tiny kubelet, a tiny scheduler.

The controllers are tested against predictable node agents: :class:`Sim` registers its
worker nodes straight through the API (no real kubelet runs on them), and
:class:`FakeKubelet` renews their Leases every 10 s, starts bound pods after 1 s (all pods due
at one instant together) and removes terminating pods after 1 s. :class:`FakeScheduler`
binds pending pods; the real kube-scheduler may bind first, which changes nothing the tests
assert. Everything acts through the API server only.

Fake kubelet conventions (per container ``command`` + ``args``, joined with spaces):
``sleep N`` then exit 0 after N s; ``exit K`` exits with K (after the sleep, if any);
an image with the tag ``:404`` never pulls (``ImagePullBackOff``).
"""

from __future__ import annotations

import contextlib
import re

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError
from k8slearn.api.objects import get_condition
from k8slearn.clock import Priority

TEST_SCHEDULER = "test-scheduler"
READY_REASONS = {
    "MemoryPressure": ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("KubeletReady", "kubelet is posting ready status"),
}


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    for tol in tolerations or []:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        op = tol.get("operator") or "Equal"
        if not tol.get("key"):
            if op == "Exists":
                return True
            continue
        if tol.get("key") != taint.get("key"):
            continue
        if op == "Exists" or tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def node_fits(pod: dict, node: dict) -> bool:
    spec = pod.get("spec") or {}
    nspec = node.get("spec") or {}
    tolerations = spec.get("tolerations") or []
    if nspec.get("unschedulable") and not tolerates(
        tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    ):
        return False
    for taint in nspec.get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return False
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        or {}
    ).get("nodeSelectorTerms")
    if required:
        ok = False
        for term in required:
            fields = term.get("matchFields") or []
            if all(node["metadata"]["name"] in f.get("values", []) for f in fields if f.get("key") == "metadata.name"):
                ok = True
        if not ok:
            return False
    return True


class FakeScheduler:
    """Binds pending pods to the fitting node with the fewest pods (ties: name order)."""

    def __init__(self, cluster: kl.Cluster) -> None:
        self.c = cluster
        self.api = cluster.api
        self.api.watch("Pod", self._on_pod, send_initial_events=True, owner=TEST_SCHEDULER)

    def _on_pod(self, event) -> None:
        pod = event.object
        if event.type == "DELETED" or (pod.get("spec") or {}).get("nodeName"):
            return
        if pod["metadata"].get("deletionTimestamp"):
            return
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.c.clock.schedule(0, lambda: self._bind(key), priority=Priority.CONTROLLER, label="test-scheduler bind")

    def _bind(self, key: tuple[str, str]) -> None:
        pod = self.api.get_or_none("Pod", key[1], key[0])
        if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return
        nodes = [n for n in self.api.list("Node") if node_fits(pod, n)]
        if not nodes:
            self.c.clock.schedule(
                1, lambda: self._bind(key), priority=Priority.CONTROLLER, label="test-scheduler retry"
            )
            return
        node = min(nodes, key=lambda n: (len(self.api.pods_on_node(n["metadata"]["name"])), n["metadata"]["name"]))
        with contextlib.suppress(ApiError):
            self.api.bind(key[0], key[1], node["metadata"]["name"], user=TEST_SCHEDULER)


class FakeKubelet:
    """Starts bound pods after ``start_delay`` s and removes terminating pods after ``stop_delay`` s.

    Pods due at the same instant start in one batch (one clock event), so the controllers
    see them become Ready together and rollout steps are easy to predict.
    """

    def __init__(self, cluster: kl.Cluster, start_delay: float = 1.0, stop_delay: float = 1.0) -> None:
        self.c = cluster
        self.api = cluster.api
        self.start_delay = start_delay
        self.stop_delay = stop_delay
        self.stopped: set[str] = set()
        self._due: dict[float, list] = {}
        self.api.watch("Pod", self._on_pod, send_initial_events=True, owner="test-kubelet")

    def stop(self, node: str) -> None:
        self.stopped.add(node)

    def resume(self, node: str) -> None:
        self.stopped.discard(node)
        self.renew_lease(node)
        self.post_ready(node)
        for pod in self.api.pods_on_node(node):
            self._on_pod(type("E", (), {"type": "MODIFIED", "object": pod})())

    # -- the node: registration and heartbeats -------------------------------------------------
    def register(self, name: str, labels=None, taints=None, unschedulable: bool = False) -> None:
        now = self.c.clock.timestamp()
        spec: dict = {"podCIDR": "10.244.0.0/24"}
        if taints:
            spec["taints"] = [_taint(t) for t in taints]
        if unschedulable:
            spec["unschedulable"] = True
        capacity = {"cpu": "4", "ephemeral-storage": "100Gi", "memory": "8Gi", "pods": "110"}
        conditions = [
            {"type": t, "status": "True" if t == "Ready" else "False", "lastHeartbeatTime": now,
             "lastTransitionTime": now, "reason": READY_REASONS[t][0], "message": READY_REASONS[t][1]}
            for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
        ]  # fmt: skip
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                                  **(labels or {})}},
            "spec": spec,
            "status": {"capacity": capacity, "allocatable": dict(capacity), "conditions": conditions,
                       "addresses": [{"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": "v1.36.0", "operatingSystem": "linux", "architecture": "amd64"}},
        }  # fmt: skip
        created = self.api.create(node, user=f"kubelet/{name}")
        self.api.create(
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": name, "namespace": "kube-node-lease", "ownerReferences": [
                 {"apiVersion": "v1", "kind": "Node", "name": name, "uid": created["metadata"]["uid"]}]},
             "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                      "renewTime": self.c.clock.micro_timestamp()}},
            user=f"kubelet/{name}",
        )  # fmt: skip
        self.c.clock.schedule(
            10, lambda: self.renew_lease(name), priority=Priority.PERIODIC, label="test-kubelet lease"
        )

    def renew_lease(self, name: str) -> None:
        if name in self.stopped or self.api.get_or_none("Node", name) is None:
            return
        lease = self.api.get_or_none("Lease", name, "kube-node-lease")
        if lease is not None:
            spec = dict(lease["spec"], renewTime=self.c.clock.micro_timestamp())
            self.api.replace_fields("Lease", name, "kube-node-lease", {"spec": spec}, user=f"kubelet/{name}")
        self.c.clock.schedule(
            10, lambda: self.renew_lease(name), priority=Priority.PERIODIC, label="test-kubelet lease"
        )

    def post_ready(self, node: str) -> None:
        """What a kubelet posts when it is back: every condition healthy, a new heartbeat."""
        obj = self.api.get("Node", node)
        now = self.c.clock.timestamp()
        conditions = []
        for cond in obj["status"]["conditions"]:
            healthy = "True" if cond["type"] == "Ready" else "False"
            since = cond["lastTransitionTime"] if cond["status"] == healthy else now
            reason, message = READY_REASONS[cond["type"]]
            conditions.append(dict(cond, status=healthy, lastHeartbeatTime=now, lastTransitionTime=since,
                                   reason=reason, message=message))  # fmt: skip
        self.api.replace_status("Node", node, None, dict(obj["status"], conditions=conditions), user=f"kubelet/{node}")

    def _on_pod(self, event) -> None:
        pod = event.object
        node = (pod.get("spec") or {}).get("nodeName")
        if event.type == "DELETED" or not node or node in self.stopped:
            return
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"]["uid"])
        if pod["metadata"].get("deletionTimestamp"):
            self.c.clock.schedule(self.stop_delay, lambda: self._remove(key), priority=Priority.NODE,
                                  label="test-kubelet kill")  # fmt: skip
        elif (pod.get("status") or {}).get("phase") == "Pending" and not (pod.get("status") or {}).get("startTime"):
            due = round(self.c.clock.now + self.start_delay, 6)
            if due not in self._due:
                self._due[due] = []
                self.c.clock.at(due, lambda: self._start_batch(due), priority=Priority.NODE, label="test-kubelet start")
            if key not in self._due[due]:
                self._due[due].append(key)

    def _start_batch(self, due: float) -> None:
        for key in self._due.pop(due, []):
            self._start(key)

    def _current(self, key):
        pod = self.api.get_or_none("Pod", key[1], key[0])
        if pod is None or pod["metadata"]["uid"] != key[2] or pod["spec"].get("nodeName") in self.stopped:
            return None
        return pod

    def _remove(self, key) -> None:
        pod = self._current(key)
        if pod is not None:
            with contextlib.suppress(ApiError):
                self.api.delete("Pod", key[1], key[0], grace_period_seconds=0, user="test-kubelet")

    def _start(self, key) -> None:
        pod = self._current(key)
        if pod is None or pod["metadata"].get("deletionTimestamp") or (pod.get("status") or {}).get("startTime"):
            return
        now = self.c.clock.timestamp()
        containers = pod["spec"]["containers"]
        if any(c.get("image", "").endswith(":404") for c in containers):
            statuses = [
                {"name": c["name"], "image": c["image"], "ready": False, "restartCount": 0, "started": False,
                 "state": {"waiting": {"reason": "ImagePullBackOff",
                                       "message": f'Back-off pulling image "{c["image"]}"'}}}
                for c in containers
            ]  # fmt: skip
            self._write(pod, "Pending", False, statuses, now)
            return
        statuses = [
            {"name": c["name"], "image": c["image"], "ready": True, "restartCount": 0, "started": True,
             "state": {"running": {"startedAt": now}}}
            for c in containers
        ]  # fmt: skip
        self._write(pod, "Running", True, statuses, now)
        script = " ".join(" ".join(c.get("command") or []) + " " + " ".join(c.get("args") or []) for c in containers)
        sleep = re.search(r"sleep (\d+)", script)
        if sleep:
            code = re.search(r"exit (\d+)", script)
            exit_code = int(code.group(1)) if code else 0
            self.c.clock.schedule(int(sleep.group(1)), lambda: self._exit(key, exit_code), priority=Priority.NODE,
                                  label="test-kubelet exit")  # fmt: skip

    def _exit(self, key, code: int) -> None:
        pod = self._current(key)
        if pod is None:
            return
        now = self.c.clock.timestamp()
        reason = "Completed" if code == 0 else "Error"
        statuses = [
            {"name": c["name"], "image": c["image"], "ready": False, "restartCount": 0, "started": False,
             "state": {"terminated": {"exitCode": code, "reason": reason, "finishedAt": now}}}
            for c in pod["spec"]["containers"]
        ]  # fmt: skip
        self._write(pod, "Succeeded" if code == 0 else "Failed", False, statuses, now)

    def _write(self, pod: dict, phase: str, ready: bool, statuses: list[dict], now: str) -> None:
        old = pod.get("status") or {}
        flag = "True" if ready else "False"
        conditions = [
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            _keep(old, "Ready", flag, now),
            _keep(old, "ContainersReady", flag, now),
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
        ]
        status = dict(old, phase=phase, conditions=conditions, containerStatuses=statuses, startTime=old.get(
            "startTime", now), hostIP="192.168.0.10", podIP="10.244.0.10")  # fmt: skip
        with contextlib.suppress(ApiError):
            self.api.replace_status("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"], status,
                                    user="test-kubelet")  # fmt: skip


def _keep(old: dict, type_: str, status: str, now: str) -> dict:
    prev = get_condition(old, type_)
    since = prev["lastTransitionTime"] if prev and prev.get("status") == status else now
    return {"type": type_, "status": status, "lastProbeTime": None, "lastTransitionTime": since}


class Sim:
    """A cluster of API-only worker nodes (``node-1`` ..), the fake kubelet and the fake scheduler.

    ``fail``/``recover`` stop and restart the fake kubelet of a node (heartbeats and pods).
    """

    def __init__(self, nodes: int = 3, seed: int = 0, **kwargs) -> None:
        self.c = kl.Cluster(seed=seed, **kwargs)
        self.scheduler = FakeScheduler(self.c)
        self.kubelet = FakeKubelet(self.c)
        for i in range(1, nodes + 1):
            self.kubelet.register(f"node-{i}")
        self.c.run(5)

    def add_node(self, name: str, labels=None, taints=None, unschedulable: bool = False) -> None:
        self.kubelet.register(name, labels=labels, taints=taints, unschedulable=unschedulable)

    def fail(self, node: str) -> None:
        self.kubelet.stop(node)

    def recover(self, node: str) -> None:
        self.kubelet.resume(node)

    def pods(self, selector: str | None = None) -> list[dict]:
        return self.c.api.list("Pod", "default", selector=selector)


def _taint(t) -> dict:
    if isinstance(t, dict):
        return dict(t)
    head, effect = t.rsplit(":", 1)
    key, _, value = head.partition("=")
    return {"key": key, "value": value, "effect": effect} if value else {"key": key, "effect": effect}


@pytest.fixture
def sim() -> Sim:
    return Sim()


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.27", **spec) -> dict:
    """A Deployment manifest; ``spec`` keys are merged into ``spec`` (strategy, minReadySeconds ...)."""
    body = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": image}]},
        },
    }
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}
