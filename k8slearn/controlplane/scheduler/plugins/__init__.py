"""The in-tree scheduler plugins, one module each, and the registry of their names.

Every module has the same order: constants (name, exact reason strings), args, the pure
rules as plain functions, then the thin plugin class that adapts them.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/registry.go`` and the v1 default profile
(``pkg/scheduler/apis/config/v1/default_plugins.go``): one MultiPoint list whose order
is the order of every extension point, with score weights.
"""

from __future__ import annotations

from .balanced_allocation import NodeResourcesBalancedAllocation
from .default_binder import DefaultBinder
from .default_preemption import DefaultPreemption
from .dynamic_resources import DynamicResources
from .image_locality import ImageLocality
from .inter_pod_affinity import InterPodAffinity
from .node_affinity import NodeAffinity
from .node_name import NodeName
from .node_ports import NodePorts
from .node_resources_fit import NodeResourcesFit
from .node_unschedulable import NodeUnschedulable
from .node_volume_limits import NodeVolumeLimits
from .pod_topology_spread import PodTopologySpread
from .priority_sort import PrioritySort
from .scheduling_gates import SchedulingGates
from .taint_toleration import TaintToleration
from .volume_binding import VolumeBinding
from .volume_restrictions import VolumeRestrictions
from .volume_zone import VolumeZone

__all__ = ["REGISTRY", "DEFAULT_MULTI_POINT"]

#: Plugin name -> class (``NewInTreeRegistry``).
REGISTRY: dict[str, type] = {
    cls.name: cls
    for cls in (
        SchedulingGates,
        PrioritySort,
        NodeUnschedulable,
        NodeName,
        TaintToleration,
        NodeAffinity,
        NodePorts,
        NodeResourcesFit,
        VolumeRestrictions,
        NodeVolumeLimits,
        VolumeBinding,
        VolumeZone,
        PodTopologySpread,
        InterPodAffinity,
        DynamicResources,
        DefaultPreemption,
        NodeResourcesBalancedAllocation,
        ImageLocality,
        DefaultBinder,
    )
}

#: The default profile's MultiPoint plugins in order, with score weights (None: not a scorer).
DEFAULT_MULTI_POINT: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", None),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)
