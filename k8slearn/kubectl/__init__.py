"""kubectl for the simulated cluster: ``cluster.kubectl("get pods -o wide")``.

:func:`run` parses a kubectl command line (with or without a leading ``kubectl``),
finds the command in :data:`COMMANDS` and returns a :class:`KubectlOutput`: the text
kubectl would print (stdout, then stderr, in the order a terminal shows them), with
``.stdout``, ``.stderr`` and ``.exit_code`` kept apart for checks.

Adding a command
----------------
A command is a function ``run_<cmd>(cluster, args: list[str]) -> str`` in its own
module of this package, registered with ONE line in :data:`COMMANDS`::

    "rollout": "k8slearn.kubectl.rollout:run_rollout",

``args`` are the words after the command name. The function

- parses them with :func:`k8slearn.kubectl.flags.parse_flags` (include
  :data:`~k8slearn.kubectl.flags.GLOBAL_FLAGS` so ``-n`` works everywhere);
- returns the stdout text, or a :class:`KubectlOutput` built with :class:`Terminal`
  when it also writes to stderr (warnings, ``No resources found``) or fails after
  printing something;
- raises :class:`KubectlError` for client-side errors (printed ``error: <msg>``),
  :class:`~k8slearn.ApiError` for server errors (printed via ``err.kubectl()``) or
  :class:`~k8slearn.kubectl.flags.FlagError`; the exit code is then 1.

Text read from stdin (``apply -f -``) is ``STDIN.get()``. Shared helpers: the resource
builder in :mod:`k8slearn.kubectl.builder`, formatting in :mod:`k8slearn.kubectl.printers`.

Notes
-----
Mirrors kubectl's ``cmd.go`` (command set and order, cobra ``Did you mean this?``
suggestions) and ``cmdutil.CheckErr`` (error texts, exit code 1).
Used in: every lesson.
"""

from __future__ import annotations

import contextvars
import importlib
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from .flags import GLOBAL_FLAGS, FlagError

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "run",
    "KubectlOutput",
    "KubectlError",
    "Terminal",
    "COMMANDS",
    "KUBECTL_COMMANDS",
    "STDIN",
    "usage_error",
    "suggestions_for",
]

#: The command registry: name -> ``run_<cmd>(cluster, args)`` or ``"module:function"``
#: (imported on first use, so importing k8slearn stays light).
COMMANDS: dict[str, Callable[..., Any] | str] = {
    "get": "k8slearn.kubectl.get:run_get",
    "describe": "k8slearn.kubectl.describe:run_describe",
    "apply": "k8slearn.kubectl.apply:run_apply",
    "create": "k8slearn.kubectl.apply:run_create",
    "delete": "k8slearn.kubectl.delete:run_delete",
    "label": "k8slearn.kubectl.metadata:run_label",
    "annotate": "k8slearn.kubectl.metadata:run_annotate",
    "patch": "k8slearn.kubectl.patch:run_patch",
    "taint": "k8slearn.kubectl.metadata:run_taint",
    "logs": "k8slearn.kubectl.logs:run_logs",
    "exec": "k8slearn.kubectl.exec:run_exec",
    "top": "k8slearn.kubectl.top:run_top",
    "events": "k8slearn.kubectl.events:run_events",
    "api-resources": "k8slearn.kubectl.info:run_api_resources",
    "version": "k8slearn.kubectl.info:run_version",
    "cluster-info": "k8slearn.kubectl.info:run_cluster_info",
    "expose": "k8slearn.kubectl.apply:run_expose",
    "run": "k8slearn.kubectl.apply:run_run",
    # rollout, scale, set image (rollout.py); cordon, uncordon, drain (node_commands.py):
    "rollout": "k8slearn.kubectl.rollout:run_rollout",
    "scale": "k8slearn.kubectl.rollout:run_scale",
    "set": "k8slearn.kubectl.rollout:run_set",
    "cordon": "k8slearn.kubectl.node_commands:run_cordon",
    "uncordon": "k8slearn.kubectl.node_commands:run_uncordon",
    "drain": "k8slearn.kubectl.node_commands:run_drain",
}

