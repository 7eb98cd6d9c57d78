"""Every scenario, many seeds: deterministic, really broken, graded right, healed by its fix and its solution."""

from __future__ import annotations

import contextlib
import io

import pytest
from _scenario_cases import SEEDS, built, case_id, cases

import k8slearn as kl
from k8slearn import scenarios

CASES = cases()


def _answer(s: scenarios.Scenario) -> object:
    """The right diagnosis, in the shape each question asks for."""
    e = s.expected
    return {
        "pending-taint": lambda: {"node": e["node"], "taint": e["taint"]},
        "missing-configmap": lambda: {"configmap": e["configmap"], "key": e["key"]},
        "wrong-selector": lambda: dict(e["selector"]),
        "node-notready": lambda: e["node"],
        "bad-image": lambda: e["image"],
        "insufficient-resources": lambda: {"resource": e["resource"], "request": e["request"]},
        "failing-readiness": lambda: {e["field"]: e["value"]},
    }[s.name]()


def _wrong(s: scenarios.Scenario) -> list[object]:
    """Plausible wrong diagnoses: each must get a ❌ with a hint."""
    e = s.expected
    healthy = next((n for n in s.cluster.nodes() if n != e.get("node")), "node-9")
    return {
        "pending-taint": lambda: [{"node": healthy, "taint": e["taint"]}, {"node": e["node"], "taint": "other"},
                                  "node-9"],
        "missing-configmap": lambda: [{"configmap": "nope", "key": e["key"]},
                                      {"configmap": e["configmap"], "key": e["env"]}],
        "wrong-selector": lambda: [dict(e["wrong"]), {"tier": e["selector"]["tier"]}, {}],
        "node-notready": lambda: [healthy, "node/does-not-exist"],
        "bad-image": lambda: [e["good"], "busybox:1.36"],
        "insufficient-resources": lambda: [{"resource": "gpu"},
                                           {"resource": "memory" if e["resource"] == "cpu" else "cpu"},
                                           {"resource": e["resource"], "request": "1m"}],
        "failing-readiness": lambda: [{"port": 1}, {"path": "/nope"} if e["field"] == "path" else {"port": 12345}],
    }[s.name]()  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_scenario_is_broken_when_handed_out(case):
    s = built(*case)
    assert s.problems(s.cluster), "a scenario must start broken"
    assert not s.healed()
    table = scenarios.triage(s.cluster)
    assert len(table) > 0, "the first look must show something unhealthy"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_right_diagnosis_passes(case):
    s = built(*case)
    feedback = s.grade(_answer(s))
    assert feedback.ok, feedback.message
    assert str(feedback).startswith("✅ Correct.")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_wrong_diagnoses_fail_with_a_hint(case):
    s = built(*case)
    for wrong in _wrong(s):
        feedback = s.grade(wrong)
        assert not feedback.ok, f"{wrong!r} should not pass"
        assert str(feedback).startswith("❌ Not yet. Hint: ")
        assert "raised" not in feedback.message, feedback.message
        assert len(feedback.message) > 30


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_grading_never_raises_on_junk(case):
    s = built(*case)
    assert not s.grade(None).ok
    for junk in (42, object(), [1, 2, 3], {"unexpected": {"nested": 1}}, ""):
        assert not s.grade(junk).ok


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_hints_point_at_kubectl(case):
    s = built(*case)
    assert len(s.hints) >= 2
    assert "kubectl" in s.hints[0]
    assert all(cmd.startswith("kubectl ") for cmd in s.commands)
    assert s.hint(99) == s.hints[-1]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fix_heals_the_cluster(case):
    name, seed, variant = case
    s = scenarios.make(name, seed=seed, variant=variant)
    took = s.fix()
    assert s.healed(), s.problems(s.cluster)
    assert 0 <= took <= s.heal_timeout
    # and it stays healed
    s.cluster.run(60)
    assert s.healed(), s.problems(s.cluster)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_solution_code_answers_and_repairs(case):
    """The code a collapsed solution shows is run as a student would run it."""
    name, seed, variant = case
    s = scenarios.make(name, seed=seed, variant=variant)
    scope = {"c": s.cluster, "kl": kl}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(s.solution, scope)  # noqa: S102 - the solution is our own code
    assert s.grade(scope["answer"]).ok
    fixed = s.grade(s.cluster)
    assert fixed.ok, fixed.message
    assert "Healed" in fixed.message


@pytest.mark.parametrize("name", scenarios.names())
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_same_seed_same_cluster(name, seed):
    a = scenarios.make(name, seed=seed)
    b = scenarios.make(name, seed=seed)
    assert (a.variant, a.expected, a.question, a.hints, a.solution) == (b.variant, b.expected, b.question, b.hints,
                                                                        b.solution)  # fmt: skip
    assert a.cluster.events().equals(b.cluster.events())
    assert a.cluster.kubectl("get pods -o wide") == b.cluster.kubectl("get pods -o wide")
    assert a.cluster.api.revision == b.cluster.api.revision


@pytest.mark.parametrize("name", scenarios.names())
def test_seeds_make_different_exercises(name):
    built_ = [scenarios.make(name, seed=seed) for seed in range(8)]
    variants = {s.variant for s in built_}
    answers = {repr(sorted(s.expected.items())) for s in built_}
    assert len(variants) > 1, "the seed must choose among the variants"
    assert len(answers) > 2, "the seed must change names and answers"


@pytest.mark.parametrize("case", CASES[::5], ids=case_id)
def test_a_fix_on_another_cluster_is_refused(case):
    s = built(*case)
    other = kl.Cluster(seed=0)
    feedback = s.grade(other)
    assert not feedback.ok and "another cluster" in feedback.message


def test_the_heal_time_is_counted_in_seconds_with_the_right_plural():
    """bad-image seed 14 heals one virtual second after ``kubectl rollout undo``."""
    s = scenarios.make("bad-image", seed=14)
    s.cluster.kubectl(f"rollout undo deployment/{s.app}")
    fixed = s.grade(s.cluster)
    assert fixed.ok and "Healed 1 virtual second after your fix" in fixed.message


def test_the_notready_verdict_names_the_grace_period_not_an_exact_delay():
    """NotReady comes once the node was silent for MORE than node-monitor-grace-period, at a 5 s monitor tick."""
    s = scenarios.make("node-notready", seed=12)
    feedback = s.grade(s.expected["node"])
    assert feedback.ok
    assert "more than node-monitor-grace-period (50 s)" in feedback.message
