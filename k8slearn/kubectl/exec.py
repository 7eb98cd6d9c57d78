"""``kubectl exec POD [-c CONTAINER] -- COMMAND [args...]``: run a command in a container.

Notes
-----
Mirrors kubectl ``pkg/cmd/exec``: the command goes after ``--`` (``exec [POD] [COMMAND] is
not supported anymore``); a completed pod is refused (``cannot exec into a container in a
completed pod; current phase is Succeeded``); the container defaults as for ``kubectl
logs`` (``Defaulted container ...`` on stderr); a pod without a node is a 400 (``pod web
does not have a host assigned``); a container that is not running fails the connection
upgrade (``unable to upgrade connection: container not found ("app")``); a non-zero exit
is ``command terminated with exit code N``. The kubelet of the pod's node runs the command
in its shell model (:meth:`k8slearn.node.kubelet.Kubelet.exec`): shell built-ins (``echo``,
``cat``, ``ls``, ``env``, ``printenv``, ``hostname``, ``date``, ``test``, ``sh -c``) against
the container's environment and files. Other programs and interactive shells are not
simulated and say so.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.errors import ApiError
from ..node.shell import SHELLS
from . import KubectlError, KubectlOutput, Terminal, usage_error
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .logs import pick_containers, target_pod

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_exec"]

EXEC_FLAGS = (
    Flag("container", "c"),
    Flag("stdin", "i", kind="bool", default=False),
    Flag("tty", "t", kind="bool", default=False),
    Flag("quiet", "q", kind="bool", default=False),
    Flag("filename", "f"),
    Flag("pod-running-timeout", default="1m0s"),
    *GLOBAL_FLAGS,
)


def run_exec(cluster: Cluster, args: list[str]) -> KubectlOutput:
    """``kubectl exec web -- cat /etc/config/level``: the output and exit code of one command."""
    dashdash = args.index("--") if "--" in args else None
    head = args if dashdash is None else args[:dashdash]
    positional, opts = parse_flags("exec", head, EXEC_FLAGS)
    if dashdash is None and len(positional) > 1:
        raise usage_error("exec", "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead")
    command = positional[1:] if dashdash is None else args[dashdash + 1 :]
    if not positional:
        raise KubectlError("pod, type/name or --filename must be specified")
    if len(positional) > 1 and dashdash is not None:
        raise usage_error("exec", "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead")
    if not command:
        raise KubectlError("you must specify at least one command for the container")
    if command[0] in SHELLS and "-c" not in command[1:2]:
        raise KubectlError(
            "interactive shells are not simulated by k8slearn; run one command at a time, "
            f"e.g. kubectl exec {positional[0]} -- env"
        )
    namespace = opts["namespace"] or "default"
    pod, _ = target_pod(cluster, positional[0], namespace)
    phase = (pod.get("status") or {}).get("phase", "")
    if phase in ("Succeeded", "Failed"):
        raise KubectlError(f"cannot exec into a container in a completed pod; current phase is {phase}")
    term = Terminal()
    quiet = Terminal()
    (container,) = pick_containers(pod, opts["container"], False, quiet if opts["quiet"] else term)
    name = pod["metadata"]["name"]
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise ApiError.bad_request(f"pod {name} does not have a host assigned")
    host = cluster.hosts.get(node)
    kubelet = host.kubelet if host is not None else None
    if kubelet is None or getattr(kubelet, "running", True) is False:
        ip = host.spec.address if host is not None else node
        raise ApiError(500, "", f"error dialing backend: dial tcp {ip}:10250: connect: connection refused")
    try:
        output, code = kubelet.exec(name, pod["metadata"].get("namespace", namespace), container, command)
    except ApiError as err:
        raise KubectlError(f"unable to upgrade connection: {err.message}") from None
    if code is None:
        raise KubectlError(
            f'"{command[0]}" is not simulated inside containers by k8slearn; exec runs shell built-ins '
            "(echo, cat, ls, env, printenv, hostname, date, test, sh -c ...)"
        )
    term.out(output + "\n" if output else "")
    if code:
        term.err(f"command terminated with exit code {code}")
    return term.result(code)
