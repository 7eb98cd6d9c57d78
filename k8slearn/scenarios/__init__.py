"""Broken clusters to diagnose, generated from seeds (lesson 10, the capstone).

Each scenario module builds a :class:`~k8slearn.Cluster` in a broken state from a seed:
names, node counts, which node breaks, which key is missing ... all follow the seed, so
an instructor makes a new exercise by changing a number. A :class:`Scenario` carries the
question, the expected answer, hints that name the kubectl command to run next, a
``grade(answer)`` that never raises, and a ``fix()`` that applies the remedy and checks
that the cluster heals.

Examples
--------
>>> from k8slearn import scenarios
>>> s = scenarios.make("pending-taint", seed=3)
>>> s.symptom
'Pending'
>>> s.grade({"node": s.expected["node"], "taint": s.expected["taint"]}).ok
True
>>> scenarios.make(seed=3).mystery  # the seed picks the scenario, and the question hides it
True

Notes
-----
Add a scenario with one module (``make(seed, variant=None) -> Scenario``) and ONE line
in :data:`SCENARIOS`. Used in: 10_capstone.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
from typing import Any

from .base import MYSTERY_QUESTION, Scenario

__all__ = ["SCENARIOS", "Scenario", "make", "names", "variants", "catalog", "triage", "MYSTERY_QUESTION"]

#: name -> module with ``make(seed, variant=None)``, ``NAME`` and ``VARIANTS``.
SCENARIOS: dict[str, str] = {
    "pending-taint": "k8slearn.scenarios.taint",
    "missing-configmap": "k8slearn.scenarios.configmap",
    "wrong-selector": "k8slearn.scenarios.selector",
    "node-notready": "k8slearn.scenarios.notready",
    "bad-image": "k8slearn.scenarios.badimage",
    "insufficient-resources": "k8slearn.scenarios.resources",
    "failing-readiness": "k8slearn.scenarios.readiness",
}


def _module(name: str) -> Any:
    try:
        return importlib.import_module(SCENARIOS[name])
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None


def names() -> list[str]:
    """The scenario names, in registry order."""
    return list(SCENARIOS)


def variants(name: str) -> tuple[str, ...]:
    """What each variant of scenario ``name`` changes (index = ``variant``)."""
    return tuple(_module(name).VARIANTS)


def make(name: str | None = None, seed: int = 0, variant: int | None = None) -> Scenario:
    """Build scenario ``name`` from ``seed`` (and ``variant``, drawn from the seed when None).

    Without a name the seed also picks the scenario, and the scenario is a *mystery*: its
    question does not say what is broken and it is graded on the repaired cluster.
    """
    if name is None:
        picked = random.Random(f"k8slearn-scenario/mystery/{seed}").choice(names())
        return dataclasses.replace(_module(picked).make(seed, variant), mystery=True)
    return _module(name).make(seed, variant)


def catalog() -> Any:
    """A table of the scenarios: name, first symptom, variants and the kubectl commands that diagnose them."""
    import pandas as pd

    rows = []
    for name in names():
        module = _module(name)
        doc = (module.__doc__ or "").split("\n", 1)[0]
        summary = doc.split(":", 1)[1].strip() if ":" in doc else doc
        rows.append({"scenario": name, "what is broken": summary, "variants": len(module.VARIANTS)})
    return pd.DataFrame(rows).set_index("scenario")


def triage(cluster: Any) -> Any:
    """The first look at a cluster: every unhealthy Node, Pod, Service and Deployment (see :mod:`.flow`)."""
    from .flow import triage as _triage

    return _triage(cluster)
