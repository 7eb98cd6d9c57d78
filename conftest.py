"""Test-session set-up shared by the unit tests and the strict nbval run over ``notebooks/``.

``python -m pytest`` (see README) runs both; this file makes that one command behave the
same from any working directory and gives lesson kernels a stable cell file name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Warnings and tracebacks in lesson kernels name cells ``<IPY-INPUT>`` instead of a
#: temporary ``/tmp/ipykernel_<pid>/<hash>.py`` path, so committed outputs stay comparable.
IPYKERNEL_CELL_NAME = "<IPY-INPUT>"

os.environ["IPYKERNEL_CELL_NAME"] = IPYKERNEL_CELL_NAME


def pytest_configure(config: pytest.Config) -> None:
    """Export the kernel cell name and anchor a relative nbval sanitize file at the repository root."""
    os.environ["IPYKERNEL_CELL_NAME"] = IPYKERNEL_CELL_NAME
    option = config.option
    sanitize = getattr(option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_file():
        anchored = Path(config.rootpath) / sanitize
        if anchored.is_file():
            option.nbval_sanitize_with = str(anchored)
