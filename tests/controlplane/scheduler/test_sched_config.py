"""KubeSchedulerConfiguration: defaults, plugin set merging, and errors naming the field.

Wording from pkg/scheduler/apis/config/validation (validation.go,
validation_pluginargs.go); defaulting and merging from apis/config/v1 (defaults.go,
default_plugins.go ``mergePlugins``) and the MultiPoint expansion in
framework/runtime/framework.go.
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.controlplane.scheduler.config import SchedulerConfigError, load_config


def test_default_profile():
    p = load_config(None).profiles[0]
    assert p.scheduler_name == "default-scheduler"
    assert p.plugins["Filter"] == (
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "PodTopologySpread",
        "InterPodAffinity", "DynamicResources",
    )  # fmt: skip
    assert p.plugins["PostFilter"] == ("DynamicResources", "DefaultPreemption")
    assert p.score_weights == {
        "TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
        "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
    }  # fmt: skip
    assert sum(p.score_weights.values()) * 100 == 1200
    fit = p.plugin_args["NodeResourcesFit"].scoring_strategy
    assert (fit.type, fit.resources) == ("LeastAllocated", (("cpu", 1), ("memory", 1)))


def test_disable_and_reweight_score_plugins():
    cfg = load_config(
        """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
      enabled:
      - name: NodeResourcesFit
        weight: 5
"""
    )
    p = cfg.profiles[0]
    assert "NodeResourcesBalancedAllocation" not in p.plugins["Score"]
    assert p.plugins["Score"][0] == "NodeResourcesFit"  # an explicit entry keeps its place first
    assert p.score_weights["NodeResourcesFit"] == 5 and p.score_weights["TaintToleration"] == 3


def test_second_profile_and_percentage():
    cfg = load_config({"percentageOfNodesToScore": 30, "profiles": [{}, {"schedulerName": "packer",
                       "pluginConfig": [{"name": "NodeResourcesFit",
                                         "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]})  # fmt: skip
    assert [p.scheduler_name for p in cfg.profiles] == ["default-scheduler", "packer"]
    assert cfg.percentage_of_nodes_to_score == 30
    assert cfg.profiles[1].plugin_args["NodeResourcesFit"].scoring_strategy.type == "MostAllocated"


def test_zero_resource_weight_defaults_to_one():
    args = {"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 0}]}}
    cfg = load_config({"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": args}]}]})
    assert cfg.profiles[0].plugin_args["NodeResourcesFit"].scoring_strategy.resources == (("cpu", 1),)


def _fit(strategy: dict) -> dict:
    return {"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy}}]}]}


@pytest.mark.parametrize(
    "cfg, message",
    [
        pytest.param(
            _fit({"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 101}]}),
            "profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 101: "
            "resource weight of cpu not in valid range (0, 100]",
            id="a resource weight above 100",
        ),
        pytest.param(
            _fit({"type": "LeastAllocated", "resources": [{"name": "memory", "weight": -1}]}),
            "profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: -1: "
            "resource weight of memory not in valid range (0, 100]",
            id="a negative resource weight",
        ),
        pytest.param(
            _fit({"type": "Fastest"}),
            'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Fastest": '
            'supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
            id="an unknown scoring strategy",
        ),
        pytest.param(
            _fit({"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {"shape": [
                {"utilization": 50, "score": 5}, {"utilization": 10, "score": 11}]}}),
            "[profiles[0].pluginConfig[0].args.scoringStrategy.shape[1].utilization: Invalid value: 10: values "
            "must be sorted in increasing order, profiles[0].pluginConfig[0].args.scoringStrategy.shape[1].score: "
            "Invalid value: 11: not in valid range [0, 10]]",
            id="an unsorted shape with a score above 10",
        ),
        pytest.param(
            {"profiles": [{"pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 101}}]}]},
            "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]",
            id="hardPodAffinityWeight above 100",
        ),
        pytest.param(
            {"percentageOfNodesToScore": 101},
            "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]",
            id="percentageOfNodesToScore above 100",
        ),
        pytest.param(
            {"profiles": [{}, {}]},
            'profiles[1].schedulerName: Duplicate value: "profiles[0].schedulerName"',
            id="two profiles with the same scheduler name",
        ),
        pytest.param(
            {"podInitialBackoffSeconds": 0},
            "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0",
            id="a zero initial back-off",
        ),
        pytest.param(
            {"profiles": [{"pluginConfig": [{"name": "PodTopologySpread", "args": {"defaultConstraints": [
                {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}]}}]}]},
            'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": '
            "when .defaultConstraints are not empty",
            id="default constraints need defaultingType List",
        ),
        pytest.param(
            {"profiles": [{"plugins": {"score": {"enabled": [{"name": "NodeResourcesFit", "weight": -2}]}}}]},
            "profiles[0].plugins.score.enabled[0].weight: Invalid value: -2: must be greater than or equal to 0",
            id="a negative score plugin weight",
        ),
    ],
)  # fmt: skip
def test_invalid_configuration_names_the_field(cfg, message):
    with pytest.raises(SchedulerConfigError) as err:
        load_config(cfg)
    assert str(err.value) == message


def test_unknown_plugin_and_unknown_field():
    with pytest.raises(SchedulerConfigError, match='FilterPlugin "Nope" does not exist'):
        load_config({"profiles": [{"plugins": {"filter": {"enabled": [{"name": "Nope"}]}}}]})
    with pytest.raises(SchedulerConfigError, match='strict decoding error: unknown field "foo"'):
        load_config({"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"foo": 1}}]}]})


def test_cluster_rejects_a_bad_configuration():
    with pytest.raises(ValueError, match="resource weight of cpu not in valid range"):
        kl.Cluster(scheduler_config=_fit({"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 500}]}))


def test_most_allocated_profile_packs_pods_in_a_cluster():
    c = kl.Cluster(seed=0, scheduler_config=_fit({"type": "MostAllocated"}))
    for i in range(3):
        c.add_node(f"node-{i}", cpu="4", memory="8Gi")
    c.run(2)
    for i in range(3):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                 "spec": {"containers": [{"name": "c", "image": "nginx",
                                          "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}})  # fmt: skip
        c.run(1)
    assert len({p["spec"]["nodeName"] for p in c.list("pods")}) == 1
