"""kube-scheduler: the scheduling queue, the framework and its plugins, and the scheduler.

``Cluster`` builds it as ``Scheduler(cluster, scheduler_config)`` and calls ``start()``;
lessons use ``cluster.scheduler.explain(pod)`` and ``last_result(pod_name)``.

Layout (the same as ``pkg/scheduler`` upstream): :mod:`.framework` (extension points,
Status, CycleState), :mod:`.queue` (activeQ, backoffQ, unschedulable pods),
:mod:`.cache` (NodeInfo per node), :mod:`.config` (KubeSchedulerConfiguration),
:mod:`.algorithm` (filter, score, pick), :mod:`.scheduler` (the component) and
:mod:`.plugins` (one module per plugin).
"""

from __future__ import annotations

from .algorithm import num_feasible_nodes_to_find
from .config import SchedulerConfig, SchedulerConfigError, load_config
from .framework import Code, CycleState, Status, fit_error_message
from .scheduler import Scheduler

__all__ = [
    "Scheduler",
    "SchedulerConfig",
    "SchedulerConfigError",
    "load_config",
    "Code",
    "Status",
    "CycleState",
    "fit_error_message",
    "num_feasible_nodes_to_find",
]
