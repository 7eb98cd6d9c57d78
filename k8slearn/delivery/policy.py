"""Layered delivery policy: global -> cluster -> environment -> application, with exceptions.

Notes
-----
A :class:`Policy` is a list of :class:`PolicyLayer` s, each setting some rules of
:mod:`k8slearn.delivery.rules` for one scope, plus :class:`PolicyException` s. For an
application deployed to an environment (a namespace on a cluster), the setting of
each rule comes from the most specific layer that sets it:

1. ``global`` (every deployment),
2. ``cluster`` (every environment on that cluster),
3. ``environment`` (every application in that environment),
4. ``application`` (that application everywhere),
5. ``application`` with ``environment`` (that application in that environment).

A rule no layer sets is off. Lower levels override higher ones in both directions:
production clusters can tighten ``image-tag`` to ``digest``, a sandbox environment
can loosen ``resource-limits`` to ``off``. An exception leaves the setting alone and
waives matching violations of one application, with a recorded reason.

This mirrors Devtron's security policies (Global, Cluster, Environment, Application
levels; each lower level may "Inherit" or override; specific CVEs can be allowed or
blocked) applied to manifest rules instead of image vulnerabilities.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import RULES, Violation, validate_setting

__all__ = ["LEVELS", "PolicyLayer", "PolicyException", "Setting", "Policy", "PolicyReport"]

#: Layer levels, most general first.
LEVELS = ("global", "cluster", "environment", "application")


@dataclass(frozen=True)
class PolicyLayer:
    """Rule settings for one scope.

    ``target`` is ``"*"`` for ``global``, else the cluster, environment or application
    name; an ``application`` layer may also name an ``environment`` (that application
    there only).

    Examples
    --------
    >>> PolicyLayer("cluster", "production-a", {"image-tag": "digest"}).source
    'cluster production-a'
    """

    level: str
    target: str = "*"
    settings: Mapping[str, Any] = field(default_factory=dict)
    environment: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f'unknown level "{self.level}": one of {", ".join(LEVELS)}')
        if self.level == "global" and self.target != "*":
            raise ValueError('a global layer has target "*"')
        if self.environment and self.level != "application":
            raise ValueError("only an application layer names an environment")
        object.__setattr__(self, "settings", {r: validate_setting(r, v) for r, v in dict(self.settings).items()})

    @property
    def source(self) -> str:
        """How reports name this layer: ``global``, ``cluster production-a``, ``application web in prod-a``."""
        if self.level == "global":
            return "global"
        if self.environment:
            return f"application {self.target} in {self.environment}"
        return f"{self.level} {self.target}"

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level) + (1 if self.environment else 0)

    def applies(self, app: str, environment: str, cluster: str) -> bool:
        if self.level == "global":
            return True
        if self.level == "cluster":
            return self.target == cluster
        if self.level == "environment":
            return self.target == environment
        return self.target == app and self.environment in ("", environment)


@dataclass(frozen=True)
class PolicyException:
    """Waive violations of ``rule`` for ``application`` (in ``environment``, ``"*"`` for all).

    ``field`` narrows it to violations whose field path ends with it (``limits.cpu``:
    the CPU limit only). ``reason`` is required: an exception nobody can explain is a
    hole in the policy.

    Examples
    --------
    >>> e = PolicyException("resource-limits", "cache", field="limits.cpu", reason="no CPU limit (SRE-231)")
    >>> e.waives(
    ...     Violation(
    ...         "resource-limits", "spec.template.spec.containers[0].resources.limits.cpu", "Required value", None, ""
    ...     ),
    ...     "cache",
    ...     "prod-a",
    ... )
    True
    """

    rule: str
    application: str
    environment: str = "*"
    field: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f'unknown rule "{self.rule}": known rules: {", ".join(RULES)}')
        if not self.reason.strip():
            raise ValueError("an exception needs a reason (who approved it, and why)")

    def waives(self, violation: Violation, app: str, environment: str) -> bool:
        return (
            violation.rule == self.rule
            and app == self.application
            and self.environment in ("*", environment)
            and (not self.field or violation.field.endswith(self.field))
        )


@dataclass(frozen=True)
class Setting:
    """The effective value of one rule and the layer it comes from (``""``: no layer, rule off)."""

    value: Any
    source: str


_OFF = {"image-tag": "any", "resource-limits": "off", "privileged": "allow", "min-replicas": 0}


class Policy:
    """Layers and exceptions; :meth:`effective` resolves them, :meth:`check` applies them.

    Examples
    --------
    >>> p = Policy(
    ...     [
    ...         PolicyLayer("global", settings={"min-replicas": 1}),
    ...         PolicyLayer("cluster", "production-a", {"min-replicas": 2}),
    ...     ]
    ... )
    >>> p.effective("web", "prod-a", "production-a")["min-replicas"]
    Setting(value=2, source='cluster production-a')
    >>> p.effective("web", "staging", "staging")["min-replicas"].source
    'global'
    """

    def __init__(self, layers: Iterable[PolicyLayer] = (), exceptions: Iterable[PolicyException] = ()) -> None:
        self.layers = list(layers)
        self.exceptions = list(exceptions)

    def with_exception(self, exception: PolicyException) -> Policy:
        """A copy of this policy with one more exception."""
        return Policy(self.layers, [*self.exceptions, exception])

    def with_layer(self, layer: PolicyLayer) -> Policy:
        """A copy of this policy with one more layer."""
        return Policy([*self.layers, layer], self.exceptions)

    def chain(self, app: str, environment: str, cluster: str) -> list[PolicyLayer]:
        """The layers that apply, most general first (the order they are resolved in)."""
        hits = [
            (layer.rank, i, layer) for i, layer in enumerate(self.layers) if layer.applies(app, environment, cluster)
        ]
        return [layer for _, _, layer in sorted(hits, key=lambda h: (h[0], h[1]))]

    def effective(self, app: str, environment: str, cluster: str) -> dict[str, Setting]:
        """rule -> :class:`Setting`: the value of the most specific layer that sets it."""
        out = {rule: Setting(_OFF[rule], "") for rule in RULES}
        for layer in self.chain(app, environment, cluster):
            for rule, value in layer.settings.items():
                out[rule] = Setting(value, layer.source)
        return out

    def check(self, manifests: Any, app: str, environment: str, cluster: str) -> PolicyReport:
        """Check every workload of ``manifests`` (dicts or YAML) for ``app`` in ``environment`` on ``cluster``."""
        from ..api.manifests import load_manifests

        objects = manifests if isinstance(manifests, list) and all(isinstance(o, Mapping) for o in manifests) \
            else load_manifests(manifests)  # fmt: skip
        settings = self.effective(app, environment, cluster)
        violations: list[Violation] = []
        checked: list[str] = []
        for obj in objects:
            if obj.get("kind") not in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Pod"):
                continue
            checked.append(_ref(obj))
            for rule, fn in RULES.items():
                setting = settings[rule]
                for v in fn(obj, setting.value):
                    v = Violation(v.rule, v.field, v.type, v.value, v.detail, source=setting.source)
                    reason = next((e.reason for e in self.exceptions if e.waives(v, app, environment)), "")
                    if reason:
                        v = Violation(v.rule, v.field, v.type, v.value, v.detail, v.source, waived_by=reason)
                    violations.append(v)
        return PolicyReport(app, environment, cluster, checked, settings, violations)

    def __repr__(self) -> str:
        return f"<Policy layers={len(self.layers)} exceptions={len(self.exceptions)}>"


@dataclass(frozen=True)
class PolicyReport:
    """The outcome of :meth:`Policy.check`: allowed or denied, and why, worded like kubectl."""

    app: str
    environment: str
    cluster: str
    objects: list[str]
    settings: dict[str, Setting]
    violations: list[Violation]

    @property
    def denied(self) -> list[Violation]:
        """Violations no exception waives."""
        return [v for v in self.violations if not v.waived_by]

    @property
    def waived(self) -> list[Violation]:
        return [v for v in self.violations if v.waived_by]

    @property
    def allowed(self) -> bool:
        return not self.denied

    def text(self) -> str:
        """``Error from policy (Forbidden): ...`` with one ``* field: type: detail`` line per violation."""
        what = ", ".join(self.objects) or "nothing"
        where = f"{what} in {self.environment} (cluster {self.cluster})"
        lines = []
        if self.allowed:
            lines.append(f"policy check passed: {where}: {len(RULES)} rules, {len(self.denied)} violations")
        else:
            n = len(self.denied)
            lines.append(f"Error from policy (Forbidden): {where} denied: {n} violation{'s' if n != 1 else ''}")
            for v in self.denied:
                lines.append(f"* {v.error_text()} ({v.rule}={self.settings[v.rule].value}, from {v.source})")
        for v in self.waived:
            lines.append(f"  waived: {v.field} ({v.rule}): {v.waived_by}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())


def _ref(obj: Mapping) -> str:
    from ..api import resources

    try:
        kind = resources.by_kind(obj["kind"]).kubectl_kind
    except KeyError:
        kind = obj["kind"].lower()
    return f"{kind}/{(obj.get('metadata') or {}).get('name', '')}"
