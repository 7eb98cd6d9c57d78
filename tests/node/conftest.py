"""Fixtures for the node-agent tests (helpers live in ``nodetest.py``)."""

from __future__ import annotations

import pytest

import k8slearn as kl


@pytest.fixture
def cluster() -> kl.Cluster:
    """Two Ready nodes (node-1, node-2), 4 CPUs and 8Gi each, at t=5 s."""
    return kl.Cluster.demo(nodes=2, seed=0)
