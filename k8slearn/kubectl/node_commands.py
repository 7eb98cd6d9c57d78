"""``kubectl cordon``, ``kubectl uncordon`` and ``kubectl drain``.

Notes
-----
Mirrors kubectl's ``pkg/cmd/drain/drain.go`` and ``k8s.io/kubectl/pkg/drain``
(``RunCordonOrUncordon``, ``GetPodsForDeletion`` with its filters, ``evictPods``,
``waitForDelete``):

- cordon sets ``spec.unschedulable`` (the node lifecycle controller then adds the
  ``node.kubernetes.io/unschedulable:NoSchedule`` taint); ``kubectl get nodes`` shows
  ``Ready,SchedulingDisabled``;
- drain cordons, then evicts every pod on the node except DaemonSet pods (with
  ``--ignore-daemonsets``; they would come straight back) and mirror pods; pods with
  ``emptyDir`` data need ``--delete-emptydir-data``, pods without a controller
  ``--force`` (nobody would re-create them);
- an eviction is a graceful delete that first marks the pod ``DisruptionTarget``
  (``EvictionByEvictionAPI``); PodDisruptionBudgets are not simulated;
- drain then waits - in *virtual* time, by running the cluster's clock - until the
  evicted pods are gone, and prints ``pod/<name> evicted`` for each and
  ``node/<name> drained``.

Used in: 05_self_healing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.objects import controller_ref
from . import KubectlError, KubectlOutput, Terminal, usage_error
from .builder import fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_cordon", "run_uncordon", "run_drain", "pods_for_deletion", "go_duration"]

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
DEFAULT_DRAIN_LIMIT = 3600.0

_NODE_FLAGS = (*GLOBAL_FLAGS, Flag("selector", "l"), Flag("dry-run", default="none"))


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` for whole seconds: ``30s``, ``1m30s``, ``1h0m0s``."""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"


def _nodes(cluster: Cluster, command: str, args: list[str], opts: dict[str, Any]) -> list[dict]:
    if not args and not opts.get("selector"):
        raise usage_error(command, "USAGE: " + {
            "cordon": "cordon NODE [flags]",
            "uncordon": "uncordon NODE [flags]",
            "drain": "drain NODE [flags]",
        }[command])  # fmt: skip
    words = ["nodes", *args] if args and "/" not in args[0] else list(args)
    infos, errors = fetch(cluster, parse_resource_args(words or ["nodes"]), namespace="", selector=opts.get("selector"),
                          allow_empty_selector=False)  # fmt: skip
    if errors:
        raise errors[0]
    return [i.obj for i in infos]


def _set_unschedulable(cluster: Cluster, node: dict, desired: bool, term: Terminal) -> None:
    name = node["metadata"]["name"]
    current = bool((node.get("spec") or {}).get("unschedulable"))
    verb = "cordoned" if desired else "uncordoned"
    if current == desired:
        term.out(f"node/{name} already {verb}\n")
        return
    cluster.api.patch("Node", name, None, {"spec": {"unschedulable": True if desired else None}}, user="kubectl")
    term.out(f"node/{name} {verb}\n")


def run_cordon(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl cordon NODE``: mark the node unschedulable."""
    args, opts = parse_flags("cordon", args, _NODE_FLAGS)
    term = Terminal()
    for node in _nodes(cluster, "cordon", args, opts):
        _set_unschedulable(cluster, node, True, term)
    return term.result(0)


def run_uncordon(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl uncordon NODE``: mark the node schedulable again."""
    args, opts = parse_flags("uncordon", args, _NODE_FLAGS)
    term = Terminal()
    for node in _nodes(cluster, "uncordon", args, opts):
        _set_unschedulable(cluster, node, False, term)
    return term.result(0)


def pods_for_deletion(
    cluster: Cluster,
    node_name: str,
    *,
    ignore_daemonsets: bool = False,
    delete_emptydir_data: bool = False,
    force: bool = False,
    pod_selector: str | None = None,
) -> tuple[list[dict], dict[str, list[str]], dict[str, list[str]]]:
    """``GetPodsForDeletion``: ``(pods to evict, warnings, fatal errors)``.

    Warnings and errors map a message to ``namespace/name`` of the pods it concerns.
    """
    pods = cluster.api.list("Pod", None, selector=pod_selector, field_selector=f"spec.nodeName={node_name}")
    doomed: list[dict] = []
    warnings: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}

    def daemonset_filter(pod: dict) -> tuple[str, str]:
        owner = controller_ref(pod)
        if owner is None or owner.get("kind") != "DaemonSet":
            return "ok", ""
        if cluster.api.get_or_none("DaemonSet", owner.get("name", ""), pod["metadata"].get("namespace")) is None:
            return ("ok", "") if force else ("error", f'DaemonSet "{owner.get("name")}" not found')
        if not ignore_daemonsets:
            return "error", "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
        return "skip-warning", "ignoring DaemonSet-managed Pods"

    def mirror_filter(pod: dict) -> tuple[str, str]:
        return ("skip", "") if (pod["metadata"].get("annotations") or {}).get(MIRROR_ANNOTATION) else ("ok", "")

    def local_storage_filter(pod: dict) -> tuple[str, str]:
        if _terminal(pod) or not any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []):
            return "ok", ""
        if not delete_emptydir_data:
            return "error", "Pods with local storage (use --delete-emptydir-data to override)"
        return "warning", "deleting Pods with local storage"

    def unreplicated_filter(pod: dict) -> tuple[str, str]:
        if _terminal(pod) or controller_ref(pod) is not None:
            return "ok", ""
        if not force:
            return "error", "Pods that declare no controller (use --force to override)"
        return "warning", "deleting Pods that declare no controller"

    for pod in pods:
        m = pod["metadata"]
        ref = f"{m.get('namespace', '')}/{m['name']}"
        # each filter overwrites the verdict; the first one that keeps the pod ends the chain
        verdict, message = "ok", ""
        for check in (daemonset_filter, mirror_filter, local_storage_filter, unreplicated_filter):
            verdict, message = check(pod)
            if verdict in ("error", "skip", "skip-warning"):
                break
        if verdict == "error":
            errors.setdefault(message, []).append(ref)
        elif verdict in ("warning", "skip-warning"):
            warnings.setdefault(message, []).append(ref)
        if verdict in ("ok", "warning"):
            doomed.append(pod)
    return doomed, warnings, errors


