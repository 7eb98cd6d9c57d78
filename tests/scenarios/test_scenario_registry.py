"""The scenario registry, mysteries, the catalog, the triage table and the decision-flow picture."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from _scenario_cases import built

import k8slearn as kl
from k8slearn import scenarios
from k8slearn.scenarios.flow import FLOW, next_command
from k8slearn.viz import diagnose


def test_the_registry_lists_the_capstone_scenarios():
    assert scenarios.names() == [
        "pending-taint", "missing-configmap", "wrong-selector", "node-notready", "bad-image",
        "insufficient-resources", "failing-readiness",
    ]  # fmt: skip
    for name in scenarios.names():
        assert len(scenarios.variants(name)) >= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"name": "nope"}, "unknown scenario 'nope'"), ({"name": "bad-image", "variant": 7}, "variant must be in 0..2")],
    ids=["an unknown name", "a variant out of range"],
)
def test_make_refuses_what_does_not_exist(kwargs, message):
    with pytest.raises(ValueError, match=message):
        scenarios.make(seed=0, **kwargs)


def test_a_variant_can_be_chosen_explicitly():
    s = scenarios.make("bad-image", seed=4, variant=2)
    assert s.variant == 2 and "/" in s.expected["image"].split(":")[0]


def test_without_a_name_the_seed_picks_a_mystery():
    picked = {scenarios.make(seed=seed).name for seed in range(12)}
    assert len(picked) >= 4
    s = scenarios.make(seed=3)
    assert s.mystery and s.brief().startswith("Mystery cluster (seed 3)")
    assert s.name not in s.brief() and "answer = c" in s.brief()
    again = scenarios.make(seed=3)
    assert again.name == s.name and again.expected == s.expected


def test_a_mystery_is_graded_on_the_repaired_cluster():
    s = scenarios.make(seed=3)
    feedback = s.grade("a guess")
    assert not feedback.ok and "answer = c" in feedback.message
    s.remedy(s.cluster)
    assert s.grade(s.cluster).ok


def test_brief_and_repr_say_what_it_is():
    s = built("pending-taint", 0, 0)
    assert s.brief().splitlines()[0] == f"{s.title} (seed 0, variant 0)"
    assert str(s) == s.brief()
    assert repr(s) == f"<Scenario pending-taint seed=0 variant=0 t={s.cluster.now:g}s>"


def test_catalog_has_one_row_per_scenario():
    table = scenarios.catalog()
    assert list(table.index) == scenarios.names()
    assert list(table.columns) == ["what is broken", "variants"]
    assert table.loc["bad-image", "variants"] == 3


def test_triage_of_a_healthy_cluster_is_empty():
    c = kl.Cluster.demo(nodes=2, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})  # fmt: skip
    c.run(10)
    table = scenarios.triage(c)
    assert table.empty and list(table.columns) == ["object", "symptom", "next", "look for"]


@pytest.mark.parametrize(
    ("name", "variant", "symptom", "command"),
    [
        ("pending-taint", 0, "Pending", "kubectl describe pod "),
        ("missing-configmap", 0, "CreateContainerConfigError", "kubectl describe pod "),
        ("missing-configmap", 2, "CrashLoopBackOff", "kubectl logs "),
        ("wrong-selector", 0, "no endpoints", "kubectl describe service "),
        ("node-notready", 0, "NotReady", "kubectl describe node "),
        ("bad-image", 0, "ProgressDeadlineExceeded", "kubectl rollout status deployment/"),
        ("failing-readiness", 0, "endpoints not ready", "kubectl get endpointslices "),
    ],
    ids=lambda v: str(v),
)
def test_triage_names_the_symptom_and_the_next_command(name, variant, symptom, command):
    s = built(name, 0, variant)
    table = scenarios.triage(s.cluster)
    rows = table[table.symptom == symptom]
    assert len(rows) >= 1, table
    assert rows.iloc[0]["next"].startswith(command)


def test_triage_sends_pods_of_a_lost_node_to_the_node():
    s = built("node-notready", 0, 1)
    table = scenarios.triage(s.cluster)
    pods = table[table.object.str.startswith("pod/")]
    assert set(pods.symptom) == {"node NotReady"}
    assert set(pods.next) == {f"kubectl describe node {s.expected['node']}"}


def test_every_flow_symptom_has_a_command():
    for symptom in FLOW:
        assert next_command(symptom, "x").startswith("kubectl ")


@pytest.mark.parametrize("highlight", [None, "Pending", "ErrImagePull", "node NotReady"])
def test_the_decision_flow_draws_six_rows(highlight):
    ax = diagnose.draw_flow(highlight=highlight)
    texts = [t.get_text() for t in ax.texts]
    assert "kubectl describe pod" in texts and "kubectl logs --previous" in texts
    assert ax.get_title(loc="left").startswith("From symptom to cause")
    highlighted = [p for p in ax.patches if p.get_linewidth() > 2]
    assert len(highlighted) == (0 if highlight is None else 4)
    plt.close("all")
