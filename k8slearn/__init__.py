"""k8slearn: a whole Kubernetes cluster, simulated in deterministic virtual time, for learning.

>>> import k8slearn as kl
>>> c = kl.Cluster.demo(nodes=3, seed=0)
"""

from ._version import __version__
from .api.errors import ApiError
from .api.manifests import load_manifests
from .cluster import Cluster

__all__ = ["Cluster", "ApiError", "load_manifests", "__version__"]
