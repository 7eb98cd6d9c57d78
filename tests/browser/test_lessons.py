"""Every lesson, opened as a student opens it: JupyterLab in headless Chromium.

For each notebook in notebooks/: open it, run all cells through JupyterLab's command
registry, assert that no cell shows an error (cells marked NBVAL_RAISES_EXCEPTION
excepted), click one widget control and check the visible result changes as the
lesson says, and save a screenshot (build/screenshots/<lesson>.png, or
$K8SLEARN_SCREENSHOTS) for a human to look at.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("K8SLEARN_NOTEBOOKS", ROOT / "notebooks"))
SHOTS = Path(os.environ.get("K8SLEARN_SCREENSHOTS", ROOT / "build" / "screenshots"))
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

#: One widget interaction per lesson: click the button whose label contains ``button``
#: (the ``nth`` such button), then expect ``expect`` to appear in the output below it.
WIDGET_CHECKS: dict[str, dict] = {
    "00_architecture": {"button": "Next", "expect": "Step 2 of 11"},
    "01_api_server_and_etcd": {"button": "Reveal", "expect": "The answer is It refuses it: 422 Invalid"},
    "02_scheduling": {"button": "Reveal", "expect": "You did not predict. The answer is"},
    "03_bin_packing": {"button": "Reveal", "expect": "The answer is stays Pending"},
    "04_kubelet_and_runtime": {"button": "Reveal", "expect": "The answer is ImagePullBackOff"},
    "05_self_healing": {"button": "fail node", "expect": "node-1: kubelet stopped"},
    "06_services_and_kube_proxy": {"button": "scale", "expect": "scaled web to 4 replicas"},
    "07_rolling_updates": {"button": "Reveal", "expect": "The answer is 10."},
    "08_config_secrets_storage": {"button": "Reveal", "expect": "answer is CreateContainerConfigError"},
    "09_autoscaling": {"button": "Reveal", "expect": "answer is 3."},
    "10_capstone": {"button": "Reveal", "expect": "answer is"},
    "11_delivery_workflow": {"button": "Reveal", "expect": "answer is nginx:1.27: the pipeline stops in staging"},
}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A JupyterLab server on 127.0.0.1 serving the lessons; yields (base URL, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    settings = tmp_path_factory.mktemp("lab-settings")
    (settings / "@jupyterlab").mkdir()
    overrides = tmp_path_factory.mktemp("lab-overrides")
    (overrides / "overrides.json").write_text(
        '{"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},'
        ' "@jupyterlab/docmanager-extension:plugin": {"autosave": false},'
        ' "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}'
    )
    # serve a copy: nothing a browser run does can touch the committed lessons
    served = tmp_path_factory.mktemp("lessons")
    for nb in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy2(nb, served / nb.name)
    env = dict(
        os.environ,
        IPYKERNEL_CELL_NAME="<IPY-INPUT>",
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("lab-workspaces")),
    )
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
        "--LabApp.expose_app_in_browser=True", f"--LabServerApp.app_settings_dir={overrides}",
    ]  # fmt: skip
    log = open(tmp_path_factory.mktemp("lab-log") / "jupyterlab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start; see {log.name}")
            time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  app.shell.collapseLeft();
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  return true;
}"""

STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const session = panel.sessionContext.session;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const o = cell.outputs.get(j).toJSON();
      outputs.push({type: o.output_type, ename: o.ename || '', evalue: o.evalue || ''});
    }
    cells.push({source: cell.sharedModel.getSource(), count: cell.executionCount, outputs});
  }
  const status = session && session.kernel ? session.kernel.status : 'none';
  return {status, cells};
}"""


def _wait_for_run(page: object, timeout: float = 300.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(STATE)
        code = state["cells"]
        if state["status"] == "idle" and code and all(c["count"] for c in code):
            return state
        if time.monotonic() > deadline:
            pending = sum(1 for c in code if not c["count"])
            raise AssertionError(f"lesson did not finish: kernel {state['status']}, {pending} cells not run")
        page.wait_for_timeout(500)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_in_jupyterlab(jupyterlab: tuple[str, str], browser: object, lesson: str) -> None:
    from playwright.sync_api import expect

    base, token = jupyterlab
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/tree/{lesson}?token={token}&reset", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=90_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
        page.evaluate(RUN_ALL)
        state = _wait_for_run(page)
        errors = [
            f"{o['ename']}: {o['evalue']}"
            for c in state["cells"]
            if "NBVAL_RAISES_EXCEPTION" not in c["source"]
            for o in c["outputs"]
            if o["type"] == "error"
        ]
        assert errors == [], f"{lesson}: cells raised {errors}"
        assert page.locator(".jp-OutputArea-output .widget-box, .jp-OutputArea-output .jupyter-widgets").count() > 0, (
            f"{lesson}: no widget rendered"
        )
        check = WIDGET_CHECKS.get(lesson.removesuffix(".ipynb"))
        if check is not None:
            button = page.locator(".jp-OutputArea-output .widget-button", has_text=check["button"]).nth(
                check.get("nth", 0)
            )
            button.scroll_into_view_if_needed()
            button.click()
            area = button.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
            expect(area).to_contain_text(check["expect"], timeout=30_000)
            _wait_for_run(page)  # the callback may still be drawing after its text appeared
            page.wait_for_timeout(500)
            area.screenshot(path=str(SHOTS / f"{lesson.removesuffix('.ipynb')}-widget.png"))
        page.screenshot(path=str(SHOTS / f"{lesson.removesuffix('.ipynb')}.png"), full_page=False)
    finally:
        context.close()
