"""A release: an application's manifests plus the one image a build produced.

Notes
-----
A delivery platform deploys *artifacts*: CI builds an image, and the same image
moves from environment to environment. :class:`Release` is that pairing; it renders
the manifests for an environment (namespace set, image substituted into the
workload's container) and can pin the image by digest (:meth:`Release.pinned`), as
Devtron's "pull image digest" option does, so that every cluster runs the same bytes
even if someone moves the tag.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.objects import deep_copy

__all__ = ["Release", "WORKLOAD_KINDS"]

#: Kinds whose pod template gets the release image.
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True)
class Release:
    """``app`` at ``image``: the manifests (YAML text, a dict or a list) and the image to run.

    ``container`` names the container that gets the image (default: the first one of
    each workload).

    Examples
    --------
    >>> r = Release(
    ...     "web",
    ...     {
    ...         "apiVersion": "apps/v1",
    ...         "kind": "Deployment",
    ...         "metadata": {"name": "web"},
    ...         "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "IMAGE"}]}}},
    ...     },
    ...     "nginx:1.27",
    ... )
    >>> r.render("shop")[0]["spec"]["template"]["spec"]["containers"][0]["image"]
    'nginx:1.27'
    >>> r.pinned().image.startswith("nginx:1.27@sha256:")
    True
    """

    app: str
    manifests: Any
    image: str
    container: str = ""
    _objects: tuple = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        from ..api.manifests import load_manifests

        if isinstance(self.manifests, Mapping):
            objects = [deep_copy(dict(self.manifests))]
        elif isinstance(self.manifests, list):
            objects = [deep_copy(dict(o)) for o in self.manifests]
        else:
            objects = load_manifests(self.manifests)
        if not any(o.get("kind") in WORKLOAD_KINDS for o in objects):
            raise ValueError(f"release {self.app}: the manifests hold no {', '.join(WORKLOAD_KINDS)}")
        object.__setattr__(self, "_objects", tuple(objects))

    @property
    def version(self) -> str:
        """The tag of the image (``1.27``), or the short digest when there is no tag."""
        name, _, digest = self.image.partition("@")
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            return last.rsplit(":", 1)[1]
        return digest.removeprefix("sha256:")[:12] or "latest"

    def with_image(self, image: str) -> Release:
        """The same manifests with another image (the next build)."""
        return Release(self.app, list(self._objects), image, self.container)

    def pinned(self, registry: Any = None) -> Release:
        """The same release with its image pinned by digest, resolved through the registry.

        Raises the registry's PullError when the image does not exist.
        """
        from ..node.images import DEFAULT_REGISTRY

        if "@" in self.image:
            return self
        info = (registry or DEFAULT_REGISTRY).lookup(self.image)
        return self.with_image(f"{self.image}@{info.digest}")

    def render(self, namespace: str) -> list[dict]:
        """Fresh manifests for ``namespace``, with the release image in the workload containers."""
        out = []
        for obj in self._objects:
            obj = deep_copy(obj)
            meta = obj.setdefault("metadata", {})
            if obj.get("kind") not in ("Namespace",):
                meta["namespace"] = namespace
            if obj.get("kind") in WORKLOAD_KINDS:
                pod_spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
                containers = pod_spec.get("containers") or []
                targets = (
                    [c for c in containers if c.get("name") == self.container] if self.container else containers[:1]
                )
                if self.container and not targets:
                    raise ValueError(f'release {self.app}: no container "{self.container}" in {meta.get("name")}')
                for c in targets:
                    c["image"] = self.image
            out.append(obj)
        return out

    def workload(self) -> dict:
        """The (first) workload object of the release, as written (without namespace or image)."""
        return next(deep_copy(o) for o in self._objects if o.get("kind") in WORKLOAD_KINDS)

    def __str__(self) -> str:
        return f"{self.app}@{self.image}"