def _terminal(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _evict(cluster: Cluster, pod: dict, grace: int | None, disable_eviction: bool) -> None:
    m = pod["metadata"]
    if not disable_eviction:  # the eviction subresource marks the pod before deleting it
        status = dict(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
        conditions.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": cluster.clock.timestamp(), "reason": "EvictionByEvictionAPI",
                           "message": "Eviction API: evicting"})  # fmt: skip
        status["conditions"] = conditions
        cluster.api.replace_status("Pod", m["name"], m.get("namespace"), status, user="kubectl")
    cluster.api.delete("Pod", m["name"], m.get("namespace"), grace_period_seconds=grace, preconditions_uid=m["uid"],
                       user="kubectl")  # fmt: skip


def run_drain(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl drain NODE [--ignore-daemonsets] [--force] [--delete-emptydir-data]``."""
    spec = (
        *_NODE_FLAGS,
        Flag("ignore-daemonsets", kind="bool", default=False),
        Flag("force", kind="bool", default=False),
        Flag("delete-emptydir-data", kind="bool", default=False, aliases=("delete-local-data",)),
        Flag("grace-period", kind="int", default=-1),
        Flag("timeout", default="0s"),
        Flag("pod-selector"),
        Flag("disable-eviction", kind="bool", default=False),
        Flag("skip-wait-for-delete-timeout", kind="int", default=0),
    )
    args, opts = parse_flags("drain", args, spec)
    from .rollout import _parse_seconds

    timeout = _parse_seconds(opts["timeout"])
    grace = None if opts["grace-period"] < 0 else opts["grace-period"]
    term = Terminal()
    remaining: list[str] = []
    fatal: BaseException | None = None
    for node in _nodes(cluster, "drain", args, opts):
        name = node["metadata"]["name"]
        _set_unschedulable(cluster, node, True, term)
        try:
            _drain_one(cluster, name, opts, grace, timeout, term)
        except (KubectlError, ApiError) as err:
            text = err.message if isinstance(err, KubectlError) else str(err)
            term.err(f'error: unable to drain node "{name}" due to error: {text}, continuing command...\n')
            remaining.append(name)
            fatal = err
            continue
        term.out(f"node/{name} drained\n")
    if remaining:
        term.err("There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in remaining))
        term.error(fatal)  # type: ignore[arg-type]
        return term.result(1)
    return term.result(0)


def _drain_one(cluster: Cluster, name: str, opts: dict[str, Any], grace: int | None, timeout: float,
               term: Terminal) -> None:  # fmt: skip
    doomed, warnings, errors = pods_for_deletion(
        cluster,
        name,
        ignore_daemonsets=opts["ignore-daemonsets"],
        delete_emptydir_data=opts["delete-emptydir-data"],
        force=opts["force"],
        pod_selector=opts["pod-selector"],
    )
    if errors:
        parts = [f"cannot delete {msg}: {', '.join(pods)}" for msg, pods in sorted(errors.items())]
        raise KubectlError(parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]")
    if warnings:
        term.err("Warning: " + "; ".join(f"{msg}: {', '.join(pods)}" for msg, pods in sorted(warnings.items())))
    if opts["dry-run"] not in ("none", None, ""):
        for pod in doomed:
            term.out(f"evicting pod {pod['metadata'].get('namespace')}/{pod['metadata']['name']} (dry run)\n")
        return
    disable = opts["disable-eviction"]
    pending: dict[tuple[str, str], str] = {}
    for pod in doomed:
        m = pod["metadata"]
        if not disable:
            term.out(f"evicting pod {m.get('namespace')}/{m['name']}\n")
        try:
            _evict(cluster, pod, grace, disable)
        except ApiError as err:
            if err.reason != "NotFound":
                raise
        pending[(m.get("namespace", ""), m["name"])] = m["uid"]
    done_word = "deleted" if disable else "evicted"
    clock = cluster.clock
    deadline = clock.now + (timeout if timeout > 0 else DEFAULT_DRAIN_LIMIT)
    while True:
        for key in sorted(pending):
            current = cluster.api.get_or_none("Pod", key[1], key[0])
            if current is None or current["metadata"]["uid"] != pending[key]:
                term.out(f"pod/{key[1]} {done_word}\n")
                del pending[key]
        if not pending:
            return
        nxt = clock.peek()
        if nxt is None or nxt > deadline:
            clock.run_to(max(clock.now, deadline))
            raise KubectlError(f"drain did not complete within {go_duration(timeout or DEFAULT_DRAIN_LIMIT)}")
        clock.step()
