"""ImageLocality (Score): prefer nodes that already have the pod's images.

For each of the pod's images present on the node, add ``size * (nodes having it /
all nodes)`` (spread images count less: no "node heating"); clamp the sum to
[23 MiB, 1000 MiB x containers] and scale to 0..100.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/imagelocality``. Node images come from
``status.images`` (names and sizeBytes) that the kubelet reports; an image without a
tag means ``:latest``. Init containers count too.
Used in: 02_scheduling, 04_kubelet_and_runtime.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..framework import CycleState, Plugin
from .helpers import MAX_NODE_SCORE, pod_images

__all__ = ["ImageLocality", "NAME", "MIN_THRESHOLD", "MAX_CONTAINER_THRESHOLD", "calculate_priority",
           "scaled_image_score"]  # fmt: skip

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def scaled_image_score(size: int, num_nodes: int, total_nodes: int) -> int:
    """An image's size weighted by the share of nodes that have it."""
    spread = float(num_nodes) / float(total_nodes)
    return int(float(size) * spread)


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """Clamp the sum to [23 MiB, 1000 MiB x containers] and scale to 0..100.

    Examples
    --------
    >>> calculate_priority(0, 1), calculate_priority(1000 * MB, 1), calculate_priority(300 * MB, 1)
    (0, 100, 28)
    """
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


def _num_containers(pod: Mapping) -> int:
    spec = pod.get("spec") or {}
    return len(spec.get("initContainers") or ()) + len(spec.get("containers") or ())


class ImageLocality(Plugin):
    """Score plugin for images already pulled on a node."""

    name = NAME

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        cache = self.handle.snapshot
        total = cache.num_nodes()
        s = 0
        for image in pod_images(pod):
            if image in node_info.images:
                st = cache.images.get(image)
                if st is not None:
                    s += scaled_image_score(st.size, len(st.nodes), total)
        return calculate_priority(s, _num_containers(pod))

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        cache = self.handle.snapshot
        total = cache.num_nodes()
        images = [cache.images[i] for i in pod_images(pod) if i in cache.images]
        if not images:
            return np.zeros(len(slots), dtype=np.int64)
        sums = np.zeros(cache.table.capacity, dtype=np.int64)
        for st in images:
            sums[st.slot_index()] += scaled_image_score(st.size, len(st.nodes), total)
        max_threshold = MAX_CONTAINER_THRESHOLD * _num_containers(pod)
        clamped = np.clip(sums[slots], MIN_THRESHOLD, max_threshold)
        return MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
