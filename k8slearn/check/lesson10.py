"""Checks for lesson 10 - the capstone: diagnose and repair broken clusters.

Every exercise hands the student a :class:`~k8slearn.scenarios.Scenario` (a seeded broken
cluster). The check takes the student's answer and that scenario and lets the scenario
grade it: a diagnosis (a node name, a ConfigMap, a selector ...) is compared with the
expected answer; a repaired cluster (``answer = c``) is run forward in virtual time until
it heals or the scenario's time budget runs out. Checks never raise.

Used in: 10_capstone.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail

__all__ = ["ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7", "grade"]


def _is_fix(answer: Any) -> bool:
    from ..cluster import Applied, Cluster

    return isinstance(answer, (Cluster, Applied))


def grade(answer: Any, scenario: Any, name: str | None, mode: str, exercise: str) -> Feedback:
    """Grade ``answer`` against ``scenario`` (of kind ``name``) as a ``diagnosis``, a ``fix`` or ``any``."""
    from ..scenarios import Scenario

    if not isinstance(scenario, Scenario):
        return fail(f"Pass the exercise's scenario too: check.lesson10.{exercise}(answer, s).")
    if name is not None and scenario.name != name:
        return fail(f"This exercise is about a {name} scenario; pass the scenario the exercise built.")
    if mode == "fix" and not _is_fix(answer):
        return fail(
            "This exercise is graded on the cluster itself: repair it (c.apply(...), c.kubectl(...)), then answer = c."
        )
    if mode == "diagnosis" and _is_fix(answer):
        return fail("Answer with what you found (see the question), not with the cluster.")
    return scenario.grade(answer)


@check
def ex1(answer: Any, scenario: Any = None) -> Feedback:
    """A pod that will not go away: the NotReady node's name."""
    return grade(answer, scenario, "node-notready", "diagnosis", "ex1")


@check
def ex2(answer: Any, scenario: Any = None) -> Feedback:
    """A stuck rollout: the image it cannot pull (or the cluster after ``kubectl rollout undo``)."""
    return grade(answer, scenario, "bad-image", "any", "ex2")


@check
def ex3(answer: Any, scenario: Any = None) -> Feedback:
    """Pending pods: the tainted node and the taint's key."""
    return grade(answer, scenario, "pending-taint", "diagnosis", "ex3")


@check
def ex4(answer: Any, scenario: Any = None) -> Feedback:
    """A crash loop: the ConfigMap and the key the container misses."""
    return grade(answer, scenario, "missing-configmap", "diagnosis", "ex4")


@check
def ex5(answer: Any, scenario: Any = None) -> Feedback:
    """The same cluster, repaired: the pods run."""
    return grade(answer, scenario, "missing-configmap", "fix", "ex5")


@check
def ex6(answer: Any, scenario: Any = None) -> Feedback:
    """A Service without endpoints: the selector it should have."""
    return grade(answer, scenario, "wrong-selector", "diagnosis", "ex6")


@check
def ex7(answer: Any, scenario: Any = None) -> Feedback:
    """The mystery cluster, repaired."""
    return grade(answer, scenario, None, "fix", "ex7")
