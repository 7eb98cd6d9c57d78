"""Shared rules for the browser tests: JupyterLab driven by Playwright in Debian's Chromium.

Every test under tests/browser/ gets the ``browser`` marker (deselect with ``-m "not browser"``).
Without Chromium (or Playwright) the tests are skipped on a developer's machine, but they FAIL
when ``CI`` is set: CI installs Debian's ``chromium`` (see .ci/run) and must not go green by
skipping. Playwright never downloads a browser here; tests launch ``chromium_path``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Where Debian's ``chromium`` package puts the browser.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
#: Overrides the browser used by the tests (a path to a Chromium-based executable).
CHROMIUM_ENV = "K8SLEARN_CHROMIUM"

_HERE = Path(__file__).resolve().parent


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but empty/0/false/no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_chromium() -> str | None:
    """The Chromium executable to drive: $K8SLEARN_CHROMIUM, /usr/bin/chromium, or chromium on PATH."""
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        return override if os.access(override, os.X_OK) else None
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}, and CI is set: browser tests must run in CI (see .ci/run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium to launch with Playwright (``executable_path=chromium_path``).

    Skips the test when Chromium or Playwright is missing, unless ``CI`` is set: then it fails.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable('Playwright is not installed (python -m pip install -e ".[dev]")')
    path = find_chromium()
    if path is None:
        _unavailable(f"Chromium not found (apt-get install chromium, or set {CHROMIUM_ENV})")
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in tests/browser/ with ``browser``."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
