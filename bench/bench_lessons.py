"""Benchmark: wall time and peak kernel memory of every lesson, executed top to bottom.

mybinder.org guarantees 1 GB of RAM (up to 2 GB): the heaviest lesson must stay well under
1 GB. Each lesson runs in a fresh kernel (nbclient, as ``k8slearn execute`` does, without
writing anything back); the kernel's peak resident memory is read from
``/proc/<pid>/status`` (``VmHWM``) before it shuts down.

Run: ``PYTHONPATH=$PWD python3 bench/bench_lessons.py [lessons...]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size of a process (Linux ``VmHWM``) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found")


def run(path: Path) -> tuple[float, float]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ["IPYKERNEL_CELL_NAME"] = "<IPY-INPUT>"
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        peak = peak_rss_mb(client.km.provisioner.process.pid)
    return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson files (default: every notebooks/NN_*.ipynb)")
    args = parser.parse_args()
    paths = [Path(p) for p in args.lessons] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(f"{'lesson':32} {'seconds':>8} {'peak MiB':>9}")
    worst = ("", 0.0)
    total = 0.0
    for path in paths:
        seconds, peak = run(path)
        total += seconds
        worst = max(worst, (path.stem, peak), key=lambda w: w[1])
        print(f"{path.stem:32} {seconds:8.1f} {peak:9.0f}")
        sys.stdout.flush()
    print(f"{'total':32} {total:8.1f}")
    print(f"heaviest lesson: {worst[0]} at {worst[1]:.0f} MiB (mybinder.org guarantees 1024 MiB)")


if __name__ == "__main__":
    main()
