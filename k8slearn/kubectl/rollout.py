"""``kubectl rollout status|history|undo|pause|resume|restart``, ``kubectl scale`` and ``kubectl set image``.

Notes
-----
Mirrors kubectl's ``pkg/cmd/rollout`` and ``pkg/polymorphichelpers`` (``rollout_status.go``
status viewers, ``history.go`` ``DeploymentHistoryViewer``, ``rollback.go``
``DeploymentRollbacker``), ``pkg/cmd/scale`` and ``pkg/cmd/set/set_image.go``.

``rollout undo`` is client-side, as in modern kubectl: it copies the pod template (and
the non-bookkeeping annotations) of the ReplicaSet of the wanted revision back into the
Deployment; the controller then finds that ReplicaSet again and gives it the next,
highest revision number.

``rollout status`` waits the way the real command does, but in *virtual* time: it runs
the cluster's clock until the rollout finishes, fails (progress deadline) or
``--timeout`` passes (an hour of virtual time without one), printing each changed
status line as it happens.

Used in: 07_rolling_updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.objects import deep_copy
from . import KubectlError, KubectlOutput, Terminal, usage_error
from .builder import Info, fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "run_rollout",
    "run_scale",
    "run_set",
    "deployment_status",
    "daemonset_status",
    "history_table",
    "rollback_target",
]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
#: annotations ``rollout undo`` keeps from the Deployment instead of taking the ReplicaSet's
_SKIP_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)
#: ``rollout status`` without ``--timeout`` gives up after this much virtual time
DEFAULT_WAIT_LIMIT = 3600.0

_SUBCOMMANDS = ("history", "pause", "restart", "resume", "status", "undo")

#: ``kubectl rollout`` without a subcommand prints its help (cobra), examples left out.
ROLLOUT_HELP = """Manage the rollout of one or many resources.

 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]

Use "kubectl rollout <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"""

SET_HELP = """Configure application resources.

 These commands help you make changes to existing application resources.

Available Commands:
  env              Update environment variables on a pod template
  image            Update the image of a pod template
  resources        Update resource requests/limits on objects with pod templates
  selector         Set the selector on a resource
  serviceaccount   Update the service account of a resource
  subject          Update the user, group, or service account in a role binding or cluster role binding

Usage:
  kubectl set SUBCOMMAND [options]

Use "kubectl set <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"""


# -- pure helpers (lessons and tests call these directly) ------------------------------------
def deployment_status(d: dict, revision: int = 0) -> tuple[str, bool]:
    """``(status line, done)`` for a Deployment (``DeploymentStatusViewer.Status``).

    Raises KubectlError for an exceeded progress deadline or a revision mismatch.
    """
    name = d["metadata"]["name"]
    if revision > 0:
        current = int((d["metadata"].get("annotations") or {}).get(REVISION, "0") or 0)
        if revision != current:
            raise KubectlError(f"desired revision ({revision}) is different from the running revision ({current})")
    status = d.get("status") or {}
    if d["metadata"].get("generation", 1) <= status.get("observedGeneration", 0):
        for cond in status.get("conditions") or []:
            if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
                raise KubectlError(f'deployment "{name}" exceeded its progress deadline')
        replicas = (d.get("spec") or {}).get("replicas", 1)
        updated = status.get("updatedReplicas", 0)
        if replicas is not None and updated < replicas:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} new replicas '
                    "have been updated...\n", False)  # fmt: skip
        if status.get("replicas", 0) > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {status.get("replicas", 0) - updated} old '
                    "replicas are pending termination...\n", False)  # fmt: skip
        if status.get("availableReplicas", 0) < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of '
                    f"{updated} updated replicas are available...\n", False)  # fmt: skip
        return f'deployment "{name}" successfully rolled out\n', True
    return "Waiting for deployment spec update to be observed...\n", False


