"""The policy rules themselves: pure functions from a workload manifest to field violations.

Notes
-----
Each rule looks at a Deployment (or any object with a pod template, or a Pod) and
returns :class:`Violation` s in the shape of the API server's field errors: a field
path, an error type (``Invalid value``, ``Required value``, ``Forbidden``) and a detail,
so a report reads like ``kubectl`` output. Which rules apply, and with which setting,
is the job of :mod:`k8slearn.delivery.policy`.

=================  ==========================  ==============================================
rule               settings                    what it checks
=================  ==========================  ==============================================
image-tag          any | pinned | digest       no ``:latest`` / missing tag; or ``@sha256:``
resource-limits    off | required              every container has CPU and memory limits
privileged         allow | deny                no ``securityContext.privileged: true``
min-replicas       an integer >= 0             ``spec.replicas`` (default 1) at least that
=================  ==========================  ==============================================

Real clusters enforce such rules at admission (ValidatingAdmissionPolicy, Kyverno,
OPA Gatekeeper, Pod Security admission), delivery platforms before the deploy.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Violation",
    "RULES",
    "RULE_VALUES",
    "check_image_tag",
    "check_resource_limits",
    "check_privileged",
    "check_min_replicas",
    "containers",
    "validate_setting",
]

#: The allowed settings of each rule (``min-replicas`` takes an integer instead).
RULE_VALUES: dict[str, tuple[str, ...]] = {
    "image-tag": ("any", "pinned", "digest"),
    "resource-limits": ("off", "required"),
    "privileged": ("allow", "deny"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule at one field: ``spec.replicas: Invalid value: 1: must be at least 2``.

    ``source`` is the policy layer whose setting was broken (``global``,
    ``cluster/production-a`` ...); ``waived_by`` the reason of the exception that
    waives it, or ``""``.
    """

    rule: str
    field: str
    type: str
    value: Any
    detail: str
    source: str = ""
    waived_by: str = ""

    def error_text(self) -> str:
        """The field error as the API server words it (``field.Error.Error()``).

        Examples
        --------
        >>> Violation("min-replicas", "spec.replicas", "Invalid value", 1, "must be at least 2").error_text()
        'spec.replicas: Invalid value: 1: must be at least 2'
        >>> Violation("resource-limits", "x.limits.cpu", "Required value", None, "a CPU limit").error_text()
        'x.limits.cpu: Required value: a CPU limit'
        """
        if self.type == "Invalid value":
            return f"{self.field}: {self.type}: {_value(self.value)}: {self.detail}"
        return f"{self.field}: {self.type}: {self.detail}"


def _value(value: Any) -> str:
    # field.Invalid prints strings quoted and numbers bare
    return json.dumps(value) if isinstance(value, str) else str(value)


def containers(obj: Mapping) -> Iterator[tuple[str, Mapping]]:
    """``(field path, container)`` for every init and app container of a pod template or Pod."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        pod_spec, prefix = spec, "spec"
    else:
        pod_spec, prefix = ((spec.get("template") or {}).get("spec") or {}), "spec.template.spec"
    for group in ("initContainers", "containers"):
        for i, c in enumerate(pod_spec.get(group) or ()):
            yield f"{prefix}.{group}[{i}]", c


def _split_image(image: str) -> tuple[str, str, str]:
    """``(name, tag, digest)`` of an image reference, without registry defaults."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest


def check_image_tag(obj: Mapping, setting: str) -> list[Violation]:
    """``pinned``: every image names a version (not ``latest``) or a digest; ``digest``: a digest.

    Examples
    --------
    >>> d = {"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "nginx"}]}}
    >>> check_image_tag(d, "pinned")[0].error_text()
    'spec.containers[0].image: Invalid value: "nginx": must name a version tag or a digest; without one, the runtime pulls "latest"'
    """
    if setting == "any":
        return []
    out = []
    for path, c in containers(obj):
        image = c.get("image", "")
        _, tag, digest = _split_image(image)
        if setting == "digest":
            if not digest.startswith("sha256:"):
                out.append(Violation("image-tag", f"{path}.image", "Invalid value", image,
                                     "must be pinned by digest (name@sha256:...): a tag can be moved to other bytes"))  # fmt: skip
        elif digest:
            continue
        elif not tag:
            out.append(Violation("image-tag", f"{path}.image", "Invalid value", image,
                                 'must name a version tag or a digest; without one, the runtime pulls "latest"'))  # fmt: skip
        elif tag == "latest":
            out.append(Violation("image-tag", f"{path}.image", "Invalid value", image,
                                 'must not use the "latest" tag: pin a version'))  # fmt: skip
    return out


def check_resource_limits(obj: Mapping, setting: str) -> list[Violation]:
    """``required``: every container sets ``resources.limits.cpu`` and ``resources.limits.memory``."""
    if setting == "off":
        return []
    out = []
    for path, c in containers(obj):
        limits = (c.get("resources") or {}).get("limits") or {}
        for resource, word in (("cpu", "CPU"), ("memory", "memory")):
            if resource not in limits:
                out.append(Violation("resource-limits", f"{path}.resources.limits.{resource}", "Required value", None,
                                     f"a {word} limit is required"))  # fmt: skip
    return out


def check_privileged(obj: Mapping, setting: str) -> list[Violation]:
    """``deny``: no container runs with ``securityContext.privileged: true``."""
    if setting == "allow":
        return []
    return [
        Violation(
            "privileged",
            f"{path}.securityContext.privileged",
            "Forbidden",
            True,
            "privileged containers are not allowed",
        )  # fmt: skip
        for path, c in containers(obj)
        if (c.get("securityContext") or {}).get("privileged") is True
    ]


def check_min_replicas(obj: Mapping, minimum: int) -> list[Violation]:
    """``spec.replicas`` (1 when unset, as the API server defaults it) is at least ``minimum``."""
    if obj.get("kind") == "Pod" or not minimum:
        return []
    replicas = (obj.get("spec") or {}).get("replicas", 1)
    if replicas is None:
        replicas = 1
    if replicas < minimum:
        return [Violation("min-replicas", "spec.replicas", "Invalid value", replicas, f"must be at least {minimum}")]
    return []


#: rule name -> check function ``(obj, setting) -> violations``, in report order.
RULES: dict[str, Callable[[Mapping, Any], list[Violation]]] = {
    "image-tag": check_image_tag,
    "resource-limits": check_resource_limits,
    "privileged": check_privileged,
    "min-replicas": check_min_replicas,
}


def validate_setting(rule: str, value: Any) -> Any:
    """Check one setting; returns it (``min-replicas`` as int) or raises ValueError with the choices.

    Examples
    --------
    >>> validate_setting("image-tag", "digest")
    'digest'
    >>> validate_setting("privileged", "maybe")
    Traceback (most recent call last):
    ...
    ValueError: rule "privileged": unsupported value "maybe": supported values: "allow", "deny"
    """
    if rule not in RULES:
        known = ", ".join(f'"{r}"' for r in RULES)
        raise ValueError(f'unknown rule "{rule}": known rules: {known}')
    if rule == "min-replicas":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f'rule "min-replicas": must be an integer >= 0, got {value!r}')
        return value
    if value not in RULE_VALUES[rule]:
        choices = ", ".join(f'"{v}"' for v in RULE_VALUES[rule])
        raise ValueError(f'rule "{rule}": unsupported value "{value}": supported values: {choices}')
    return value