#: kubectl 1.36's commands in the order cobra holds them (``cmd.go``): the order of
#: ``Did you mean this?`` suggestions.
KUBECTL_COMMANDS: tuple[str, ...] = (
    "create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale",
    "certificate", "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach",
    "exec", "port-forward", "proxy", "cp", "auth", "debug", "events", "diff", "apply", "patch", "replace", "wait",
    "kustomize", "label", "annotate", "completion", "config", "plugin", "version", "api-versions",
    "api-resources", "options", "kuberc",
)  # fmt: skip

# Commands other helpers are writing: until their module lands they are "unknown".
_PENDING = ("rollout", "scale", "set", "cordon", "uncordon", "drain")

#: Text given to ``run(..., stdin=...)``, read by ``-f -``.
STDIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("kubectl_stdin", default=None)


class KubectlOutput(str):
    """What a kubectl command printed: the text, plus ``stdout``, ``stderr``, ``exit_code``.

    The string value is the output as a terminal shows it (stdout and stderr in the
    order they were written). In a notebook the cell shows the text itself, not a
    quoted string.

    Examples
    --------
    >>> out = KubectlOutput("NAME\\n", "warning\\n", 0)
    >>> str(out), out.stdout, out.exit_code
    ('NAME\\nwarning\\n', 'NAME\\n', 0)
    """

    stdout: str
    stderr: str
    exit_code: int

    def __new__(cls, stdout: str = "", stderr: str = "", exit_code: int = 0, text: str | None = None) -> KubectlOutput:
        obj = super().__new__(cls, stdout + stderr if text is None else text)
        obj.stdout = stdout
        obj.stderr = stderr
        obj.exit_code = exit_code
        return obj

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        for i, line in enumerate(str.__str__(self).splitlines()):
            if i:
                p.break_()
            p.text(line)


class KubectlError(Exception):
    """A client-side kubectl error, printed as ``error: <message>`` (exit code 1).

    ``raw=True`` prints the message as is (for texts kubectl prints without the prefix).
    """

    def __init__(self, message: str, *, raw: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.raw = raw

    def kubectl(self) -> str:
        if self.raw or self.message.startswith("error: "):
            return self.message
        return f"error: {self.message}"


def usage_error(command: str, message: str) -> KubectlError:
    """``cmdutil.UsageErrorf``: ``error: <msg>\\nSee 'kubectl <cmd> -h' for help and examples``."""
    return KubectlError(f"{message}\nSee 'kubectl {command} -h' for help and examples")


class Terminal:
    """Collects what a command writes to stdout and stderr, in order."""

    def __init__(self) -> None:
        self._chunks: list[tuple[bool, str]] = []

    def out(self, text: str) -> None:
        if text:
            self._chunks.append((False, text))

    def err(self, text: str) -> None:
        if text:
            self._chunks.append((True, text if text.endswith("\n") else text + "\n"))

    def error(self, err: BaseException) -> None:
        """Write an exception the way ``cmdutil.CheckErr`` prints it."""
        self.err(_error_text(err))

    @property
    def wrote_stdout(self) -> bool:
        return any(not is_err for is_err, _ in self._chunks)

    def result(self, exit_code: int = 0) -> KubectlOutput:
        stdout = "".join(t for is_err, t in self._chunks if not is_err)
        stderr = "".join(t for is_err, t in self._chunks if is_err)
        return KubectlOutput(stdout, stderr, exit_code, "".join(t for _, t in self._chunks))


def _error_text(err: BaseException) -> str:
    if isinstance(err, (KubectlError, FlagError, ApiError)):
        text = err.kubectl()
    else:
        text = f"error: {type(err).__name__}: {err}"
    return text if text.endswith("\n") else text + "\n"


# -- cobra's suggestions ------------------------------------------------------------------


def _levenshtein(a: str, b: str) -> int:
    a, b = a.lower(), b.lower()
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggestions_for(typed: str, commands: tuple[str, ...] = KUBECTL_COMMANDS) -> list[str]:
    """Commands cobra suggests for a mistyped name: Levenshtein distance <= 2 or a prefix match.

    Examples
    --------
    >>> suggestions_for("appy"), suggestions_for("ge")
    (['apply'], ['set', 'get', 'cp'])

    Notes
    -----
    Mirrors spf13/cobra ``Command.SuggestionsFor`` (``SuggestionsMinimumDistance`` 2,
    case-insensitive), over kubectl's commands in registration order.
    """
    low = typed.lower()
    return [c for c in commands if _levenshtein(typed, c) <= 2 or c.lower().startswith(low)]


def _unknown_command(name: str) -> KubectlError:
    text = f'error: unknown command "{name}" for "kubectl"'
    found = [s for s in suggestions_for(name) if s != name]
    if found:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in found)
    return KubectlError(text, raw=True)


