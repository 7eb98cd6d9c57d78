"""Command-line flags the way kubectl (cobra + pflag) reads them.

A command declares its flags with :class:`Flag` and calls :func:`parse_flags`; it gets
the positional arguments and a dict of values back. Flags may appear anywhere among the
arguments (pflag "interspersed" mode); ``--`` ends them.

Examples
--------
>>> spec = [Flag("output", "o"), Flag("show-labels", kind="bool"), *GLOBAL_FLAGS]
>>> args, opts = parse_flags("get", ["pods", "-o", "wide", "--show-labels"], spec)
>>> args, opts["output"], opts["show-labels"], opts["namespace"]
(['pods'], 'wide', True, None)

Notes
-----
Error texts mirror spf13/pflag (``unknown flag: --foo``, ``flag needs an argument:
'n' in -n``, ``invalid argument "x" for "--tail" flag: ...``); kubectl appends
``See 'kubectl <cmd> --help' for usage.`` (component-base ``cli.run`` FlagErrorFunc).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Flag", "FlagError", "parse_flags", "GLOBAL_FLAGS"]


class FlagError(Exception):
    """A command-line flag error; printed as ``error: <msg>\\nSee 'kubectl <cmd> --help' for usage.``"""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.message = message
        self.command = command

    def kubectl(self) -> str:
        return f"error: {self.message}\nSee 'kubectl {self.command} --help' for usage."


@dataclass(frozen=True)
class Flag:
    """One flag: long name, optional one-letter shorthand, kind and default.

    ``kind`` is ``"string"``, ``"bool"``, ``"int"`` or ``"list"`` (a repeatable,
    comma-separated string slice such as ``-L app,tier``).
    """

    name: str
    short: str = ""
    kind: str = "string"
    default: Any = None
    aliases: tuple[str, ...] = field(default=())


#: Flags every kubectl command accepts (kubectl's persistent flags).
GLOBAL_FLAGS: tuple[Flag, ...] = (
    Flag("namespace", "n"),
    Flag("context"),
    Flag("cluster"),
    Flag("user"),
    Flag("kubeconfig"),
    Flag("server", "s"),
    Flag("request-timeout", default="0"),
    Flag("v", "v", kind="int", default=0),
    Flag("warnings-as-errors", kind="bool", default=False),
)


def _parse_bool(text: str) -> bool | None:
    # strconv.ParseBool
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def _convert(flag: Flag, raw: str, shown: str, command: str) -> Any:
    if flag.kind == "bool":
        value = _parse_bool(raw)
        if value is None:
            raise FlagError(
                f'invalid argument "{raw}" for "{shown}" flag: strconv.ParseBool: parsing "{raw}": invalid syntax',
                command,
            )
        return value
    if flag.kind == "int":
        try:
            return int(raw, 10)
        except ValueError:
            raise FlagError(
                f'invalid argument "{raw}" for "{shown}" flag: strconv.ParseInt: parsing "{raw}": invalid syntax',
                command,
            ) from None
    return raw


def parse_flags(command: str, args: Sequence[str], spec: Iterable[Flag]) -> tuple[list[str], dict[str, Any]]:
    """Split ``args`` into positional arguments and flag values.

    Parameters
    ----------
    command
        The command path for error messages (``"get"``, ``"create deployment"``).
    args
        The arguments after the command name.
    spec
        The flags the command accepts (include :data:`GLOBAL_FLAGS`).

    Returns
    -------
    (positional, values)
        ``values`` maps every declared long name to its value or default; list
        flags accumulate, other flags keep the last value.

    Raises
    ------
    FlagError
        For an unknown flag, a missing value or a value of the wrong type.
    """
    flags = list(spec)
    by_long: dict[str, Flag] = {}
    by_short: dict[str, Flag] = {}
    for f in flags:
        by_long[f.name] = f
        for alias in f.aliases:
            by_long[alias] = f
        if f.short:
            by_short[f.short] = f
    values: dict[str, Any] = {f.name: (list(f.default) if f.kind == "list" and f.default else f.default) for f in flags}
    for f in flags:
        if f.kind == "list" and values[f.name] is None:
            values[f.name] = []
    changed: set[str] = set()
    positional: list[str] = []

    def store(f: Flag, raw: str, shown: str) -> None:
        value = _convert(f, raw, shown, command)
        if f.kind == "list":
            if f.name not in changed:
                values[f.name] = []
            values[f.name].extend(v for v in raw.split(",") if v != "" or raw == "")
        else:
            values[f.name] = value
        changed.add(f.name)

    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        i += 1
        if arg == "--":
            positional.extend(args[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, raw = arg[2:].partition("=")
            f = by_long.get(name)
            if f is None:
                raise FlagError(f"unknown flag: --{name}", command)
            if eq:
                store(f, raw, f"--{name}")
            elif f.kind == "bool":
                store(f, "true", f"--{name}")
            else:
                if i >= n:
                    raise FlagError(f"flag needs an argument: --{name}", command)
                store(f, args[i], f"--{name}")
                i += 1
        elif arg.startswith("-") and len(arg) > 1:
            shorts = arg[1:]
            k = 0
            while k < len(shorts):
                c = shorts[k]
                f = by_short.get(c)
                if f is None:
                    raise FlagError(f"unknown shorthand flag: '{c}' in -{shorts}", command)
                rest = shorts[k + 1 :]
                if rest.startswith("="):
                    store(f, rest[1:], f"-{c}, --{f.name}")
                    break
                if f.kind == "bool":
                    store(f, "true", f"-{c}, --{f.name}")
                    k += 1
                    continue
                if rest:
                    store(f, rest, f"-{c}, --{f.name}")
                elif i < n:
                    store(f, args[i], f"-{c}, --{f.name}")
                    i += 1
                else:
                    raise FlagError(f"flag needs an argument: '{c}' in -{shorts}", command)
                break
        else:
            positional.append(arg)
    values["__changed__"] = changed
    return positional, values
