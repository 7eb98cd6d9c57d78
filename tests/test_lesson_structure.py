"""Every lesson has the shape of LESSON-STYLE.md, so students and instructors always know where they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cells: list[dict], kind: str) -> str:
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == kind)


def test_all_twelve_lessons_exist():
    assert [p.name[:2] for p in LESSONS] == [f"{i:02d}" for i in range(12)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_follows_the_house_shape(path: Path):
    cells = _cells(path)
    md, code = _text(cells, "markdown"), _text(cells, "code")
    number = path.name[:2]
    assert re.match(rf"# {number} · \S", "".join(cells[0]["source"])), "title: '# NN · Topic — promise'"
    assert "*You will learn to:*" in md
    time = re.search(r"\*Time:\* (\d+) min\. \*Before this:\* ", md)
    assert time and 15 <= int(time.group(1)) <= 30, "each lesson states its time, 15-30 min"
    assert "print(kl.__version__)" in "".join(cells[1]["source"]), "the set-up cell prints the version"
    assert re.findall(r"(?m)^## 1 · ", md), "numbered sections '## 1 · ...'"
    assert "PredictReveal" in code or "ScheduleNext" in code, "at least one predict-then-reveal"
    exercises = re.findall(rf"(?m)^### Exercise {int(number)}\.(\d+) — ", md)
    assert len(exercises) >= 3 and exercises == [str(i) for i in range(1, len(exercises) + 1)]
    assert md.count("<details><summary>Solution</summary>") == len(exercises)
    assert len(re.findall(rf"check\.lesson{number}\.ex\d", code)) >= len(exercises)
    assert "## Summary" in md
    if number != "11":
        assert f"Next: lesson {int(number) + 1:02d}" in md or f"Next: [lesson {int(number) + 1:02d}" in md


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_committed_executed_in_order(path: Path):
    counts = [c.get("execution_count") for c in _cells(path) if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