def daemonset_status(ds: dict) -> tuple[str, bool]:
    """``(status line, done)`` for a DaemonSet (``DaemonSetStatusViewer.Status``)."""
    name = ds["metadata"]["name"]
    strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        raise KubectlError("rollout status is only available for RollingUpdate strategy type")
    status = ds.get("status") or {}
    if ds["metadata"].get("generation", 1) <= status.get("observedGeneration", 0):
        desired = status.get("desiredNumberScheduled", 0)
        if status.get("updatedNumberScheduled", 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {status.get("updatedNumberScheduled", 0)} '
                    f"out of {desired} new pods have been updated...\n", False)  # fmt: skip
        if status.get("numberAvailable", 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {status.get("numberAvailable", 0)} of '
                    f"{desired} updated pods are available...\n", False)  # fmt: skip
        return f'daemon set "{name}" successfully rolled out\n', True
    return "Waiting for daemon set spec update to be observed...\n", False


def _revision(obj: dict) -> int | None:
    value = (obj["metadata"].get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _owned_replica_sets(cluster: Cluster, d: dict) -> list[dict]:
    uid = d["metadata"]["uid"]
    return [
        rs
        for rs in cluster.api.list("ReplicaSet", d["metadata"].get("namespace"))
        if any(r.get("uid") == uid and r.get("controller") for r in rs["metadata"].get("ownerReferences") or [])
    ]


def history_table(cluster: Cluster, d: dict) -> str:
    """The ``REVISION  CHANGE-CAUSE`` table of a Deployment (tabwriter padding 2)."""
    from .printers import TabWriter

    history: dict[int, str] = {}
    for rs in _owned_replica_sets(cluster, d):
        rev = _revision(rs)
        if rev is None:
            continue
        history[rev] = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE) or "<none>"
    if not history:
        return "No rollout history found."
    w = TabWriter(minwidth=0, padding=2)
    w.write("REVISION\tCHANGE-CAUSE\n")
    for rev in sorted(history):
        w.write(f"{rev}\t{history[rev]}\n")
    return w.flush()


def rollback_target(cluster: Cluster, d: dict, to_revision: int = 0) -> dict:
    """The ReplicaSet ``rollout undo`` goes back to: ``to_revision``, or the one before the newest."""
    if to_revision < 0:
        raise KubectlError(f"unable to find specified revision {to_revision} in history")
    latest: tuple[int, dict | None] = (-1, None)
    previous: tuple[int, dict | None] = (-1, None)
    for rs in sorted(_owned_replica_sets(cluster, d), key=lambda r: r["metadata"]["name"]):
        rev = _revision(rs)
        if rev is None:
            continue
        if to_revision == 0:
            if latest[0] < rev:
                previous, latest = latest, (rev, rs)
            elif previous[0] < rev:
                previous = (rev, rs)
        elif rev == to_revision:
            return rs
    if to_revision > 0:
        raise KubectlError(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise KubectlError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
    return previous[1]


def _template_text(template: dict) -> str:
    """``printTemplate``: ``DescribePodTemplate`` into a plain buffer (tabs are kept)."""
    from . import describe

    class _Raw(describe.PrefixWriter):
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, level: int, text: str) -> None:
            self.parts.append("  " * level + text)

        def line(self, text: str) -> None:
            self.parts.append(text + "\n")

        def flush(self) -> None:
            return None

        def text(self) -> str:
            return "".join(self.parts)

    w = _Raw()
    describe._describe_pod_template(w, template)
    return w.text()


# -- kubectl rollout -------------------------------------------------------------------------
_ROLLOUT_FLAGS = (
    *GLOBAL_FLAGS,
    Flag("filename", "f", kind="list"),
    Flag("selector", "l"),
    Flag("output", "o"),
)


def _targets(cluster: Cluster, command: str, args: list[str], opts: dict[str, Any]) -> list[Info]:
    if not args and not opts.get("filename") and not opts.get("selector"):
        raise usage_error(f"rollout {command}", "required resource not specified")
    infos, errors = fetch(cluster, parse_resource_args(args), namespace=opts["namespace"] or "default",
                          selector=opts.get("selector"), allow_empty_selector=False)  # fmt: skip
    if errors:
        raise errors[0]
    return infos


