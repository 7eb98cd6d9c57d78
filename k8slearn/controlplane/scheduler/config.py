"""KubeSchedulerConfiguration: profiles, plugins per extension point, plugin args, knobs.

``Cluster(scheduler_config=...)`` takes the same YAML (or dict) you would give
``kube-scheduler --config``. Defaults are applied as the v1 API does, the plugin sets
are merged with the default profile (a plugin can be disabled, re-weighted or added
per extension point, ``"*"`` disables all defaults of a point), and bad input raises
:class:`SchedulerConfigError` naming the field.

Examples
--------
>>> cfg = load_config('''
... apiVersion: kubescheduler.config.k8s.io/v1
... kind: KubeSchedulerConfiguration
... profiles:
... - schedulerName: default-scheduler
...   pluginConfig:
...   - name: NodeResourcesFit
...     args:
...       scoringStrategy:
...         type: MostAllocated
... ''')
>>> cfg.profiles[0].plugin_args["NodeResourcesFit"].scoring_strategy.type
'MostAllocated'

Notes
-----
Mirrors ``pkg/scheduler/apis/config`` (types, ``v1/defaults.go``,
``v1/default_plugins.go`` ``mergePlugins``, ``validation/validation.go`` and
``validation_pluginargs.go``) and the MultiPoint expansion of
``framework/runtime/framework.go``. Error texts are upstream's; the field paths are
the full path from the configuration's root.
Used in: 03_bin_packing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...api.errors import FieldError, aggregate, duplicate, forbidden, invalid, not_supported, required
from ...api.labels import validate_label_key

__all__ = [
    "SchedulerConfig",
    "Profile",
    "SchedulerConfigError",
    "load_config",
    "ScoringStrategy",
    "NodeResourcesFitArgs",
    "NodeResourcesBalancedAllocationArgs",
    "PodTopologySpreadArgs",
    "InterPodAffinityArgs",
    "NodeAffinityArgs",
    "DefaultPreemptionArgs",
    "VolumeBindingArgs",
    "API_VERSION",
    "EXTENSION_POINT_FIELDS",
]

API_VERSION = "kubescheduler.config.k8s.io/v1"
DEFAULT_SCHEDULER_NAME = "default-scheduler"

#: config field -> (extension point, plugin method that marks membership)
EXTENSION_POINT_FIELDS: dict[str, tuple[str, str]] = {
    "preEnqueue": ("PreEnqueue", "pre_enqueue"),
    "queueSort": ("QueueSort", "less"),
    "preFilter": ("PreFilter", "pre_filter"),
    "filter": ("Filter", "filter"),
    "postFilter": ("PostFilter", "post_filter"),
    "preScore": ("PreScore", "pre_score"),
    "score": ("Score", "score"),
    "reserve": ("Reserve", "reserve"),
    "permit": ("Permit", "permit"),
    "preBind": ("PreBind", "pre_bind"),
    "bind": ("Bind", "bind"),
    "postBind": ("PostBind", "post_bind"),
}
_SCORING_TYPES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")


class SchedulerConfigError(ValueError):
    """An invalid KubeSchedulerConfiguration; ``errors`` are the field errors."""

    def __init__(self, errors: list[FieldError] | str) -> None:
        self.errors = [] if isinstance(errors, str) else list(errors)
        super().__init__(errors if isinstance(errors, str) else aggregate(self.errors))


# -- plugin args ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringStrategy:
    """NodeResourcesFit scoring: ``type``, ``resources`` [(name, weight)] and RTCR ``shape``."""

    type: str = "LeastAllocated"
    resources: tuple[tuple[str, int], ...] = (("cpu", 1), ("memory", 1))
    shape: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class NodeResourcesFitArgs:
    ignored_resources: tuple[str, ...] = ()
    ignored_resource_groups: tuple[str, ...] = ()
    scoring_strategy: ScoringStrategy = field(default_factory=ScoringStrategy)


@dataclass(frozen=True)
class NodeResourcesBalancedAllocationArgs:
    resources: tuple[tuple[str, int], ...] = (("cpu", 1), ("memory", 1))


@dataclass(frozen=True)
class PodTopologySpreadArgs:
    default_constraints: tuple[dict, ...] = ()
    defaulting_type: str = "System"


@dataclass(frozen=True)
class InterPodAffinityArgs:
    hard_pod_affinity_weight: int = 1
    ignore_preferred_terms_of_existing_pods: bool = False


@dataclass(frozen=True)
class NodeAffinityArgs:
    added_affinity: dict | None = None


@dataclass(frozen=True)
class DefaultPreemptionArgs:
    min_candidate_nodes_percentage: int = 10
    min_candidate_nodes_absolute: int = 100


@dataclass(frozen=True)
class VolumeBindingArgs:
    bind_timeout_seconds: int = 600


def _check_fields(args: Mapping, allowed: Sequence[str], path: str) -> None:
    for key in args:
        if key not in allowed:
            raise SchedulerConfigError(f'{path}: strict decoding error: unknown field "{key}"')


def _int(value: Any, path: str, errs: list[FieldError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errs.append(invalid(path, value, "must be an integer"))
        return 0
    return value


def _fit_args(raw: Mapping, path: str, errs: list[FieldError]) -> NodeResourcesFitArgs:
    _check_fields(raw, ("apiVersion", "kind", "ignoredResources", "ignoredResourceGroups", "scoringStrategy"), path)
    ignored = tuple(raw.get("ignoredResources") or ())
    groups = tuple(raw.get("ignoredResourceGroups") or ())
    for i, res in enumerate(ignored):
        for msg in validate_label_key(res):
            errs.append(invalid(f"{path}.ignoredResources[{i}]", res, msg))
    for i, g in enumerate(groups):
        if "/" in g:
            errs.append(invalid(f"{path}.ignoredResourceGroups[{i}]", g, "resource group name can't contain '/'"))
        for msg in validate_label_key(g):
            errs.append(invalid(f"{path}.ignoredResourceGroups[{i}]", g, msg))
    sp = f"{path}.scoringStrategy"
    raw_strategy = raw.get("scoringStrategy")
    if raw_strategy is None:
        return NodeResourcesFitArgs(ignored, groups, ScoringStrategy())
    _check_fields(raw_strategy, ("type", "resources", "requestedToCapacityRatio"), sp)
    stype = raw_strategy.get("type") or ""
    if stype not in _SCORING_TYPES:
        errs.append(not_supported(f"{sp}.type", stype, _SCORING_TYPES))
    resources = []
    for i, r in enumerate(raw_strategy.get("resources") or ()):
        name = r.get("name", "")
        weight = _int(r.get("weight", 0) or 0, f"{sp}.resources[{i}].weight", errs) or 1  # v1 default: 0 -> 1
        if weight <= 0 or weight > 100:
            errs.append(
                invalid(f"{sp}.resources[{i}].weight", weight, f"resource weight of {name} not in valid range (0, 100]")
            )
        resources.append((name, weight))
    if not resources:
        resources = [("cpu", 1), ("memory", 1)]
    shape: list[tuple[int, int]] = []
    rtcr = raw_strategy.get("requestedToCapacityRatio")
    if rtcr is not None:
        shape_path = f"{sp}.shape"
        points = rtcr.get("shape") or []
        if not points:
            errs.append(required(shape_path, "at least one point must be specified"))
        for i in range(1, len(points)):
            if points[i - 1].get("utilization", 0) >= points[i].get("utilization", 0):
                errs.append(
                    invalid(
                        f"{shape_path}[{i}].utilization",
                        points[i].get("utilization", 0),
                        "values must be sorted in increasing order",
                    )  # fmt: skip
                )
                break
        for i, p in enumerate(points):
            u, s = p.get("utilization", 0), p.get("score", 0)
            if not 0 <= u <= 100:
                errs.append(invalid(f"{shape_path}[{i}].utilization", u, "not in valid range [0, 100]"))
            if not 0 <= s <= 10:
                errs.append(invalid(f"{shape_path}[{i}].score", s, "not in valid range [0, 10]"))
            shape.append((int(u), int(s)))
    elif stype == "RequestedToCapacityRatio":
        errs.append(required(f"{sp}.requestedToCapacityRatio", ""))
    return NodeResourcesFitArgs(ignored, groups, ScoringStrategy(stype or "LeastAllocated", tuple(resources),
                                                                  tuple(shape)))  # fmt: skip


def _balanced_args(raw: Mapping, path: str, errs: list[FieldError]) -> NodeResourcesBalancedAllocationArgs:
    _check_fields(raw, ("apiVersion", "kind", "resources"), path)
    resources = []
    seen: set[str] = set()
    for i, r in enumerate(raw.get("resources") or ()):
        name = r.get("name", "")
        weight = r.get("weight", 0) or 1
        if name in seen:
            errs.append(duplicate(f"{path}.resources[{i}].name", name))
        seen.add(name)
        if weight != 1:
            errs.append(invalid(f"{path}.resources[{i}].weight", weight, "must be 1"))
        resources.append((name, int(weight)))
    return NodeResourcesBalancedAllocationArgs(tuple(resources) or (("cpu", 1), ("memory", 1)))


def _spread_args(raw: Mapping, path: str, errs: list[FieldError]) -> PodTopologySpreadArgs:
    _check_fields(raw, ("apiVersion", "kind", "defaultConstraints", "defaultingType"), path)
    constraints = [dict(c) for c in raw.get("defaultConstraints") or ()]
    dtype = raw.get("defaultingType") or "System"
    if dtype not in ("System", "List"):
        errs.append(not_supported(f"{path}.defaultingType", dtype, ["System", "List"]))
    elif dtype == "System" and constraints:
        errs.append(invalid(f"{path}.defaultingType", dtype, "when .defaultConstraints are not empty"))
    cp = f"{path}.defaultConstraints"
    for i, c in enumerate(constraints):
        p = f"{cp}[{i}]"
        if (c.get("maxSkew") or 0) <= 0:
            errs.append(invalid(f"{p}.maxSkew", c.get("maxSkew", 0), "not in valid range (0, inf)"))
        key = c.get("topologyKey") or ""
        if not key:
            errs.append(required(f"{p}.topologyKey", "can not be empty"))
        else:
            for msg in validate_label_key(key):
                errs.append(invalid(f"{p}.topologyKey", key, msg))
        action = c.get("whenUnsatisfiable") or ""
        if not action:
            errs.append(required(f"{p}.whenUnsatisfiable", "can not be empty"))
        elif action not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(not_supported(f"{p}.whenUnsatisfiable", action, ["DoNotSchedule", "ScheduleAnyway"]))
        if c.get("labelSelector") is not None:
            errs.append(
                forbidden(f"{p}.labelSelector", "constraint must not define a selector, as they deduced for each pod")
            )
        for other in constraints[:i]:
            if other.get("topologyKey") == key and other.get("whenUnsatisfiable") == action:
                errs.append(duplicate(p, f"{{{key}, {action}}}"))
                break
    return PodTopologySpreadArgs(tuple(constraints), dtype)


def _ipa_args(raw: Mapping, path: str, errs: list[FieldError]) -> InterPodAffinityArgs:
    _check_fields(raw, ("apiVersion", "kind", "hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"), path)
    w = raw.get("hardPodAffinityWeight", 1)
    w = 1 if w is None else _int(w, f"{path}.hardPodAffinityWeight", errs)
    if not 0 <= w <= 100:
        errs.append(invalid(f"{path}.hardPodAffinityWeight", w, "not in valid range [0, 100]"))
    return InterPodAffinityArgs(w, bool(raw.get("ignorePreferredTermsOfExistingPods", False)))


def _node_affinity_args(raw: Mapping, path: str, errs: list[FieldError]) -> NodeAffinityArgs:
    _check_fields(raw, ("apiVersion", "kind", "addedAffinity"), path)
    added = raw.get("addedAffinity")
    return NodeAffinityArgs(dict(added) if added else None)


def _preemption_args(raw: Mapping, path: str, errs: list[FieldError]) -> DefaultPreemptionArgs:
    _check_fields(raw, ("apiVersion", "kind", "minCandidateNodesPercentage", "minCandidateNodesAbsolute"), path)
    pct = raw.get("minCandidateNodesPercentage", 10)
    absolute = raw.get("minCandidateNodesAbsolute", 100)
    pct = 10 if pct is None else pct
    absolute = 100 if absolute is None else absolute
    pp, ap = f"{path}.minCandidateNodesPercentage", f"{path}.minCandidateNodesAbsolute"
    if not 0 <= pct <= 100:
        errs.append(invalid(pp, pct, "not in valid range [0, 100]"))
    if absolute < 0:
        errs.append(invalid(ap, absolute, "not in valid range [0, inf)"))
    if pct == 0 and absolute == 0:
        errs.append(invalid(pp, pct, "cannot be zero at the same time as minCandidateNodesAbsolute"))
        errs.append(invalid(ap, absolute, "cannot be zero at the same time as minCandidateNodesPercentage"))
    return DefaultPreemptionArgs(int(pct), int(absolute))


def _volume_binding_args(raw: Mapping, path: str, errs: list[FieldError]) -> VolumeBindingArgs:
    _check_fields(raw, ("apiVersion", "kind", "bindTimeoutSeconds", "shape"), path)
    t = raw.get("bindTimeoutSeconds", 600)
    if t is not None and t < 0:
        errs.append(
            invalid(f"{path}.bindTimeoutSeconds", t, "invalid BindTimeoutSeconds, should not be a negative value")
        )
    if raw.get("shape") is not None:
        errs.append(invalid(f"{path}.shape", raw["shape"],
                            "unexpected field `shape`, remove it or turn on the feature gate StorageCapacityScoring"))  # fmt: skip
    return VolumeBindingArgs(600 if t is None else int(t))


_ARG_PARSERS = {
    "NodeResourcesFit": (_fit_args, NodeResourcesFitArgs),
    "NodeResourcesBalancedAllocation": (_balanced_args, NodeResourcesBalancedAllocationArgs),
    "PodTopologySpread": (_spread_args, PodTopologySpreadArgs),
    "InterPodAffinity": (_ipa_args, InterPodAffinityArgs),
    "NodeAffinity": (_node_affinity_args, NodeAffinityArgs),
    "DefaultPreemption": (_preemption_args, DefaultPreemptionArgs),
    "VolumeBinding": (_volume_binding_args, VolumeBindingArgs),
}


# -- profiles --------------------------------------------------------------------------------------


@dataclass
class Profile:
    """One scheduling profile after defaulting and MultiPoint expansion."""

    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    percentage_of_nodes_to_score: int | None = None
    #: extension point -> plugin names in run order
    plugins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    score_weights: dict[str, int] = field(default_factory=dict)
    plugin_args: dict[str, Any] = field(default_factory=dict)

    def all_plugin_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for names in self.plugins.values():
            for n in names:
                seen.setdefault(n, None)
        return list(seen)


@dataclass
class SchedulerConfig:
    """A parsed KubeSchedulerConfiguration."""

    profiles: list[Profile]
    percentage_of_nodes_to_score: int = 0
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
    parallelism: int = 16

    def profile(self, scheduler_name: str) -> Profile | None:
        for p in self.profiles:
            if p.scheduler_name == scheduler_name:
                return p
        return None


def _plugin_list(raw: Any, path: str, errs: list[FieldError]) -> list[tuple[str, int]]:
    out = []
    for i, p in enumerate(raw or ()):
        if not isinstance(p, Mapping) or not p.get("name"):
            errs.append(required(f"{path}[{i}].name", ""))
            continue
        w = p.get("weight", 0) or 0
        if isinstance(w, bool) or not isinstance(w, int):
            errs.append(invalid(f"{path}[{i}].weight", w, "must be an integer"))
            w = 0
        elif w < 0:
            # kube-scheduler has no explicit check; a negative weight would invert the score
            errs.append(invalid(f"{path}[{i}].weight", w, "must be greater than or equal to 0"))
        out.append((p["name"], int(w)))
    return out


def _merge_plugin_set(default: list[tuple[str, int]], enabled: list[tuple[str, int]],
                      disabled: list[str]) -> tuple[list[tuple[str, int]], list[str]]:  # fmt: skip
    """v1 ``mergePluginSet``: defaults minus disabled, re-configured in place, then additions."""
    custom_index = {name: i for i, (name, _) in enumerate(enabled)}
    replaced: set[int] = set()
    out: list[tuple[str, int]] = []
    if "*" not in disabled:
        for name, weight in default:
            if name in disabled:
                continue
            if name in custom_index:
                replaced.add(custom_index[name])
                out.append(enabled[custom_index[name]])
            else:
                out.append((name, weight))
    out.extend(p for i, p in enumerate(enabled) if i not in replaced)
    return out, list(disabled)


def _expand(
    raw_plugins: Mapping, path: str, errs: list[FieldError]
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Merge with the default profile and expand MultiPoint into every extension point."""
    from .plugins import DEFAULT_MULTI_POINT, REGISTRY

    def enabled_disabled(key: str) -> tuple[list[tuple[str, int]], list[str]]:
        section = raw_plugins.get(key) or {}
        en = _plugin_list(section.get("enabled"), f"{path}.{key}.enabled", errs)
        dis = [p.get("name", "") for p in section.get("disabled") or () if isinstance(p, Mapping)]
        return en, dis

    default_mp = [(n, w or 0) for n, w in DEFAULT_MULTI_POINT]
    mp_en, mp_dis = enabled_disabled("multiPoint")
    multi_point, mp_disabled = _merge_plugin_set(default_mp, mp_en, mp_dis)
    for name, _ in multi_point:
        if name not in REGISTRY:
            raise SchedulerConfigError(f'{path}.multiPoint: plugin "{name}" does not exist')
    points: dict[str, tuple[str, ...]] = {}
    weights: dict[str, int] = {}
    explicit_score: dict[str, int] = {}
    for key, (point, method) in EXTENSION_POINT_FIELDS.items():
        en, dis = enabled_disabled(key)
        en, dis = _merge_plugin_set([], en, dis)
        for name, _ in en:
            if name not in REGISTRY:
                raise SchedulerConfigError(f'{point}Plugin "{name}" does not exist')
        enabled_names = [n for n, _ in en]
        if key == "score":
            explicit_score = dict(en)
        if "*" in dis:
            points[point] = tuple(dict.fromkeys(enabled_names))
            continue
        override, multi = [], []
        for name, _ in multi_point:
            if not hasattr(REGISTRY[name], method) or name in dis or name in mp_disabled:
                continue
            if name in enabled_names:
                override.append(name)
                continue
            if name in multi:
                raise SchedulerConfigError(f'plugin "{name}" already registered as "{point}Plugin"')
            multi.append(name)
        order = [n for n in enabled_names if n in override] + multi + [n for n in enabled_names if n not in override]
        points[point] = tuple(dict.fromkeys(order))
    mp_weights = dict(multi_point)
    for name in points.get("Score", ()):
        w = explicit_score.get(name) or mp_weights.get(name) or 0
        weights[name] = w if w != 0 else 1
    return points, weights


