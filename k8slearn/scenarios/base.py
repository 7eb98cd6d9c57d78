"""What every broken-cluster scenario shares: the :class:`Scenario` object and its grading.

A scenario is a :class:`~k8slearn.Cluster` left in a broken state, the question a
student must answer about it, the expected answer in a form a program can compare, hints
that name the kubectl command to run next, and the remedy. The student answers in one of
two ways:

- a **diagnosis** (a node name, a ConfigMap name, a selector ...): :meth:`Scenario.grade`
  compares it with :attr:`Scenario.expected` and says what is still off;
- a **fix**: the student repairs the cluster (``c.apply(...)``, ``c.kubectl(...)``) and
  passes the cluster (or what ``c.apply`` returned) as the answer; the grade lets virtual
  time run and checks that the cluster heals.

Subclasses implement :meth:`~Scenario.check_diagnosis`, :meth:`~Scenario.problems` and
:meth:`~Scenario.remedy`; each scenario module has a ``make(seed, variant=None)``.

Used in: 10_capstone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..check.core import NOT_ANSWERED, Feedback, fail, passed

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Scenario", "scenario_rng", "pick_variant", "MYSTERY_QUESTION"]

#: The question a scenario asks when it is handed out as a mystery (``scenarios.make(seed=...)``).
MYSTERY_QUESTION = (
    "Something in this cluster is broken. Find out what, repair it with c.apply(...) or c.kubectl(...), "
    "and answer with the repaired cluster: answer = c"
)


def scenario_rng(name: str, seed: int) -> random.Random:
    """The generator a scenario draws its names and numbers from (independent of the cluster's own)."""
    return random.Random(f"k8slearn-scenario/{name}/{seed}")


def pick_variant(rng: random.Random, variants: Sequence[str], variant: int | None) -> int:
    """``variant`` checked against ``variants``, or one drawn from ``rng`` when it is None."""
    if variant is None:
        return rng.randrange(len(variants))
    if not 0 <= int(variant) < len(variants):
        raise ValueError(f"variant must be in 0..{len(variants) - 1}, got {variant}")
    return int(variant)


@dataclass(eq=False, repr=False)
class Scenario:
    """A broken cluster, its question, its expected answer, hints and remedy.

    Attributes
    ----------
    name
        Registry name (``"pending-taint"``).
    title
        One line for a lesson heading ("A pod stuck in Pending").
    seed, variant
        What made it; ``make(seed, variant)`` rebuilds it byte for byte.
    cluster
        The cluster in its broken state.
    question
        What the student must find, and the shape of the answer.
    expected
        The answer(s), machine-checkable (``{"node": "node-2", "taint": "dedicated"}``).
    hints
        From gentle to specific; each names the kubectl command to run next.
    symptom
        What a first ``kubectl get`` shows (a key of the triage picture, e.g. ``Pending``).
    commands
        The kubectl commands that lead to the cause.
    solution
        Python code that diagnoses and repairs it (what a collapsed solution shows).
    heal_timeout
        Virtual seconds a repaired cluster gets to become healthy when graded.
    """

    name: str
    title: str
    seed: int
    variant: int
    cluster: Cluster
    question: str
    expected: dict[str, Any]
    hints: tuple[str, ...]
    symptom: str
    commands: tuple[str, ...]
    solution: str = ""
    heal_timeout: float = 600.0
    mystery: bool = False

    # -- what subclasses provide ---------------------------------------------------------
    def check_diagnosis(self, answer: Any) -> Feedback:
        """Grade a diagnosis (anything but a cluster)."""
        raise NotImplementedError

    def problems(self, cluster: Cluster) -> list[str]:
        """What is still broken in ``cluster`` (empty when healed), one sentence each."""
        raise NotImplementedError

    def remedy(self, cluster: Cluster) -> None:
        """Apply the right fix through the public API (``apply``, ``kubectl``, ``recover_node``)."""
        raise NotImplementedError

    def healed_message(self) -> str:
        """The one-line why shown when a fix is graded ✅."""
        return "the cluster is healthy again."

    # -- the student's side --------------------------------------------------------------
    def grade(self, answer: Any) -> Feedback:
        """✅ or ❌ with a hint, for a diagnosis or for a repaired cluster; never raises."""
        if answer is None:
            return fail(NOT_ANSWERED)
        try:
            if self._is_fix(answer):
                return self._grade_fix(answer)
            if self.mystery:
                return fail(
                    "This one is graded on the repaired cluster: fix what is broken, then answer = c "
                    f"(the cluster). Start with {self.hints[0]}"
                )
            return self.check_diagnosis(answer)
        except Exception as err:  # a check never raises: the error is the hint
            return fail(f"Checking your answer raised {type(err).__name__}: {err}")

    def hint(self, level: int = 0) -> str:
        """Hint number ``level`` (0 = gentlest); the last one when ``level`` is past the end."""
        return self.hints[min(max(level, 0), len(self.hints) - 1)]

    def healed(self, cluster: Cluster | None = None) -> bool:
        """True when nothing is broken any more (no clock is run)."""
        return not self.problems(cluster or self.cluster)

    def fix(self, cluster: Cluster | None = None) -> float:
        """Apply the remedy and run virtual time until healed; returns the seconds it took.

        Raises
        ------
        RuntimeError
            When the cluster is still broken after :attr:`heal_timeout` virtual seconds.
        """
        c = cluster or self.cluster
        self.remedy(c)
        start = c.now
        if not c.clock.run_until(lambda: not self.problems(c), self.heal_timeout):
            raise RuntimeError(f"{self.name}: still broken after the fix: {'; '.join(self.problems(c))}")
        return c.now - start

    def brief(self) -> str:
        """The task as the student reads it."""
        if self.mystery:
            return f"Mystery cluster (seed {self.seed})\n{MYSTERY_QUESTION}"
        return f"{self.title} (seed {self.seed}, variant {self.variant})\n{self.question}"

    def __str__(self) -> str:
        return self.brief()

    def __repr__(self) -> str:
        label = "mystery" if self.mystery else self.name
        return f"<Scenario {label} seed={self.seed} variant={self.variant} t={self.cluster.now:g}s>"

    # -- internals -----------------------------------------------------------------------
    def _is_fix(self, answer: Any) -> bool:
        from ..cluster import Applied, Cluster

        return isinstance(answer, (Cluster, Applied))

    def _grade_fix(self, answer: Any) -> Feedback:
        from ..cluster import Cluster

        c = answer if isinstance(answer, Cluster) else self.cluster
        if c is not self.cluster:
            return fail("That is another cluster. Repair this scenario's cluster and pass it: answer = c.")
        start = c.now
        c.clock.run_until(lambda: not self.problems(c), self.heal_timeout)
        left = self.problems(c)
        if not left:
            took = round(c.now - start)
            unit = "second" if took == 1 else "seconds"
            return passed(f"Healed {took} virtual {unit} after your fix: {self.healed_message()}")
        return fail(f"After {self.heal_timeout:g} more virtual seconds it is still broken: {left[0]} {self.hints[0]}")