def _resolve_command(name: str) -> Callable[..., Any] | None:
    target = COMMANDS.get(name)
    if target is None:
        return None
    if callable(target):
        return target
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and module_name.startswith(err.name):
            return None
        raise
    return getattr(module, func_name, None)


_VALUED_GLOBALS = {f"--{f.name}" for f in GLOBAL_FLAGS if f.kind != "bool"} | {
    f"-{f.short}" for f in GLOBAL_FLAGS if f.short and f.kind != "bool"
}
_ALL_GLOBALS = {f"--{f.name}" for f in GLOBAL_FLAGS} | {f"-{f.short}" for f in GLOBAL_FLAGS if f.short}


def run(cluster: Cluster, command_line: str, stdin: str | None = None) -> KubectlOutput:
    """Run one kubectl command line against ``cluster``.

    Parameters
    ----------
    cluster
        The simulated cluster.
    command_line
        ``"get pods -o wide"`` or ``"kubectl get pods -o wide"``; words are split as a
        POSIX shell does (quotes work: ``-l 'app in (web,db)'``).
    stdin
        Text for ``-f -`` (``apply -f -``).

    Returns
    -------
    KubectlOutput
        The printed text; ``.exit_code`` is 1 after an error. Never raises for bad
        input: errors are printed the way kubectl prints them.

    Examples
    --------
    >>> import k8slearn as kl
    >>> out = kl.Cluster(seed=0).kubectl("get pods")
    >>> out.stderr, out.exit_code
    ('No resources found in default namespace.\\n', 0)
    """
    try:
        words = shlex.split(command_line)
    except ValueError as err:
        return KubectlOutput("", f"error: cannot parse the command line: {err}\n", 1)
    if words and words[0] == "kubectl":
        words = words[1:]
    leading: list[str] = []
    while words and words[0].startswith("-") and words[0] not in ("-h", "--help"):
        flag = words.pop(0)
        base = flag.split("=", 1)[0]
        if base not in _ALL_GLOBALS and not (base.startswith("-v") and base[2:].isdigit()):
            return KubectlOutput("", f"error: unknown flag: {base}\nSee 'kubectl --help' for usage.\n", 1)
        leading.append(flag)
        if "=" not in flag and base in _VALUED_GLOBALS and words:
            leading.append(words.pop(0))
    if not words or words[0] in ("help", "-h", "--help"):
        from ._help import ROOT_HELP

        return KubectlOutput(ROOT_HELP, "", 0)
    name, args = words[0], words[1:]
    if leading:  # global flags typed before the command: keep them out of "-- ARGS"
        cut = args.index("--") if "--" in args else len(args)
        args = args[:cut] + leading + args[cut:]
    token = STDIN.set(stdin)
    try:
        before_dashdash = args[: args.index("--")] if "--" in args else args
        if "-h" in before_dashdash or "--help" in before_dashdash:
            return _short_help(name)
        func = _resolve_command(name)
        if func is None:
            if name in KUBECTL_COMMANDS and name not in _PENDING:
                raise KubectlError(f'"kubectl {name}" is not simulated by k8slearn')
            raise _unknown_command(name)
        result = func(cluster, args)
    except (KubectlError, FlagError, ApiError) as err:
        return KubectlOutput("", _error_text(err), 1)
    except Exception as err:  # noqa: BLE001 - a student never sees a traceback
        return KubectlOutput("", f"error: internal error in k8slearn kubectl {name}: {type(err).__name__}: {err}\n", 1)
    finally:
        STDIN.reset(token)
    if isinstance(result, KubectlOutput):
        return result
    return KubectlOutput(result or "", "", 0)


def _short_help(name: str) -> KubectlOutput:
    from ._help import SHORT

    if name not in SHORT or _resolve_command(name) is None:
        raise _unknown_command(name)
    return KubectlOutput(f"{SHORT[name]}.\n\nUsage:\n  kubectl {name} [flags] [options]\n", "", 0)
