"""A tiny POSIX-shell interpreter for container commands (``sh -c "sleep 5; exit 1"``).

A simulated container has no real processes; its ``command``/``args`` are read here to
decide what the process would do over time: the log lines it prints and when, the files
it creates and removes (so an exec probe ``cat /tmp/healthy`` can succeed and later
fail, as in the upstream liveness example), whether and when it exits and with which
code, and whether it ends in a long-running program (a server, ``sleep infinity``, an
unknown binary).

Supported: ``;`` ``&&`` ``||`` and newlines, ``echo``/``printf``, ``sleep N`` (``s``,
``m``, ``h`` suffixes, ``infinity``), ``exit N``, ``true``/``false``/``:``, ``touch``,
``rm``, ``mkdir``, ``cat``, ``test``/``[ ]`` with ``-f``/``-e``/``-d``/``-z``/``-n``/``=``,
``VAR=value``, ``$VAR``/``${VAR}``, ``$(date)``/``$(hostname)``/``$(seq A B)``,
``> file``/``>> file`` redirections, ``while true; do ...; done``, ``for v in ...; do
...; done``, ``if ...; then ...; else ...; fi``, ``trap ... TERM``, ``exec``, ``&`` and
``wait``. Anything else is an unknown program that runs until it is stopped (what a real
server or a script waiting on the network would look like from outside).

Used in: 04_kubelet_and_runtime.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Program", "ShellContext", "run_argv", "run_probe", "SHELLS", "parse_seconds"]

SHELLS = frozenset({"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/bash", "/bin/dash"})
#: Loop iterations a ``for`` unrolls at most; outputs past this are dropped.
MAX_ITERATIONS = 1000
FOREVER = float("inf")


@dataclass
class Program:
    """What a process does over time (times in seconds since the container started).

    ``events`` are ``(t, op, arg)`` with op ``log`` (a line), ``touch`` or ``rm`` (a
    path). ``loop`` repeats ``(start, period, body_events)`` forever. ``exit_at`` is
    None when the process never ends by itself; ``program`` names the long-running
    program it ends in (``nginx``, ``sleep``, ``unknown`` ...) from ``program_at``.
    """

    events: list[tuple[float, str, str]] = field(default_factory=list)
    loop: tuple[float, float, list[tuple[float, str, str]]] | None = None
    exit_at: float | None = 0.0
    exit_code: int = 0
    program: str | None = None
    program_argv: tuple[str, ...] = ()
    program_at: float = 0.0
    traps_term: bool = False
    busy: bool = False

    def file_exists(self, path: str, t: float, initial: frozenset[str] = frozenset()) -> bool:
        """Whether ``path`` exists ``t`` seconds after start (touch/rm replayed, loops included)."""
        exists = path in initial
        for when, op, arg in self.events:
            if when > t:
                break
            if arg == path and op in ("touch", "rm"):
                exists = op == "touch"
        if self.loop is not None and t >= self.loop[0]:
            start, period, body = self.loop
            ops = [(rel, op) for rel, op, arg in body if arg == path and op in ("touch", "rm")]
            if ops:
                k, offset = divmod(t - start, period) if period > 0 else (1.0, 0.0)
                if k >= 1:
                    exists = ops[-1][1] == "touch"
                for rel, op in ops:
                    if rel <= offset:
                        exists = op == "touch"
        return exists

    def change_times(self, path: str) -> list[float]:
        """Times (finite prefix only) at which ``path`` is created or removed."""
        return [t for t, op, arg in self.events if arg == path and op in ("touch", "rm")]

    def log_lines(self, until: float, limit: int = 10_000) -> list[tuple[float, str]]:
        """``(t, line)`` printed up to ``until`` seconds after start (at most ``limit``, the latest)."""
        out = [(t, arg) for t, op, arg in self.events if op == "log" and t <= until]
        if self.loop is not None and until >= self.loop[0]:
            start, period, body = self.loop
            logs = [(rel, arg) for rel, op, arg in body if op == "log"]
            if logs and period > 0:
                n = int((until - start) // period) + 1
                first = max(0, n - (limit // len(logs) + 1))
                for k in range(first, n):
                    base = start + k * period
                    out.extend((base + rel, line) for rel, line in logs if base + rel <= until)
        return out[-limit:]


@dataclass
class ShellContext:
    """What a script can see: its environment, files, host name and a clock formatter."""

    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    hostname: str = "pod"
    gnu: bool = False
    date: Callable[[float], str] = lambda t: f"Thu Jan  1 00:00:{int(t) % 60:02d} UTC 2026"
    known_programs: frozenset[str] = frozenset()


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class _Block(Exception):
    """The script reached a program that runs until stopped."""

    def __init__(self, name: str, argv: tuple[str, ...]) -> None:
        self.name = name
        self.argv = argv


class _Loop(Exception):
    """An endless loop with a period (``while true; do ...; sleep 5; done``)."""

    def __init__(self, start: float, period: float, body: list[tuple[float, str, str]], busy: bool) -> None:
        self.start = start
        self.period = period
        self.body = body
        self.busy = busy


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")


def parse_seconds(text: str) -> float | None:
    """``sleep`` arguments: ``30``, ``0.5``, ``2m``, ``1h``, ``infinity``; None if invalid."""
    if text in ("infinity", "inf"):
        return FOREVER
    m = _DURATION.match(text)
    if not m:
        return None
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


class _Interpreter:
    def __init__(self, ctx: ShellContext, probe: bool = False) -> None:
        self.ctx = ctx
        self.vars = dict(ctx.env)
        self.files = dict(ctx.files)
        self.t = 0.0
        self.events: list[tuple[float, str, str]] = []
        self.status = 0
        self.traps_term = False
        self.background: list[float] = []
        self.probe = probe

    # -- output ------------------------------------------------------------------
    def emit(self, line: str, redirect: tuple[str, str] | None) -> None:
        if redirect is not None:
            mode, path = redirect
            if path in ("/dev/null", "/dev/stderr", "/proc/1/fd/2"):
                return
            if path in ("/dev/stdout", "/proc/1/fd/1"):
                self.events.append((self.t, "log", line))
                return
            old = self.files.get(path, "") if mode == ">>" else ""
            self.files[path] = old + line + "\n"
            self.events.append((self.t, "touch", path))
            return
        self.events.append((self.t, "log", line))

    # -- parsing -----------------------------------------------------------------
    @staticmethod
    def tokenize(script: str) -> list[str]:
        lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)

    def run_script(self, script: str) -> None:
        try:
            tokens = self.tokenize(script)
        except ValueError:
            self.emit("sh: syntax error: unterminated quoted string", None)
            raise _Exit(2) from None
        self.run_tokens(tokens)

    def run_tokens(self, tokens: list[str]) -> None:
        i = 0
        skip_next = False
        while i < len(tokens):
            # compound commands
            word = tokens[i]
            if word == "while":
                i = self.run_while(tokens, i)
                continue
            if word == "for":
                i = self.run_for(tokens, i)
                continue
            if word == "if":
                i = self.run_if(tokens, i)
                continue
            j = i
            while j < len(tokens) and tokens[j] not in (";", "&&", "||", "&", "|", ";;"):
                j += 1
            sep = tokens[j] if j < len(tokens) else ";"
            simple = tokens[i:j]
            if not skip_next and simple:
                if sep == "&":
                    self.run_background(simple)
                else:
                    self.run_simple(simple)
            if sep == "&&":
                skip_next = skip_next or self.status != 0
            elif sep == "||":
                skip_next = not skip_next and self.status == 0
            else:
                skip_next = False
            i = j + 1

    def _find(self, tokens: list[str], start: int, word: str, opener: tuple[str, ...]) -> int:
        depth = 0
        for k in range(start, len(tokens)):
            if tokens[k] in opener:
                depth += 1
            elif tokens[k] == word:
                if depth == 0:
                    return k
                depth -= 1
        raise _Exit(2)

    def _next_sep(self, tokens: list[str], i: int) -> int:
        return i + 1 if i < len(tokens) and tokens[i] in (";", "&&", "||") else i

    def run_while(self, tokens: list[str], i: int) -> int:
        do = self._find(tokens, i + 1, "do", ("while", "for", "until"))
        done = self._find(tokens, do + 1, "done", ("do",))
        cond = [t for t in tokens[i + 1 : do] if t != ";"]
        body = tokens[do + 1 : done]
        if cond in (["true"], [":"], ["[", "1", "]"]):
            start = self.t
            mark = len(self.events)
            self.run_tokens(body)  # may raise _Exit or _Block: the loop ends there
            period = self.t - start
            body_events = [(t - start, op, arg) for t, op, arg in self.events[mark:]]
            del self.events[mark:]
            raise _Loop(start, period, body_events, busy=period == 0)
        for _ in range(MAX_ITERATIONS):
            self.run_tokens(cond)
            if self.status != 0:
                break
            self.run_tokens(body)
        self.status = 0
        return self._next_sep(tokens, done + 1)

    def run_for(self, tokens: list[str], i: int) -> int:
        var = tokens[i + 1]
        do = self._find(tokens, i + 2, "do", ("while", "for", "until"))
        done = self._find(tokens, do + 1, "done", ("do",))
        words = [w for w in tokens[i + 2 : do] if w not in (";", "in")]
        values: list[str] = []
        for w in words:
            values.extend(self.expand(w).split())
        for value in values[:MAX_ITERATIONS]:
            self.vars[var] = value
            self.run_tokens(tokens[do + 1 : done])
        return self._next_sep(tokens, done + 1)

    def run_if(self, tokens: list[str], i: int) -> int:
        then = self._find(tokens, i + 1, "then", ("if",))
        fi = self._find(tokens, then + 1, "fi", ("if",))
        body = tokens[then + 1 : fi]
        depth = 0
        split = None
        for k, tok in enumerate(body):
            if tok == "if":
                depth += 1
            elif tok == "fi":
                depth -= 1
            elif tok == "else" and depth == 0:
                split = k
                break
        self.run_tokens(tokens[i + 1 : then])
        if self.status == 0:
            self.run_tokens(body if split is None else body[:split])
        elif split is not None:
            self.run_tokens(body[split + 1 :])
        else:
            self.status = 0
        return self._next_sep(tokens, fi + 1)

    # -- expansion ---------------------------------------------------------------
    _VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|\(([^)]*)\)|(\?))")

    def expand(self, word: str) -> str:
        def sub(m: re.Match) -> str:
            name = m.group(1) or m.group(2)
            if name:
                return self.vars.get(name, "")
            if m.group(4):
                return str(self.status)
            inner = m.group(3).strip()
            parts = inner.split()
            if parts[:1] == ["date"]:
                return self.ctx.date(self.t)
            if parts[:1] == ["hostname"]:
                return self.ctx.hostname
            if parts[:1] == ["seq"] and len(parts) in (2, 3) and all(p.isdigit() for p in parts[1:]):
                lo, hi = (1, int(parts[1])) if len(parts) == 2 else (int(parts[1]), int(parts[2]))
                return " ".join(str(n) for n in range(lo, hi + 1))
            if parts[:1] == ["cat"] and len(parts) == 2:
                return self.files.get(parts[1], "").rstrip("\n")
            return ""

        return self._VAR.sub(sub, word)

    # -- commands ----------------------------------------------------------------
    def run_background(self, words: list[str]) -> None:
        argv = [self.expand(w) for w in words]
        if argv and argv[0] == "sleep" and len(argv) > 1:
            d = parse_seconds(argv[1])
            self.background.append(self.t + (d if d is not None else 0))
        self.status = 0

    def run_simple(self, words: list[str]) -> None:
        redirect = None
        argv: list[str] = []
        k = 0
        while k < len(words):
            w = words[k]
            if w in (">", ">>") and k + 1 < len(words):
                redirect = (w, self.expand(words[k + 1]))
                k += 2
                continue
            if w in ("<",) and k + 1 < len(words):
                k += 2
                continue
            if re.fullmatch(r"\d?>&\d|\d>", w):
                if w.endswith(">") and k + 1 < len(words):
                    k += 1
                k += 1
                continue
            argv.append(self.expand(w))
            k += 1
        while argv and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]):
            name, _, value = argv.pop(0).partition("=")
            self.vars[name] = value
        if not argv:
            self.status = 0
            if redirect is not None and redirect[1] not in ("/dev/null",):
                self.files.setdefault(redirect[1], "")
                self.events.append((self.t, "touch", redirect[1]))
            return
        self.command(argv, redirect)

    def command(self, argv: list[str], redirect: tuple[str, str] | None) -> None:
        name = argv[0].rsplit("/", 1)[-1] if argv[0].startswith("/") else argv[0]
        args = argv[1:]
        self.status = 0
        if name in ("echo",):
            newline = True
            if args[:1] == ["-n"]:
                args, newline = args[1:], False
            text = " ".join(args)
            if "-e" in argv[1:2]:
                text = text.replace("\\n", "\n")
            for line in text.split("\n") if newline or text else []:
                self.emit(line, redirect)
        elif name == "printf":
            fmt = args[0] if args else ""
            text = fmt.replace("%s", " ".join(args[1:]) if len(args) > 1 else "").replace("\\n", "\n")
            for line in text.rstrip("\n").split("\n") if text else []:
                self.emit(line, redirect)
        elif name == "sleep":
            d = parse_seconds(args[0]) if args else None
            if d is None:
                self.emit("sleep: invalid number '" + (args[0] if args else "") + "'", None)
                self.status = 1
                return
            if d == FOREVER:
                raise _Block("sleep", tuple(argv))
            self.t += d
        elif name == "exit":
            code = args[0] if args else str(self.status)
            if not re.fullmatch(r"-?\d+", code):
                self.emit(f"sh: exit: Illegal number: {code}", None)
                raise _Exit(2)
            raise _Exit(int(code) % 256)
        elif name in ("true", ":"):
            pass
        elif name == "false":
            self.status = 1
        elif name == "touch":
            for path in args:
                self.files.setdefault(path, "")
                self.events.append((self.t, "touch", path))
        elif name == "mkdir":
            pass
        elif name == "rm":
            for path in (a for a in args if not a.startswith("-")):
                if path in self.files:
                    del self.files[path]
                    self.events.append((self.t, "rm", path))
                elif "-f" not in args and "-rf" not in args and "-fr" not in args:
                    self.emit(f"rm: can't remove '{path}': No such file or directory", None)
                    self.status = 1
        elif name == "cat":
            for path in args:
                if path in self.files:
                    for line in self.files[path].rstrip("\n").split("\n"):
                        self.emit(line, redirect)
                else:
                    if self.ctx.gnu:
                        self.emit(f"cat: {path}: No such file or directory", None)
                    else:
                        self.emit(f"cat: can't open '{path}': No such file or directory", None)
                    self.status = 1
            if not args:
                pass  # stdin is empty: exits at once
        elif name in ("test", "["):
            self.status = 0 if self.test([a for a in args if a != "]"]) else 1
        elif name in ("hostname",):
            self.emit(self.ctx.hostname, redirect)
        elif name == "date":
            self.emit(self.ctx.date(self.t), redirect)
        elif name in ("env", "printenv"):
            if name == "printenv" and args:
                for var in args:
                    if var in self.vars:
                        self.emit(self.vars[var], redirect)
                    else:
                        self.status = 1
            else:
                for k in sorted(self.vars):
                    self.emit(f"{k}={self.vars[k]}", redirect)
        elif name == "trap":
            if any(s in ("TERM", "SIGTERM", "15", "INT", "SIGINT") for s in args[1:]):
                self.traps_term = True
        elif name == "wait":
            if self.background:
                end = max(self.background)
                self.background.clear()
                if end == FOREVER:
                    raise _Block("sleep", ("sleep", "infinity"))
                self.t = max(self.t, end)
        elif name == "exec":
            if args:
                self.command(args, redirect)
                if not self.probe:
                    raise _Exit(self.status)
        elif name in SHELLS or argv[0] in SHELLS:
            if args[:1] == ["-c"] and len(args) > 1:
                self.run_script(args[1])
            elif args and not args[0].startswith("-"):
                self.emit(f"sh: can't open '{args[0]}': No such file or directory", None)
                self.status = 127
        elif name in ("kill", "ps", "ls", "mount", "chmod", "chown", "export", "set", "cd", "ulimit", "sync"):
            if name == "export":
                for a in args:
                    key, sep, value = a.partition("=")
                    if sep:
                        self.vars[key] = value
            elif name == "ls":
                for path in args:
                    prefix = path.rstrip("/") + "/"
                    names = sorted(p[len(prefix) :] for p in self.files if p.startswith(prefix))
                    if names:
                        for n in names:
                            self.emit(n, redirect)
                    elif path in self.files:
                        self.emit(path, redirect)
                    else:
                        self.emit(f"ls: {path}: No such file or directory", None)
                        self.status = 1
        else:
            raise _Block(name, tuple(argv))

    def test(self, args: list[str]) -> bool:
        if not args:
            return False
        if args[0] == "!":
            return not self.test(args[1:])
        if len(args) == 2:
            op, operand = args
            if op in ("-f", "-e", "-r", "-s"):
                return operand in self.files and (op != "-s" or bool(self.files[operand]))
            if op == "-d":
                prefix = operand.rstrip("/") + "/"
                return any(p.startswith(prefix) for p in self.files)
            if op == "-z":
                return operand == ""
            if op == "-n":
                return operand != ""
        if len(args) == 3:
            a, op, b = args
            if op in ("=", "=="):
                return a == b
            if op == "!=":
                return a != b
            if op in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge") and a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
                x, y = int(a), int(b)
                return {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y, "-ge": x >= y}[op]
        return len(args) == 1 and args[0] != ""


def run_argv(argv: tuple[str, ...] | list[str], ctx: ShellContext) -> Program:
    """Run ``argv`` (already combined from command and args) and describe the process.

    Examples
    --------
    >>> p = run_argv(["sh", "-c", "echo hello; sleep 5; exit 3"], ShellContext())
    >>> p.exit_at, p.exit_code, p.log_lines(10)
    (5.0, 3, [(0.0, 'hello')])
    >>> run_argv(["sleep", "infinity"], ShellContext()).exit_at is None
    True
    """
    interp = _Interpreter(ctx)
    program = Program()
    try:
        interp.command(list(argv), None)
        program.exit_at = interp.t
        program.exit_code = interp.status
    except _Exit as e:
        program.exit_at = interp.t
        program.exit_code = e.code
    except _Block as b:
        program.exit_at = None
        program.program = b.name
        program.program_argv = b.argv
        program.program_at = interp.t
    except _Loop as loop:
        program.exit_at = None
        program.loop = (loop.start, loop.period, loop.body)
        program.busy = loop.busy
        program.program = "loop"
        program.program_at = loop.start
    program.events = interp.events
    program.traps_term = interp.traps_term
    return program


def run_probe(argv: tuple[str, ...] | list[str], ctx: ShellContext) -> tuple[int | None, str]:
    """Run an exec probe's command against the container's files: ``(exit code, output)``.

    The exit code is None when the command is a program this interpreter does not know
    (the caller then decides from the app's health).
    """
    interp = _Interpreter(ctx, probe=True)
    try:
        interp.command(list(argv), None)
        code: int | None = interp.status
    except _Exit as e:
        code = e.code
    except _Block:
        code = None
    except _Loop:
        code = None
    output = "\n".join(arg for _, op, arg in interp.events if op == "log")
    return code, output