def _profile(raw: Mapping, path: str, errs: list[FieldError]) -> Profile:
    _check_fields(raw, ("schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig"), path)
    name = raw.get("schedulerName", DEFAULT_SCHEDULER_NAME)
    if not name:
        errs.append(required(f"{path}.schedulerName", ""))
    pct = raw.get("percentageOfNodesToScore")
    if pct is not None and not 0 <= pct <= 100:
        errs.append(invalid(f"{path}.percentageOfNodesToScore", pct, "not in valid range [0-100]"))
    plugins, weights = _expand(raw.get("plugins") or {}, f"{path}.plugins", errs)
    args: dict[str, Any] = {}
    seen: set[str] = set()
    for i, pc in enumerate(raw.get("pluginConfig") or ()):
        pc_path = f"{path}.pluginConfig[{i}]"
        pname = (pc or {}).get("name", "")
        if pname in seen:
            errs.append(duplicate(pc_path, pname))
            continue
        seen.add(pname)
        parser = _ARG_PARSERS.get(pname)
        raw_args = (pc or {}).get("args") or {}
        if parser is None:
            continue
        if not isinstance(raw_args, Mapping):
            errs.append(invalid(f"{pc_path}.args", raw_args, "has to match plugin args"))
            continue
        args[pname] = parser[0](raw_args, f"{pc_path}.args", errs)
    for pname, (_, cls) in _ARG_PARSERS.items():
        args.setdefault(pname, cls())
    return Profile(name or DEFAULT_SCHEDULER_NAME, pct, plugins, weights, args)


