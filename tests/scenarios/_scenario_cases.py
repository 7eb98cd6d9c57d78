"""Shared helpers for the scenario tests: a cache of built scenarios and the engine gaps we know of.

Building a scenario runs its cluster for up to ~15 virtual minutes (a few hundred ms of
real time), so read-only tests share one build per (name, seed, variant) through
:func:`built`; tests that repair a cluster build their own.
"""

from __future__ import annotations

import functools

from k8slearn import scenarios

#: Seeds every scenario is built from in the parametrized tests ("many seeds").
SEEDS = tuple(range(6))

#: (scenario, variant) -> why its fix() cannot heal the cluster with today's engine.


def cases() -> list[tuple[str, int, int]]:
    """(name, seed, variant) for every scenario and seed; the variant cycles so each one is covered."""
    out = []
    for name in scenarios.names():
        count = len(scenarios.variants(name))
        out.extend((name, seed, seed % count) for seed in SEEDS)
    return out


def case_id(case: tuple[str, int, int]) -> str:
    name, seed, variant = case
    return f"{name} seed {seed} variant {variant}"


@functools.cache
def built(name: str, seed: int, variant: int) -> scenarios.Scenario:
    """A scenario built once per test session; do NOT repair or run its cluster."""
    return scenarios.make(name, seed=seed, variant=variant)
