"""``kubectl delete``: delete objects by name, file, label selector or ``--all``.

Notes
-----
Mirrors kubectl ``pkg/cmd/delete/delete.go`` (1.34+): the line
``<kind>[.<group>] "<name>" deleted from <ns> namespace`` (cluster-scoped objects
without the suffix, ``force deleted`` with ``--grace-period=0 --force``), the force
warning, ``--grace-period=0`` without ``--force`` becoming 1 s, ``--cascade``, and
``No resources found`` when a selector matched nothing.

Deliberate difference: kubectl waits (``--wait=true``) until the objects are gone.
Here time only moves when the lesson says so, so by default the command returns at
once and a pod shows ``Terminating`` until its kubelet finishes; ``--wait`` runs the
virtual clock until the objects are gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.errors import ApiError
from . import KubectlError, KubectlOutput, Terminal
from .builder import Info, fetch, parse_resource_args, resolve_type
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_delete", "FORCE_WARNING", "delete_line"]

FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. "
    "The resource may continue to run on the cluster indefinitely."
)

_NO_RESOURCES = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'"
)

DELETE_FLAGS = (
    Flag("filename", "f", kind="list"),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("all", kind="bool", default=False),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("force", kind="bool", default=False),
    Flag("now", kind="bool", default=False),
    Flag("cascade", default="background"),
    Flag("wait", kind="bool", default=False),
    Flag("timeout", default="0s"),
    Flag("ignore-not-found", kind="bool", default=False),
    Flag("output", "o"),
    Flag("dry-run", default="none"),
    Flag("interactive", "i", kind="bool", default=False),
    *GLOBAL_FLAGS,
)

_CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan", "true": "Background",
            "false": "Orphan"}  # fmt: skip


def delete_line(info: Info, grace: int, dry: str = "") -> str:
    """``pod "web" deleted from default namespace`` (``DeleteOptions.PrintObj``)."""
    operation = "force deleted" if grace == 0 else "deleted"
    if info.res.namespaced:
        operation += f" from {info.namespace} namespace"
    return f'{info.res.kubectl_kind} "{info.name}" {operation}{dry}\n'


def run_delete(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl delete TYPE NAME... | TYPE/NAME | -f FILE | TYPE -l SELECTOR | TYPE --all``."""
    args, opts = parse_flags("delete", args, DELETE_FLAGS)
    changed = opts["__changed__"]
    term = Terminal()
    if opts["all"] and opts["selector"]:
        raise KubectlError("cannot set --all and --selector at the same time")
    if opts["all"] and opts["field-selector"]:
        raise KubectlError("cannot set --all and --field-selector at the same time")
    if opts["output"] not in (None, "", "name"):
        raise KubectlError(f"unexpected -o output mode: {opts['output']}. We only support '-o name'")
    grace = opts["grace-period"]
    if opts["now"]:
        if grace != -1:
            raise KubectlError("--now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not opts["force"]:
        grace = 1
    if opts["force"] and grace < 0:
        grace = 0
    if opts["force"] and grace > 0:
        raise KubectlError("--force and --grace-period greater than 0 cannot be specified together")
    cascade = opts["cascade"]
    if cascade not in _CASCADE:
        raise KubectlError(f'invalid cascade value ({cascade}). Must be "background", "foreground", or "orphan".')
    if cascade in ("true", "false"):
        term.err(
            f"warning: --cascade={cascade} is deprecated (boolean value) and can be replaced with "
            f"--cascade={'background' if cascade == 'true' else 'orphan'}."
        )
    policy = _CASCADE[cascade]
    dry = {"none": "", "client": " (dry run)", "server": " (server dry run)"}.get(opts["dry-run"] or "none")
    if dry is None:
        raise KubectlError(f'Invalid dry-run value ({opts["dry-run"]}). Must be "none", "server", or "client".')
    namespace = opts["namespace"] or "default"
    ignore_not_found = opts["ignore-not-found"]
    if (opts["all"] or opts["selector"] or opts["field-selector"]) and "ignore-not-found" not in changed:
        ignore_not_found = True

    if opts["filename"]:
        from .apply import read_manifests

        infos: list[Info] = []
        errors: list[ApiError] = []
        for obj in read_manifests(opts["filename"], opts["recursive"]):
            res = resolve_type(obj.get("kind") or "")
            m = obj.get("metadata") or {}
            ns = (m.get("namespace") or namespace) if res.namespaced else None
            found = cluster.api.get_or_none(res.kind, m.get("name", ""), ns)
            if found is None:
                errors.append(ApiError.not_found(res.qualified_resource, m.get("name", "")))
            else:
                infos.append(Info(res, found))
    else:
        if not args:
            raise KubectlError(_NO_RESOURCES)
        request = parse_resource_args(args)
        infos, errors = fetch(
            cluster,
            request,
            namespace=namespace,
            all_namespaces=opts["all-namespaces"],
            selector=opts["selector"],
            field_selector=opts["field-selector"],
            select_all=opts["all"],
        )
    if ignore_not_found:
        errors = []
    if grace == 0 and opts["force"]:
        term.err(FORCE_WARNING)
    warn_cluster_scope = opts["namespace"] is not None and not opts["all-namespaces"]
    deleted: list[Info] = []
    for info in infos:
        if warn_cluster_scope and not info.res.namespaced:
            term.err("Warning: deleting cluster-scoped resources, not scoped to the provided namespace")
            warn_cluster_scope = False
        if not dry:
            try:
                cluster.api.delete(
                    info.res.kind,
                    info.name,
                    info.namespace or None,
                    propagation_policy=policy,
                    grace_period_seconds=grace if grace >= 0 else None,
                    user="kubectl",
                )
            except ApiError as err:
                if err.reason == "NotFound" and ignore_not_found:
                    continue
                errors.append(err)
                continue
        deleted.append(info)
        if opts["output"] == "name":
            term.out(f"{info.res.kubectl_kind}/{info.name}\n")
        else:
            term.out(delete_line(info, grace, dry))
    if not infos and not errors:
        term.out("No resources found\n")
    if opts["wait"] and deleted and not dry:
        _wait_gone(cluster, deleted)
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


def _wait_gone(cluster: Cluster, infos: list[Info]) -> None:
    def gone(c: Cluster) -> bool:
        return all(
            (o := c.api.get_or_none(i.res.kind, i.name, i.namespace or None)) is None
            or o["metadata"].get("uid") != i.obj["metadata"].get("uid")
            for i in infos
        )

    try:
        cluster.run_until(gone, timeout=7 * 24 * 3600)
    except TimeoutError:
        raise KubectlError("timed out waiting for the condition") from None