def load_config(cfg: Any = None) -> SchedulerConfig:
    """Parse a KubeSchedulerConfiguration (dict, YAML text, None, or an already parsed one).

    Raises
    ------
    SchedulerConfigError
        With the aggregated field errors, e.g.
        ``profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid
        value: 101: resource weight of cpu not in valid range (0, 100]``.
    """
    if isinstance(cfg, SchedulerConfig):
        return cfg
    if cfg is None:
        cfg = {}
    if isinstance(cfg, str):
        import yaml

        cfg = yaml.safe_load(cfg) or {}
    if not isinstance(cfg, Mapping):
        raise SchedulerConfigError(f"KubeSchedulerConfiguration must be a mapping, got {type(cfg).__name__}")
    api_version = cfg.get("apiVersion", API_VERSION)
    kind = cfg.get("kind", "KubeSchedulerConfiguration")
    if api_version != API_VERSION or kind != "KubeSchedulerConfiguration":
        raise SchedulerConfigError(f'no kind "{kind}" is registered for version "{api_version}"')
    _check_fields(
        cfg,
        (
            "apiVersion",
            "kind",
            "parallelism",
            "percentageOfNodesToScore",
            "podInitialBackoffSeconds",
            "podMaxBackoffSeconds",
            "profiles",
            "extenders",
            "leaderElection",
            "clientConnection",
            "delayCacheUntilActive",
            "enableProfiling",
            "enableContentionProfiling",
        ),  # fmt: skip
        "KubeSchedulerConfiguration",
    )
    errs: list[FieldError] = []
    parallelism = cfg.get("parallelism", 16)
    if parallelism is not None and parallelism <= 0:
        errs.append(invalid("parallelism", parallelism, "should be an integer value greater than zero"))
    raw_profiles = cfg.get("profiles")
    if raw_profiles is None:
        raw_profiles = [{}]
    profiles: list[Profile] = []
    if not raw_profiles:
        errs.append(required("profiles", ""))
    names: dict[str, int] = {}
    for i, rp in enumerate(raw_profiles):
        p = _profile(rp or {}, f"profiles[{i}]", errs)
        if p.scheduler_name in names:
            errs.append(duplicate(f"profiles[{i}].schedulerName", f"profiles[{names[p.scheduler_name]}].schedulerName"))
        names.setdefault(p.scheduler_name, i)
        profiles.append(p)
    for i in range(1, len(profiles)):
        if profiles[i].plugins.get("QueueSort") != profiles[0].plugins.get("QueueSort"):
            errs.append(invalid(f"profiles[{i}].plugins.queueSort", list(profiles[i].plugins.get("QueueSort", ())),
                                "has to match for all profiles"))  # fmt: skip
    pct = cfg.get("percentageOfNodesToScore")
    if pct is not None and not 0 <= pct <= 100:
        errs.append(invalid("percentageOfNodesToScore", pct, "not in valid range [0-100]"))
    initial = cfg.get("podInitialBackoffSeconds", 1)
    maximum = cfg.get("podMaxBackoffSeconds", 10)
    initial = 1 if initial is None else initial
    maximum = 10 if maximum is None else maximum
    if initial <= 0:
        errs.append(invalid("podInitialBackoffSeconds", initial, "must be greater than 0"))
    if maximum < initial:
        errs.append(
            invalid("podMaxBackoffSeconds", maximum, "must be greater than or equal to PodInitialBackoffSeconds")
        )
    if cfg.get("extenders"):
        errs.append(forbidden("extenders", "scheduler extenders are not simulated by k8slearn"))
    if errs:
        raise SchedulerConfigError(errs)
    return SchedulerConfig(profiles, int(pct or 0), float(initial), float(maximum), int(parallelism or 16))
