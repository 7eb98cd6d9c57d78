"""The ``k8slearn`` command: open, validate and re-execute the lesson notebooks.

``k8slearn lab``      opens JupyterLab on the lessons.
``k8slearn check``    validates lessons with strict nbval and prints the time per lesson.
``k8slearn execute``  re-executes lessons top to bottom in a fresh kernel and writes the outputs back,
                      normalised so that two runs in a row leave the files byte-identical.

Heavy imports (nbformat, nbclient, jupyterlab) happen inside the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "CELL_TIMEOUT",
    "IPYKERNEL_CELL_NAME",
    "KERNEL_NAME",
    "build_parser",
    "bundled_lessons_dir",
    "execute_notebook",
    "lessons_dir",
    "main",
    "normalize_notebook",
    "resolve_lessons",
]

#: Cell file name shown in warnings and tracebacks of lesson kernels (nbval compares them).
IPYKERNEL_CELL_NAME = "<IPY-INPUT>"
#: Seconds one cell may run under ``k8slearn execute``.
CELL_TIMEOUT = 600
#: Kernel that runs the lessons; jupyter_client maps it to the current interpreter.
KERNEL_NAME = "python3"
#: Folder, under the current directory, that receives a copy of the bundled lessons.
LESSONS_COPY = "k8slearn-lessons"
#: The lesson JupyterLab opens first.
FIRST_LESSON = "00_architecture.ipynb"
SANITIZE_FILE = "sanitize.cfg"

_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_MODEL_ID = re.compile(r"[0-9a-f]{32}")
_IPY_MODEL = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
_RAISES_MARKER = re.compile(r"^\s*#\s*NBVAL_RAISES_EXCEPTION", re.MULTILINE)
_WIDGET_ID_NAMESPACE = uuid.UUID("6f1d3a52-5b0e-4c8e-9a57-0c6b3f0e8d11")
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


# -- where the lessons are --------------------------------------------------------------------


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def _checkout_lessons_dir() -> Path | None:
    """The repository's ``notebooks/`` when k8slearn runs from a checkout or an editable install."""
    repo = _package_dir().parent
    notebooks = repo / "notebooks"
    if (repo / "pyproject.toml").is_file() and notebooks.is_dir():
        return notebooks
    return None


def bundled_lessons_dir() -> Path:
    """The copy of the lessons shipped inside the installed package (``k8slearn/notebooks``)."""
    return _package_dir() / "notebooks"


def lessons_dir() -> Path:
    """The lessons k8slearn was installed with: the checkout's ``notebooks/``, else the bundled copy.

    Raises
    ------
    FileNotFoundError
        If neither exists (a broken install).
    """
    checkout = _checkout_lessons_dir()
    if checkout is not None:
        return checkout
    bundled = bundled_lessons_dir()
    if bundled.is_dir():
        return bundled
    raise FileNotFoundError("k8slearn's lesson notebooks were not found; reinstall k8slearn")


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def resolve_lessons(names: Sequence[str], folder: Path) -> list[Path]:
    """Turn lesson names into notebook paths; no names means every lesson in ``folder``.

    A name is a path to a notebook, a file name in ``folder`` with or without ``.ipynb``,
    or an unambiguous prefix of one (``02`` or ``02_sched`` for ``02_scheduling.ipynb``).

    Raises
    ------
    ValueError
        If a name matches no lesson or several.
    """
    available = _notebooks_in(folder)
    if not names:
        return available
    found: list[Path] = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            found.append(path.resolve())
            continue
        stem = path.name.removesuffix(".ipynb")
        exact = [p for p in available if p.stem == stem]
        matches = exact or [p for p in available if p.stem.startswith(stem)]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in available) or "none"
            problem = "matches no lesson" if not matches else "is ambiguous"
            raise ValueError(f"{name!r} {problem} in {folder} (lessons: {known})")
        found.append(matches[0])
    return list(dict.fromkeys(found))


