"""Lesson 10 checks: each exercise grades its scenario, refuses the wrong kind of answer with a hint, never raises."""

from __future__ import annotations

import functools

import pytest

from k8slearn import scenarios
from k8slearn.check import lesson10
from k8slearn.check.core import NOT_ANSWERED

#: exercise -> (scenario name, seed, variant, the right diagnosis or "fix")
EXERCISES = {
    "ex1": ("node-notready", 40, 1, lambda s: s.expected["node"]),
    "ex2": ("bad-image", 50, 0, lambda s: s.expected["image"]),
    "ex3": ("pending-taint", 10, 1, lambda s: {"node": s.expected["node"], "taint": s.expected["taint"]}),
    "ex4": ("missing-configmap", 20, 0, lambda s: {"configmap": s.expected["configmap"], "key": s.expected["key"]}),
    "ex5": ("missing-configmap", 20, 0, "fix"),
    "ex6": ("wrong-selector", 30, 1, lambda s: s.expected["selector"]),
    "ex7": ("failing-readiness", 7, None, "fix"),
}


@functools.cache
def _scenario(exercise: str) -> scenarios.Scenario:
    name, seed, variant, _ = EXERCISES[exercise]
    return scenarios.make(name, seed=seed, variant=variant)


@pytest.mark.parametrize("exercise", [e for e, spec in EXERCISES.items() if spec[3] != "fix"])
def test_the_right_diagnosis_passes(exercise):
    s = _scenario(exercise)
    feedback = getattr(lesson10, exercise)(EXERCISES[exercise][3](s), s)
    assert feedback.ok, feedback.message


@pytest.mark.parametrize("exercise", ["ex2", "ex5", "ex7"])
def test_the_repaired_cluster_passes(exercise):
    name, seed, variant, _ = EXERCISES[exercise]
    s = scenarios.make(name, seed=seed, variant=variant)
    check = getattr(lesson10, exercise)
    before = check(s.cluster, s)
    assert not before.ok and "still broken" in before.message
    s.remedy(s.cluster)
    after = check(s.cluster, s)
    assert after.ok and "Healed" in after.message, after.message


def test_a_mystery_made_from_a_seed_is_graded_by_ex7():
    s = scenarios.make(seed=7)
    assert s.mystery and s.name == "failing-readiness"
    s.remedy(s.cluster)
    assert lesson10.ex7(s.cluster, s).ok


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_unanswered_is_not_an_error(exercise):
    feedback = getattr(lesson10, exercise)(None, _scenario(exercise))
    assert not feedback.ok and feedback.message == NOT_ANSWERED


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_forgetting_the_scenario_gets_a_hint(exercise):
    feedback = getattr(lesson10, exercise)("node-1")
    assert not feedback.ok and f"check.lesson10.{exercise}(answer, s)" in feedback.message


def test_the_scenario_of_another_exercise_is_refused():
    feedback = lesson10.ex3({"node": "node-1", "taint": "x"}, _scenario("ex6"))
    assert not feedback.ok and "pending-taint" in feedback.message


def test_a_fix_exercise_wants_the_cluster():
    feedback = lesson10.ex5({"configmap": "x", "key": "y"}, _scenario("ex5"))
    assert not feedback.ok and "answer = c" in feedback.message


def test_a_diagnosis_exercise_wants_the_finding():
    s = _scenario("ex1")
    feedback = lesson10.ex1(s.cluster, s)
    assert not feedback.ok and "not with the cluster" in feedback.message


@pytest.mark.parametrize(
    "junk", [42, object(), ["a", "b"], {"x": {"y": 1}}], ids=["a number", "an object", "a list", "nested"]
)
def test_junk_never_raises(junk):
    for exercise in ("ex1", "ex2", "ex3", "ex4", "ex6"):
        assert not getattr(lesson10, exercise)(junk, _scenario(exercise)).ok