def run_rollout(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl rollout SUBCOMMAND TYPE NAME``."""
    if not args or args[0].startswith("-"):
        return ROLLOUT_HELP
    sub, rest = args[0], args[1:]
    if sub not in _SUBCOMMANDS:
        raise KubectlError(f'unknown command "{sub}" for "kubectl rollout"', raw=False)
    return {
        "status": _rollout_status,
        "history": _rollout_history,
        "undo": _rollout_undo,
        "pause": _rollout_pause,
        "resume": _rollout_resume,
        "restart": _rollout_restart,
    }[sub](cluster, rest)


def _only_kinds(info: Info, kinds: tuple[str, ...], verb: str) -> None:
    if info.res.kind not in kinds:
        group_kind = f"{info.res.kind}.{info.res.group}" if info.res.group else info.res.kind
        raise KubectlError(f"no {verb} has been implemented for {group_kind}")


def _parse_seconds(text: str | None) -> float:
    """``--timeout=5m`` / ``90s`` / ``0`` -> seconds (Go durations)."""
    if not text:
        return 0.0
    total = 0.0
    number = ""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            raise KubectlError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        if total == 0 and float(number) == 0:
            return 0.0
        raise KubectlError(f'invalid argument "{text}" for "--timeout" flag: time: missing unit in duration "{text}"')
    return total


def _rollout_status(cluster: Cluster, args: list[str]) -> KubectlOutput:
    spec = (*_ROLLOUT_FLAGS, Flag("watch", "w", kind="bool", default=True), Flag("revision", kind="int", default=0),
            Flag("timeout", default="0s"))  # fmt: skip
    args, opts = parse_flags("rollout status", args, spec)
    (info,) = _targets(cluster, "status", args, opts)[:1]
    _only_kinds(info, ("Deployment", "DaemonSet"), "status viewer")
    kind, name, ns = info.res.kind, info.name, info.namespace
    timeout = _parse_seconds(opts["timeout"])
    limit = timeout if timeout > 0 else DEFAULT_WAIT_LIMIT
    term = Terminal()

    def view(obj: dict) -> tuple[str, bool]:
        return deployment_status(obj, opts["revision"]) if kind == "Deployment" else daemonset_status(obj)

    events: list[dict] = []
    watch = cluster.api.watch(kind, lambda e: events.append(e.object) if e.object["metadata"]["name"] == name else None,
                              namespace=ns, owner="kubectl")  # fmt: skip
    try:
        obj = cluster.api.get(kind, name, ns)
        line, done = view(obj)
        term.out(line)
        if done or not opts["watch"]:
            return term.result(0)
        clock = cluster.clock
        deadline = clock.now + limit
        while True:
            nxt = clock.peek()
            if nxt is None or nxt > deadline:
                clock.run_to(max(clock.now, deadline))
                term.error(KubectlError("timed out waiting for the condition"))
                return term.result(1)
            clock.step()
            while events:
                new_line, done = view(events.pop(0))
                if new_line != line:  # each changed status line, as it happens
                    term.out(new_line)
                    line = new_line
                if done:
                    return term.result(0)
    except KubectlError as err:
        term.error(err)
        return term.result(1)
    finally:
        watch.stop()


def _rollout_history(cluster: Cluster, args: list[str]) -> KubectlOutput:
    args, opts = parse_flags("rollout history", args, (*_ROLLOUT_FLAGS, Flag("revision", kind="int", default=0)))
    term = Terminal()
    for info in _targets(cluster, "history", args, opts):
        _only_kinds(info, ("Deployment",), "history viewer")
        revision = opts["revision"]
        if revision < 0:
            raise KubectlError(f"invalid revision: {revision}")
        if revision > 0:
            rs = next((r for r in _owned_replica_sets(cluster, info.obj) if _revision(r) == revision), None)
            if rs is None:
                raise KubectlError("unable to find the specified revision")
            template = deep_copy(rs["spec"]["template"])
            cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
            if cause:
                template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
            term.out(f"{info.res.kubectl_kind}/{info.name} with revision #{revision}\n")
            term.out(_template_text(template) + "\n")
        else:
            term.out(f"{info.res.kubectl_kind}/{info.name} \n")
            term.out(history_table(cluster, info.obj) + "\n")
    return term.result(0)


def _rollout_undo(cluster: Cluster, args: list[str]) -> KubectlOutput:
    spec = (*_ROLLOUT_FLAGS, Flag("to-revision", kind="int", default=0), Flag("dry-run", default="none"))
    args, opts = parse_flags("rollout undo", args, spec)
    term = Terminal()
    for info in _targets(cluster, "undo", args, opts):
        _only_kinds(info, ("Deployment",), "rollbacker")
        d = cluster.api.get("Deployment", info.name, info.namespace)
        to_revision = opts["to-revision"]
        rs = rollback_target(cluster, d, to_revision)
        if opts["dry-run"] not in ("none", None, ""):
            term.out(_template_text(rs["spec"]["template"]))
            continue
        if (d.get("spec") or {}).get("paused"):
            raise KubectlError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
                               "resume' and try again")  # fmt: skip
        template = deep_copy(rs["spec"]["template"])
        labels = (template.get("metadata") or {}).get("labels") or {}
        labels.pop(HASH_LABEL, None)
        current = deep_copy(d["spec"]["template"])
        if template == current:
            term.out(f"{info.res.kubectl_kind}/{info.name} skipped rollback (current template already matches "
                     f"revision {to_revision})\n")  # fmt: skip
            continue
        annotations = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in _SKIP_ANNOTATIONS}
        annotations.update(
            (k, v) for k, v in (rs["metadata"].get("annotations") or {}).items() if k not in _SKIP_ANNOTATIONS
        )
        new = deep_copy(d)
        new["spec"]["template"] = template
        new["metadata"]["annotations"] = annotations
        try:
            cluster.api.update(new, user="kubectl", copy=False)
        except ApiError as err:
            raise KubectlError(f"failed restoring revision {to_revision}: {err}") from None
        term.out(f"{info.res.kubectl_kind}/{info.name} rolled back\n")
    return term.result(0)


def _set_paused(cluster: Cluster, args: list[str], paused: bool) -> KubectlOutput:
    verb = "pause" if paused else "resume"
    args, opts = parse_flags(f"rollout {verb}", args, _ROLLOUT_FLAGS)
    term = Terminal()
    for info in _targets(cluster, verb, args, opts):
        if info.res.kind != "Deployment":
            raise ApiError(400, "BadRequest", f'{info.res.qualified_resource} "{info.name}" '
                           f"{'pausing' if paused else 'resuming'} is not supported")  # fmt: skip
        already = bool((info.obj.get("spec") or {}).get("paused")) == paused
        if already:
            term.out(f"{info.res.kubectl_kind}/{info.name} already {'paused' if paused else 'resumed'}\n")
            continue
        cluster.api.patch("Deployment", info.name, info.namespace, {"spec": {"paused": True if paused else None}},
                          user="kubectl")  # fmt: skip
        term.out(f"{info.res.kubectl_kind}/{info.name} {'paused' if paused else 'resumed'}\n")
    return term.result(0)


def _rollout_pause(cluster: Cluster, args: list[str]) -> KubectlOutput:
    return _set_paused(cluster, args, True)


def _rollout_resume(cluster: Cluster, args: list[str]) -> KubectlOutput:
    return _set_paused(cluster, args, False)


def _rollout_restart(cluster: Cluster, args: list[str]) -> KubectlOutput:
    args, opts = parse_flags("rollout restart", args, _ROLLOUT_FLAGS)
    term = Terminal()
    for info in _targets(cluster, "restart", args, opts):
        if info.res.kind not in ("Deployment", "DaemonSet"):
            raise KubectlError(f"restarting is not supported for {info.res.kind.lower()}")
        if (info.obj.get("spec") or {}).get("paused"):
            raise KubectlError("can't restart paused deployment (run rollout resume first)")
        stamp = cluster.clock.timestamp()
        patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        cluster.api.patch(info.res.kind, info.name, info.namespace, patch, user="kubectl")
        term.out(f"{info.res.kubectl_kind}/{info.name} restarted\n")
    return term.result(0)


# -- kubectl scale ---------------------------------------------------------------------------
_SCALABLE = ("Deployment", "ReplicaSet")


def run_scale(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl scale TYPE NAME --replicas=COUNT`` (``--current-replicas`` precondition)."""
    spec = (*_ROLLOUT_FLAGS, Flag("replicas", kind="int", default=-1), Flag("current-replicas", kind="int",
            default=-1), Flag("all", kind="bool", default=False), Flag("resource-version"))  # fmt: skip
    args, opts = parse_flags("scale", args, spec)
    if opts["replicas"] < 0:
        raise KubectlError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if not args and not opts.get("filename") and not opts.get("selector"):
        raise usage_error("scale", "required resource not specified")
    infos, errors = fetch(cluster, parse_resource_args(args), namespace=opts["namespace"] or "default",
                          selector=opts.get("selector"), select_all=opts["all"])  # fmt: skip
    term = Terminal()
    for info in infos:
        if info.res.kind not in _SCALABLE:
            errors.append(KubectlError(f"cannot scale {info.res.kind}"))
            continue
        current = (info.obj.get("spec") or {}).get("replicas", 1)
        if opts["current-replicas"] >= 0 and current != opts["current-replicas"]:
            errors.append(KubectlError(f"Expected replicas to be {opts['current-replicas']}, was {current}"))
            continue
        try:
            cluster.api.patch(info.res.kind, info.name, info.namespace, {"spec": {"replicas": opts["replicas"]}},
                              user="kubectl")  # fmt: skip
        except ApiError as err:
            errors.append(err)
            continue
        term.out(f"{info.res.kubectl_kind}/{info.name} scaled\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


# -- kubectl set image -----------------------------------------------------------------------
_WITH_TEMPLATE = ("Deployment", "ReplicaSet", "DaemonSet", "Job")


def run_set(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl set image TYPE NAME CONTAINER=IMAGE ...`` (``*=IMAGE`` sets every container)."""
    if not args or args[0] != "image":
        sub = args[0] if args else ""
        if sub and not sub.startswith("-"):
            raise KubectlError(f'"kubectl set {sub}" is not simulated by k8slearn')
        return SET_HELP
    args, opts = parse_flags("set image", args[1:], (*_ROLLOUT_FLAGS, Flag("all", kind="bool", default=False)))
    resources = [a for a in args if "=" not in a]
    pairs = [a for a in args if "=" in a]
    if not pairs:
        raise usage_error("set image", "at least one image update is required")
    images: dict[str, str] = {}
    for pair in pairs:
        name, _, image = pair.partition("=")
        if not name or not image:
            raise KubectlError(f"invalid image update: {pair}")
        images[name] = image
    infos, errors = fetch(cluster, parse_resource_args(resources), namespace=opts["namespace"] or "default",
                          selector=opts.get("selector"), select_all=opts["all"])  # fmt: skip
    term = Terminal()
    for info in infos:
        obj = deep_copy(info.obj)
        if info.res.kind == "Pod":
            pod_spec = obj["spec"]
        elif info.res.kind in _WITH_TEMPLATE:
            pod_spec = obj["spec"]["template"]["spec"]
        else:
            errors.append(KubectlError(f"error: {info.res.kubectl_kind}/{info.name} is not supported by set image"))
            continue
        containers = [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]
        missing = [n for n in images if n != "*" and not any(c.get("name") == n for c in containers)]
        if missing:
            errors.append(KubectlError(f'unable to find container named "{missing[0]}"'))
            continue
        for c in containers:
            if c.get("name") in images:
                c["image"] = images[c["name"]]
            elif "*" in images:
                c["image"] = images["*"]
        try:
            cluster.api.update(obj, user="kubectl", copy=False)
        except ApiError as err:
            errors.append(err)
            continue
        term.out(f"{info.res.kubectl_kind}/{info.name} image updated\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)
