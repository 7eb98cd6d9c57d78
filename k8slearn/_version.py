"""The single source of k8slearn's version (read by the build backend and by ``k8slearn.__version__``)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
