"""Environments and the fleet: where an application can be delivered.

Notes
-----
As in Devtron, an *environment* is a namespace on a cluster (``prod-a`` is namespace
``shop`` on cluster ``production-a``) and is marked production or not. A
:class:`Fleet` holds the clusters (each a whole :class:`~k8slearn.Cluster` with its own
virtual clock) and the environments on them.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Environment", "Fleet"]


@dataclass(frozen=True)
class Environment:
    """A namespace on a cluster that applications are delivered to."""

    name: str
    cluster: str
    namespace: str
    production: bool = False


@dataclass
class Fleet:
    """Clusters by name and the environments on them.

    Examples
    --------
    >>> import k8slearn as kl
    >>> fleet = Fleet({"staging": kl.Cluster.demo(nodes=1)})
    >>> fleet.add_environment(Environment("staging", "staging", "shop"))
    >>> fleet.cluster_of("staging").get("namespace", "shop")["metadata"]["name"]
    'shop'
    """

    clusters: dict[str, Cluster]
    environments: dict[str, Environment] = field(default_factory=dict)

    def add_environment(self, env: Environment) -> None:
        """Register ``env`` and create its namespace on its cluster."""
        cluster = self.clusters[env.cluster]
        cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": env.namespace}})
        self.environments[env.name] = env

    def __getitem__(self, name: str) -> Environment:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(self.environments)
            raise KeyError(f'no environment "{name}" (environments: {known})') from None

    def __iter__(self) -> Iterator[Environment]:
        return iter(self.environments.values())

    def __len__(self) -> int:
        return len(self.environments)

    def cluster_of(self, environment: str) -> Cluster:
        return self.clusters[self[environment].cluster]

    def run(self, seconds: float) -> None:
        """Advance every cluster's clock by ``seconds`` (the clusters are independent)."""
        for cluster in self.clusters.values():
            cluster.run(seconds)

    def frame(self) -> Any:
        """One row per environment: cluster, namespace, production, nodes, virtual time."""
        import pandas as pd

        rows = []
        for env in self:
            c = self.clusters[env.cluster]
            rows.append({"environment": env.name, "cluster": env.cluster, "namespace": env.namespace,
                         "production": env.production, "nodes": len(c.nodes()), "t (s)": round(c.now, 2)})  # fmt: skip
        return pd.DataFrame(rows, columns=["environment", "cluster", "namespace", "production", "nodes", "t (s)"])

    def __repr__(self) -> str:
        envs = ", ".join(f"{e.name}@{e.cluster}" for e in self)
        return f"<Fleet clusters={len(self.clusters)} environments=[{envs}]>"
