"""kube-controller-manager's controllers, one module each."""

from __future__ import annotations

from .base import Controller, WorkQueue
from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .garbagecollector import GarbageCollector
from .hpa import HorizontalController
from .job import JobController
from .namespace import NamespaceController
from .nodelifecycle import NodeLifecycleController
from .persistentvolume import PersistentVolumeController, PVCProtectionController, PVProtectionController
from .podgc import PodGCController
from .replicaset import ReplicaSetController
from .rootcacertpublisher import RootCACertPublisher
from .service_lb import ServiceLBController
from .serviceaccount import ServiceAccountsController
from .taint_eviction import TaintEvictionController

__all__ = ["Controller", "WorkQueue", "CONTROLLERS"]

#: Controllers started by the controller manager, in start order.
CONTROLLERS: tuple[type[Controller], ...] = (
    GarbageCollector,
    NamespaceController,
    ReplicaSetController,
    DeploymentController,
    NodeLifecycleController,
    TaintEvictionController,
    DaemonSetController,
    JobController,
    PodGCController,
    PersistentVolumeController,
    PVCProtectionController,
    PVProtectionController,
    HorizontalController,
    EndpointsController,
    EndpointSliceController,
    ServiceLBController,
    ServiceAccountsController,
    RootCACertPublisher,
)
