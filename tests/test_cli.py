"""The ``k8slearn`` command line: argument parsing, lesson lookup, the notebook normaliser, execute."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from k8slearn import cli

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# -- argument parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["lab"], {"command": "lab", "port": None, "dir": None, "no_browser": False}),
        (["lab", "--port", "9999", "--no-browser"], {"command": "lab", "port": 9999, "no_browser": True}),
        (["lab", "--dir", "mine"], {"command": "lab", "dir": "mine"}),
        (["check"], {"command": "check", "lessons": [], "dir": None}),
        (["check", "02", "05_self_healing"], {"command": "check", "lessons": ["02", "05_self_healing"]}),
        (["execute"], {"command": "execute", "lessons": [], "timeout": 600}),
        (["execute", "00", "--timeout", "30"], {"command": "execute", "lessons": ["00"], "timeout": 30}),
    ],
    ids=[
        "lab opens on the default port",
        "lab takes a port and can skip the browser",
        "lab can open another folder",
        "check with no lessons checks them all",
        "check takes lesson names",
        "execute waits 600 s per cell by default",
        "execute takes lessons and a cell timeout",
    ],
)
def test_parser_reads_each_sub_command(argv, expected):
    args = vars(cli.build_parser().parse_args(argv))
    assert {key: args[key] for key in expected} == expected


@pytest.mark.parametrize(
    "argv",
    [[], ["serve"], ["lab", "--port", "eighty"], ["execute", "--timeout"]],
    ids=["a command is required", "an unknown command is refused", "a port is a number", "timeout needs a value"],
)
def test_parser_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(argv)
    assert exit_info.value.code == 2


def test_version_option_prints_the_package_version(capsys):
    from k8slearn._version import __version__

    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"k8slearn {__version__}"


def test_python_dash_m_k8slearn_runs_the_same_command():
    from k8slearn._version import __version__

    done = subprocess.run(
        [sys.executable, "-m", "k8slearn", "--version"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"k8slearn {__version__}"


# -- finding lessons --------------------------------------------------------------------------


@pytest.fixture
def lesson_folder(tmp_path):
    for name in ("00_architecture", "02_scheduling", "03_bin_packing", "05_self_healing"):
        nbformat.write(new_notebook(), tmp_path / f"{name}.ipynb")
    (tmp_path / "README.md").write_text("not a lesson")
    return tmp_path


@pytest.mark.parametrize(
    "names, expected",
    [
        ([], ["00_architecture", "02_scheduling", "03_bin_packing", "05_self_healing"]),
        (["02"], ["02_scheduling"]),
        (["02_sched"], ["02_scheduling"]),
        (["05_self_healing.ipynb"], ["05_self_healing"]),
        (["05", "00", "05"], ["05_self_healing", "00_architecture"]),
    ],
    ids=[
        "no names means every lesson in order",
        "a number finds its lesson",
        "a prefix finds its lesson",
        "a file name finds its lesson",
        "names keep their order and repeat once",
    ],
)
def test_resolve_lessons_finds_notebooks_by_name(lesson_folder, names, expected):
    assert [p.stem for p in cli.resolve_lessons(names, lesson_folder)] == expected


def test_resolve_lessons_accepts_a_path_outside_the_folder(lesson_folder, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "mine.ipynb"
    nbformat.write(new_notebook(), other)
    assert cli.resolve_lessons([str(other)], lesson_folder) == [other.resolve()]


@pytest.mark.parametrize(
    "name, message",
    [("0", "'0' is ambiguous"), ("99", "'99' matches no lesson")],
    ids=["an ambiguous prefix is refused", "an unknown lesson is refused"],
)
def test_resolve_lessons_refuses_unclear_names(lesson_folder, name, message):
    with pytest.raises(ValueError, match=message):
        cli.resolve_lessons([name], lesson_folder)


def test_a_checkout_uses_the_repository_notebooks_folder():
    assert cli.lessons_dir() == ROOT / "notebooks"


def test_lab_copies_bundled_lessons_without_overwriting_a_students_work(tmp_path):
    source = tmp_path / "bundled"
    source.mkdir()
    (source / "00_architecture.ipynb").write_text("new")
    (source / "01_api_server_and_etcd.ipynb").write_text("new")
    target = tmp_path / "k8slearn-lessons"
    target.mkdir()
    (target / "00_architecture.ipynb").write_text("edited by the student")
    assert cli._copy_lessons(source, target) == ["01_api_server_and_etcd.ipynb"]
    assert (target / "00_architecture.ipynb").read_text() == "edited by the student"


def test_lab_command_opens_lesson_00_on_the_given_port(lesson_folder):
    cmd = cli._lab_command(lesson_folder, port=9999, browser=False)
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={lesson_folder}" in cmd
    assert "--LabApp.default_url=/lab/tree/00_architecture.ipynb" in cmd
    assert "--ServerApp.port=9999" in cmd
    assert "--no-browser" in cmd


def test_check_command_runs_strict_nbval_in_the_current_environment(lesson_folder, tmp_path):
    notebooks = cli.resolve_lessons([], lesson_folder)
    cmd = cli._check_command(notebooks, lesson_folder / "sanitize.cfg", tmp_path / "junit.xml")
    assert cmd[:3] == [sys.executable, "-m", "pytest"]
    flags = " ".join(cmd)
    assert f"--nbval --nbval-current-env --nbval-sanitize-with {lesson_folder / 'sanitize.cfg'}" in flags
    assert "-p no:cacheprovider" in flags
    assert "--nbval-lax" not in flags
    assert cmd[-len(notebooks) :] == [str(p) for p in notebooks]


def test_lesson_times_add_up_the_cells_of_each_notebook(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        """<testsuites><testsuite>
        <testcase file="notebooks/00_architecture.ipynb" name="Cell 0" time="1.5"/>
        <testcase file="notebooks/00_architecture.ipynb" name="Cell 1" time="0.25"><failure/></testcase>
        <testcase file="notebooks/02_scheduling.ipynb" name="Cell 0" time="2.0"><skipped/></testcase>
        </testsuite></testsuites>"""
    )
    notebooks = [tmp_path / "00_architecture.ipynb", tmp_path / "02_scheduling.ipynb"]
    assert cli._lesson_times(junit, notebooks) == [("00_architecture", 2, 1, 1.75), ("02_scheduling", 0, 0, 2.0)]


# -- the notebook normaliser ------------------------------------------------------------------

OLD_BOX, OLD_BUTTON, OLD_LAYOUT = "a" * 32, "b" * 32, "c" * 32


def executed_notebook():
    """A tiny notebook as nbclient leaves it: timestamps, a random widget id, odd execution counts."""
    widget = new_output(
        "execute_result",
        data={WIDGET_VIEW: {"model_id": OLD_BOX, "version_major": 2, "version_minor": 0}, "text/plain": "VBox()"},
        execution_count=7,
    )
    cells = [
        new_markdown_cell("# tiny"),
        new_code_cell("box", execution_count=7, outputs=[widget]),
        new_code_cell("print(1)", execution_count=9, outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_code_cell("# not run"),
    ]
    for index, cell in enumerate(cells):
        cell["id"] = f"tiny-{index}"
    cells[1].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00.000000Z"}
    cells[2].metadata["tags"] = ["keep-me"]
    nb = new_notebook(cells=cells)
    del nb.cells[3]["id"]
    nb.metadata["kernelspec"] = {"display_name": "k8s (venv)", "language": "python", "name": "k8s-venv"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "pygments_lexer": "ipython3"}
    state = {
        OLD_LAYOUT: {"model_name": "LayoutModel", "state": {"width": None}},
        OLD_BUTTON: {"model_name": "ButtonModel", "state": {"layout": f"IPY_MODEL_{OLD_LAYOUT}"}},
        OLD_BOX: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{OLD_BUTTON}"]}},
    }
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_normalizer_strips_timestamps_and_pins_the_kernel():
    nb = cli.normalize_notebook(executed_notebook())
    assert all("execution" not in cell.metadata for cell in nb.cells)
    assert nb.metadata.kernelspec == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    assert nb.metadata.language_info == {"name": "python", "pygments_lexer": "ipython3"}
    assert nb.cells[2].metadata.tags == ["keep-me"]


def test_normalizer_numbers_executed_cells_from_one():
    nb = cli.normalize_notebook(executed_notebook())
    assert [c.get("execution_count") for c in nb.cells] == [None, 1, 2, None]
    assert nb.cells[1].outputs[0].execution_count == 1


def test_normalizer_gives_widgets_stable_ids_and_keeps_their_state():
    nb = cli.normalize_notebook(executed_notebook())
    state = nb.metadata.widgets[WIDGET_STATE]["state"]
    box_id = nb.cells[1].outputs[0].data[WIDGET_VIEW]["model_id"]
    assert {OLD_BOX, OLD_BUTTON, OLD_LAYOUT}.isdisjoint(json.dumps(nb))
    assert state[box_id]["model_name"] == "VBoxModel"
    button_id = state[box_id]["state"]["children"][0].removeprefix("IPY_MODEL_")
    assert state[button_id]["model_name"] == "ButtonModel"
    layout_id = state[button_id]["state"]["layout"].removeprefix("IPY_MODEL_")
    assert state[layout_id] == {"model_name": "LayoutModel", "state": {"width": None}}


def test_normalizer_ids_do_not_depend_on_the_random_ids_the_kernel_chose():
    first = cli.normalize_notebook(executed_notebook())
    other = json.loads(
        json.dumps(executed_notebook())
        .replace(OLD_BOX, "1" * 32)
        .replace(OLD_BUTTON, "2" * 32)
        .replace(OLD_LAYOUT, "3" * 32)
    )
    assert nbformat.writes(cli.normalize_notebook(nbformat.from_dict(other))) == nbformat.writes(first)


def test_normalizer_is_idempotent_and_leaves_its_input_alone():
    raw = executed_notebook()
    before = json.dumps(raw, sort_keys=True)
    once = cli.normalize_notebook(raw)
    assert json.dumps(raw, sort_keys=True) == before
    assert nbformat.writes(cli.normalize_notebook(once)) == nbformat.writes(once)
    nbformat.validate(once)


def test_normalizer_fills_a_missing_cell_id_deterministically():
    nb = cli.normalize_notebook(executed_notebook())
    assert nb.cells[3].id == "cell-3"


# -- k8slearn execute -------------------------------------------------------------------------


@pytest.fixture
def kernel_available():
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")


def test_execute_runs_a_tiny_notebook_and_a_second_run_is_byte_identical(tmp_path, kernel_available, capsys):
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_code_cell("import ipywidgets as w\nw.VBox([w.Button(description='kill node-2')])"),
                new_code_cell("import os\nprint(os.environ['IPYKERNEL_CELL_NAME'], os.path.basename(os.getcwd()))"),
            ]
        ),
        path,
    )
    assert cli.main(["execute", "--dir", str(tmp_path)]) == 0
    first = path.read_bytes()
    nb = nbformat.reads(first.decode(), as_version=4)
    assert [c.execution_count for c in nb.cells] == [1, 2]
    assert nb.cells[1].outputs[0].text == f"<IPY-INPUT> {tmp_path.name}\n"
    assert nb.cells[0].outputs[0].data[WIDGET_VIEW]["model_id"] in nb.metadata.widgets[WIDGET_STATE]["state"]

    assert cli.main(["execute", "01", "--dir", str(tmp_path)]) == 0
    assert path.read_bytes() == first
    assert "unchanged" in capsys.readouterr().out


def test_execute_allows_marked_errors_and_leaves_a_failing_lesson_untouched(tmp_path, kernel_available, capsys):
    path = tmp_path / "02_broken.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_code_cell("# NBVAL_RAISES_EXCEPTION\nraise ValueError('expected')"),
                new_code_cell("raise RuntimeError('unexpected')"),
            ]
        ),
        path,
    )
    before = path.read_bytes()
    assert cli.main(["execute", "--dir", str(tmp_path)]) == 1
    assert path.read_bytes() == before
    captured = capsys.readouterr()
    assert "RuntimeError" in captured.err
    assert "ValueError" not in captured.err


def test_handout_strips_solutions_but_keeps_exercises_and_checks(tmp_path):
    import nbformat

    from k8slearn.cli import main, strip_solutions

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("### Exercise 1.1 — Count the nodes"),
        nbformat.v4.new_code_cell("answer = None  # your code"),
        nbformat.v4.new_code_cell("check.lesson01.ex1(answer)"),
        nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>\n\n```python\nanswer = 3\n```\n</details>"),
        nbformat.v4.new_markdown_cell(
            "Hint first.\n\n<details><summary>Solution</summary>\nx\n</details>\n\n## Summary"
        ),
    ]
    out = strip_solutions(nb)
    sources = ["".join(c.source) for c in out.cells]
    assert sources[:3] == [
        "### Exercise 1.1 — Count the nodes",
        "answer = None  # your code",
        "check.lesson01.ex1(answer)",
    ]
    assert len(out.cells) == 4
    assert "Solution" not in sources[3] and "## Summary" in sources[3] and "Hint first." in sources[3]
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    nbformat.write(nb, lessons / "01_demo.ipynb")
    assert main(["handout", str(tmp_path / "handout"), "--dir", str(lessons)]) == 0
    written = nbformat.read(tmp_path / "handout" / "01_demo.ipynb", as_version=4)
    assert all("<summary>Solution" not in "".join(c.source) for c in written.cells)