def _copy_lessons(source: Path, target: Path) -> list[str]:
    """Copy lessons that ``target`` lacks; never overwrite a student's edited notebook."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for item in sorted(source.iterdir()):
        if item.name.startswith((".", "__")) or (target / item.name).exists():
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)
        copied.append(item.name)
    return copied


def _lab_dir(requested: str | None) -> Path:
    source = lessons_dir()
    if requested is None:
        if source == _checkout_lessons_dir():
            return source
        target = Path.cwd() / LESSONS_COPY
    else:
        target = Path(requested).expanduser().resolve()
        if target == source:
            return source
    copied = _copy_lessons(source, target)
    if copied:
        print(f"k8slearn: copied {len(copied)} file(s) from {source} to {target}")
    return target


def _kernel_env() -> dict[str, str]:
    return {**os.environ, "IPYKERNEL_CELL_NAME": IPYKERNEL_CELL_NAME}


def _version() -> str:
    from ._version import __version__

    return __version__


# -- k8slearn lab ------------------------------------------------------------------------------


def _lab_command(folder: Path, port: int | None, browser: bool) -> list[str]:
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}"]
    if (folder / FIRST_LESSON).is_file():
        cmd.append(f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}")
    if port is not None:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines often run as root
        cmd.append("--allow-root")
    return cmd


def _cmd_lab(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        print(
            "k8slearn lab needs JupyterLab: python -m pip install 'k8slearn[lab]'",
            file=sys.stderr,
        )
        return 1
    folder = _lab_dir(args.dir)
    print(f"k8slearn {_version()}: opening the lessons in {folder}", flush=True)
    cmd = _lab_command(folder, args.port, not args.no_browser)
    if os.name == "posix":  # become JupyterLab, so Ctrl-C and kill reach the server itself
        os.execve(cmd[0], cmd, _kernel_env())
    proc = subprocess.Popen(cmd, env=_kernel_env())
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:  # JupyterLab asks whether to shut down; let it answer
            continue


# -- k8slearn check ----------------------------------------------------------------------------


def _sanitize_file(folder: Path) -> Path:
    for candidate in (folder / SANITIZE_FILE, lessons_dir() / SANITIZE_FILE):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {SANITIZE_FILE} next to the lessons in {folder}")


def _check_command(notebooks: Sequence[Path], sanitize: Path, junit: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(sanitize),
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-o",
        "junit_family=xunit1",
        f"--junitxml={junit}",
        *(str(nb) for nb in notebooks),
    ]


def _lesson_times(junit: Path, notebooks: Sequence[Path]) -> list[tuple[str, int, int, float]]:
    """Per notebook: (stem, cells run, cells failed, seconds incl. kernel start) from a JUnit report."""
    import xml.etree.ElementTree as ET

    stems = {nb.name: nb.stem for nb in notebooks}
    totals: dict[str, list[float]] = {nb.stem: [0, 0, 0.0] for nb in notebooks}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = Path(case.get("file") or "").name
        stem = stems.get(name)
        if stem is None:
            continue
        row = totals[stem]
        row[2] += float(case.get("time") or 0.0)
        if case.find("skipped") is None:
            row[0] += 1
        if case.find("failure") is not None or case.find("error") is not None:
            row[1] += 1
    return [(stem, int(r[0]), int(r[1]), r[2]) for stem, r in totals.items()]


def _print_times(title: str, rows: Iterable[tuple[str, str, float]], wall: float) -> None:
    rows = list(rows)
    width = max([len(title), *(len(r[0]) for r in rows)])
    print(f"\n{title:<{width}}  {'result':<14}  {'seconds':>8}")
    for name, result, seconds in rows:
        print(f"{name:<{width}}  {result:<14}  {seconds:>8.1f}")
    print(f"{'total (wall)':<{width}}  {'':<14}  {wall:>8.1f}")


def _cmd_check(args: argparse.Namespace) -> int:
    folder = Path(args.dir).resolve() if args.dir else lessons_dir()
    notebooks = resolve_lessons(args.lessons, folder)
    if not notebooks:
        print(f"k8slearn check: no lessons in {folder}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="k8slearn-check-") as tmp:
        junit = Path(tmp) / "nbval.xml"
        cmd = _check_command(notebooks, _sanitize_file(folder), junit)
        start = time.perf_counter()
        code = subprocess.call(cmd, env=_kernel_env())
        wall = time.perf_counter() - start
        if junit.is_file():
            rows = [
                (stem, f"{run - failed}/{run} passed" if run else "no cells", seconds)
                for stem, run, failed, seconds in _lesson_times(junit, notebooks)
            ]
            _print_times("lesson", rows, wall)
    return code


# -- k8slearn execute --------------------------------------------------------------------------


def _widget_ids_in_order(nb: dict) -> list[str]:
    """Widget model ids in a canonical order: as displayed in the cells, then as they reference
    each other, then the rest in the order the kernel created them."""
    state = nb.get("metadata", {}).get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    order: dict[str, None] = {}
    queue: list[str] = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            view = output.get("data", {}).get(_WIDGET_VIEW)
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                queue.append(view["model_id"])
    queue.extend(state)
    while queue:
        model_id = queue.pop(0)
        if model_id in order:
            continue
        order[model_id] = None
        if model_id in state:
            refs = _IPY_MODEL.findall(json.dumps(state[model_id], sort_keys=True))
            queue[0:0] = [ref for ref in refs if ref not in order]
    return list(order)


def _canonical_widget_ids(nb: dict) -> dict:
    ids = [i for i in _widget_ids_in_order(nb) if _MODEL_ID.fullmatch(i)]
    if not ids:
        return nb
    mapping = {old: uuid.uuid5(_WIDGET_ID_NAMESPACE, str(n)).hex for n, old in enumerate(ids)}
    text = json.dumps(nb)
    text = _MODEL_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
    return json.loads(text)


def normalize_notebook(nb: Any) -> Any:
    """Make an executed notebook independent of when and where it was executed.

    Removes per-cell execution timestamps, fixes the kernelspec to ``python3`` and drops the
    interpreter's patch version from ``language_info``, renumbers ``execution_count`` 1..n in
    cell order, gives cells without an id a stable one, and renames the random widget model ids
    to stable ones (widget state metadata is kept). Idempotent.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; it is not modified.

    Returns
    -------
    nbformat.NotebookNode
        The normalised copy.
    """
    import nbformat

    data = _canonical_widget_ids(json.loads(json.dumps(nb)))
    meta = data.setdefault("metadata", {})
    meta["kernelspec"] = dict(_KERNELSPEC)
    if isinstance(meta.get("language_info"), dict):
        meta["language_info"].pop("version", None)
    wants_ids = (data.get("nbformat"), data.get("nbformat_minor", 0)) >= (4, 5)
    seen_ids: set[str] = set()
    count = 0
    for index, cell in enumerate(data.get("cells", [])):
        cell_meta = cell.setdefault("metadata", {})
        for key in _VOLATILE_CELL_METADATA:
            cell_meta.pop(key, None)
        if wants_ids:
            cell_id = cell.get("id")
            if not cell_id or cell_id in seen_ids:
                cell_id = f"cell-{index}"
                while cell_id in seen_ids:
                    cell_id += "-"
                cell["id"] = cell_id
            seen_ids.add(cell_id)
        if cell.get("cell_type") != "code":
            continue
        if cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
        cell["outputs"] = _merge_streams(cell.get("outputs", []))
        for output in cell["outputs"]:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = cell.get("execution_count")
    return nbformat.from_dict(data)


def _merge_streams(outputs: list[dict]) -> list[dict]:
    """Join consecutive stream outputs of the same name (a busy kernel may split one print)."""
    merged: list[dict] = []
    for output in outputs:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and output.get("output_type") == "stream"
            and prev.get("output_type") == "stream"
            and prev.get("name") == output.get("name")
        ):
            prev["text"] = "".join(prev["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def execute_notebook(path: Path, timeout: int = CELL_TIMEOUT, kernel_name: str = KERNEL_NAME) -> Any:
    """Run a notebook top to bottom in a fresh kernel and return it normalised (not written).

    The kernel starts in the notebook's folder with ``IPYKERNEL_CELL_NAME`` set. Cells marked
    ``# NBVAL_RAISES_EXCEPTION`` (or tagged ``raises-exception``) may raise; any other error
    raises ``nbclient.exceptions.CellExecutionError``.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    tagged = []  # nbval's comment marker, told to nbclient as the tag it understands
    for cell in nb.cells:
        meta = cell.setdefault("metadata", {})
        tags = meta.get("tags")
        if cell.cell_type == "code" and _RAISES_MARKER.search(cell.source) and "raises-exception" not in (tags or []):
            meta["tags"] = [*(tags or []), "raises-exception"]
            tagged.append((cell, tags))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
        store_widget_state=True,
    )
    try:
        client.execute(env=_kernel_env())
    finally:
        for cell, tags in tagged:
            if tags is None:
                del cell.metadata["tags"]
            else:
                cell.metadata["tags"] = tags
    return normalize_notebook(nb)


