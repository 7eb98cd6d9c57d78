"""NodeResourcesBalancedAllocation (PreScore, Score): prefer nodes whose resources fill evenly.

For each resource the fraction ``f = min(requested / allocatable, 1)`` (with the pod,
using the *real* requests, no non-zero defaults); the score is ``(1 - std(f)) * 100``
truncated, where with two resources ``std = |f_cpu - f_mem| / 2``. A pod that requests
nothing is skipped.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go``.
Example from the upstream comments: a 3-core/5000-byte pod on an empty node of
8 cores/10000 bytes: f = 0.375 and 0.5, std = 0.0625, score 93.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..framework import CycleState, Plugin, Status
from .node_resources_fit import node_allocatable_requested, pod_score_requests, table_allocatable_requested

__all__ = ["NodeResourcesBalancedAllocation", "NAME", "balanced_resource_score"]

NAME = "NodeResourcesBalancedAllocation"


def balanced_resource_score(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """``int((1 - std) * 100)`` of the per-resource requested fractions.

    Examples
    --------
    >>> balanced_resource_score([3000, 5000], [8000, 10000])
    93
    """
    fractions: list[float] = []
    total = 0.0
    for r, a in zip(requested, allocatable):
        if a == 0:
            continue
        f = float(r) / float(a)
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        acc = 0.0
        for f in fractions:
            acc = acc + (f - mean) * (f - mean)
        std = math.sqrt(acc / len(fractions))
    return int((1 - std) * 100)


_KEY = "PreScore" + NAME


class NodeResourcesBalancedAllocation(Plugin):
    """Score plugin that favours balanced cpu/memory use."""

    name = NAME

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        resources = list(getattr(args, "resources", None) or [("cpu", 1), ("memory", 1)])
        self.resources = [r for r, _ in resources]

    def _reqs(self, state: CycleState, pod: Mapping) -> list[int]:
        reqs = state.read(_KEY)
        return pod_score_requests(pod, self.resources, use_requested=True) if reqs is None else reqs

    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        reqs = pod_score_requests(pod, self.resources, use_requested=True, pod_info=state.read("PodInfo"))
        if not any(reqs):
            return Status.skip()
        state.write(_KEY, reqs)
        return None

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        requested, allocatable = [], []
        for r, p in zip(self.resources, self._reqs(state, pod)):
            a, q = node_allocatable_requested(node_info, r, p, use_requested=True)
            allocatable.append(a)
            requested.append(q if a else 0)
        return balanced_resource_score(requested, allocatable)

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray | None:
        table = self.handle.snapshot.table
        cols = []
        for r, p in zip(self.resources, self._reqs(state, pod)):
            a, q = table_allocatable_requested(table, slots, r, p, use_requested=True, state=state)
            if a.min() <= 0:
                if a.max() == 0:
                    continue  # left out on every node alike
                return None  # mixed: the readable path handles it
            cols.append((q, a))
        n = len(slots)
        if len(cols) < 2:
            return np.full(n, 100, dtype=np.int64)
        fractions = [np.minimum(q / a, 1.0) for q, a in cols]  # int64 / int64 -> float64, as float(q)/float(a)
        if len(fractions) == 2:
            std = np.abs((fractions[0] - fractions[1]) / 2)
        else:
            total = np.zeros(n)
            for f in fractions:
                total = total + f
            mean = total / len(fractions)
            acc = np.zeros(n)
            for f in fractions:
                acc = acc + (f - mean) * (f - mean)
            std = np.sqrt(acc / len(fractions))
        std *= -1.0
        std += 1.0
        std *= 100.0
        return std.astype(np.int64)
