"""Binder for real: install exactly what binder/ names into a fresh venv and validate every lesson.

repo2docker cannot run here (no Docker engine), so this does what it would do: a new
virtual environment with the Python of binder/runtime.txt (when this machine has it),
``pip install -r binder/requirements.txt``, ``binder/postBuild``, then strict nbval over
all lessons with that environment's Python. A lesson that only passes because of
something installed outside binder/ fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _runtime_python() -> str:
    """An interpreter of binder/runtime.txt's version if this machine has one, else this one."""
    wanted = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    candidates = [shutil.which(f"python{wanted}"), os.path.expanduser(f"~/.pyenv/versions/{wanted}.1/bin/python")]
    pyenv_root = Path(os.path.expanduser("~/.pyenv/versions"))
    if pyenv_root.is_dir():
        candidates += [str(p / "bin" / "python") for p in sorted(pyenv_root.glob(f"{wanted}.*"))]
    for cand in candidates:
        if cand and os.access(cand, os.X_OK):
            probe = subprocess.run([cand, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                   text=True)  # fmt: skip
            if probe.returncode == 0 and probe.stdout.strip() == str(tuple(int(x) for x in wanted.split("."))):
                return cand
    return sys.executable


@pytest.mark.binder
def test_binder_environment_runs_every_lesson(tmp_path: Path) -> None:
    lessons = sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        pytest.skip("no lessons yet")
    venv = tmp_path / "binder-venv"
    subprocess.run([_runtime_python(), "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONSTRAINT", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")  # postBuild imports one
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(BINDER / "requirements.txt")], check=True, env=env, cwd=ROOT)
    subprocess.run(["bash", str(BINDER / "postBuild")], check=True, env=env, cwd=ROOT)
    env["IPYKERNEL_CELL_NAME"] = "<IPY-INPUT>"
    result = subprocess.run(
        [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "sanitize.cfg"), *lessons],
        env=env, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