def _write_if_changed(nb: Any, path: Path) -> bool:
    import nbformat

    text = nbformat.writes(nb) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def _cmd_execute(args: argparse.Namespace) -> int:
    folder = Path(args.dir).resolve() if args.dir else lessons_dir()
    notebooks = resolve_lessons(args.lessons, folder)
    if not notebooks:
        print(f"k8slearn execute: no lessons in {folder}", file=sys.stderr)
        return 1
    from nbclient.exceptions import CellExecutionError

    rows = []
    failed = 0
    start = time.perf_counter()
    for path in notebooks:
        print(f"executing {path} ...", flush=True)
        began = time.perf_counter()
        try:
            nb = execute_notebook(path, timeout=args.timeout)
        except CellExecutionError as err:
            failed += 1
            print(f"{path.name}: a cell raised; the file was left unchanged\n{err}", file=sys.stderr)
            rows.append((path.stem, "FAILED", time.perf_counter() - began))
            continue
        changed = _write_if_changed(nb, path)
        rows.append((path.stem, "rewritten" if changed else "unchanged", time.perf_counter() - began))
    _print_times("lesson", rows, time.perf_counter() - start)
    return 1 if failed else 0


# -- handout: lessons without their solutions ---------------------------------------------------

_SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\s*</summary>.*?</details>\s*", re.DOTALL)


