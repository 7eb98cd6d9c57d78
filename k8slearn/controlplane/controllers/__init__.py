"""kube-controller-manager's controllers, one module each."""

from __future__ import annotations

from .base import Controller, WorkQueue
from .deployment import DeploymentController
from .garbagecollector import GarbageCollector
from .namespace import NamespaceController
from .replicaset import ReplicaSetController

__all__ = ["Controller", "WorkQueue", "CONTROLLERS"]

#: Controllers started by the controller manager, in start order.
CONTROLLERS: tuple[type[Controller], ...] = (
    GarbageCollector,
    NamespaceController,
    ReplicaSetController,
    DeploymentController,
)