def strip_solutions(nb: Any) -> Any:
    """A copy of a lesson without its collapsed ``<details><summary>Solution</summary>`` blocks.

    Markdown cells that held nothing but a solution are dropped; the exercise, its answer
    cell and its check stay, so the handout runs top to bottom like the lesson.
    """
    import nbformat

    data = json.loads(json.dumps(nb))
    cells = []
    for cell in data.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", ""))
            stripped = _SOLUTION.sub("", source)
            if stripped != source:
                if not stripped.strip():
                    continue
                cell["source"] = stripped.rstrip() + "\n"
        cells.append(cell)
    data["cells"] = cells
    return nbformat.from_dict(data)


def _cmd_handout(args: argparse.Namespace) -> int:
    import nbformat

    folder = Path(args.dir).resolve() if args.dir else lessons_dir()
    notebooks = resolve_lessons(args.lessons, folder)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        nb = strip_solutions(nbformat.read(path, as_version=4))
        (out / path.name).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print(f"{out / path.name}")
    return 0


# -- entry point -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``k8slearn`` argument parser (sub-commands ``lab``, ``check``, ``execute``, ``handout``)."""
    parser = argparse.ArgumentParser(
        prog="k8slearn",
        description="Open, validate and re-execute the k8slearn lessons.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = sub.add_parser("lab", help="open JupyterLab on the lessons")
    lab.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: its own, 8888)")
    lab.add_argument(
        "--dir",
        default=None,
        help=f"open the lessons in DIR, copying any missing ones there (default: the checkout's "
        f"notebooks/, or ./{LESSONS_COPY} for an installed package)",
    )
    lab.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    lab.set_defaults(func=_cmd_lab)

    lessons_help = "lessons to use, e.g. 02 or 02_scheduling (default: all)"
    dir_help = "folder holding the lessons (default: the lessons k8slearn was installed with)"

    check = sub.add_parser("check", help="validate lessons with strict nbval and time each one")
    check.add_argument("lessons", nargs="*", help=lessons_help)
    check.add_argument("--dir", default=None, help=dir_help)
    check.set_defaults(func=_cmd_check)

    execute = sub.add_parser("execute", help="re-execute lessons in a fresh kernel and save the outputs")
    execute.add_argument("lessons", nargs="*", help=lessons_help)
    execute.add_argument("--dir", default=None, help=dir_help)
    execute.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds per cell (default: {CELL_TIMEOUT})"
    )
    execute.set_defaults(func=_cmd_execute)

    handout = sub.add_parser("handout", help="write copies of the lessons without their solutions")
    handout.add_argument("out", help="folder to write the handout notebooks to")
    handout.add_argument("lessons", nargs="*", help=lessons_help)
    handout.add_argument("--dir", default=None, help=dir_help)
    handout.set_defaults(func=_cmd_handout)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``k8slearn`` command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        parser.exit(2, f"k8slearn {args.command}: error: {err}\n")
