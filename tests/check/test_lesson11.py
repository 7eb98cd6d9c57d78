"""Lesson 11 checks: the solutions pass; typical wrong answers get a hint that names the rule or the layer."""

from __future__ import annotations

import pytest

from k8slearn import check
from k8slearn.check import lesson11
from k8slearn.check.core import NOT_ANSWERED
from k8slearn.delivery import PolicyException, Release, Setting
from k8slearn.delivery.demo import CACHE_CPU_EXCEPTION, cache_release, demo_fleet, demo_pipeline, demo_policy

FIXED_API = (
    lesson11.API_MANIFEST.replace("replicas: 1", "replicas: 3")
    .replace("        securityContext: {privileged: true}\n", "")
    .replace("limits: {memory: 256Mi}", "limits: {cpu: 500m, memory: 256Mi}")
)


@pytest.mark.parametrize(
    "ex", [lesson11.ex1, lesson11.ex2, lesson11.ex3, lesson11.ex4], ids=["11.1", "11.2", "11.3", "11.4"]
)
def test_an_unanswered_exercise_gets_the_not_answered_hint(ex):
    assert ex(None).message == NOT_ANSWERED


def test_checks_are_reachable_as_check_lesson11():
    assert check.lesson11.ex4 is lesson11.ex4


# -- 11.1 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer",
    [Setting(1, "application cache"), (1, "application cache"), {"value": 1, "source": "application cache"}],
    ids=["the Setting", "a tuple", "a dict"],
)
def test_ex1_passes(answer):
    assert lesson11.ex1(answer).ok


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((3, "environment prod-b"), "more specific layer for cache"),
        ((2, "cluster production-b"), "two more specific layers"),
        ((1, "global"), "most general layer"),
        ((2, "application cache"), "Right layer"),
        (3, "(value, layer)"),
    ],
    ids=["the environment", "the cluster", "global", "the right layer, a wrong value", "a bare number"],
)
def test_ex1_hints(answer, hint):
    assert hint in lesson11.ex1(answer).message


# -- 11.2 --------------------------------------------------------------------------------------
def test_ex2_passes_on_a_fixed_and_pinned_release():
    assert lesson11.ex2(Release("api", FIXED_API, "redis:7.2").pinned()).ok


@pytest.mark.parametrize(
    ("release", "hint"),
    [
        (Release("api", FIXED_API, "redis:7.2"), "release.pinned()"),
        (Release("api", lesson11.API_MANIFEST, "redis:7.2").pinned(), "CPU limit"),
        (Release("api", FIXED_API.replace("replicas: 3", "replicas: 2"), "redis:7.2").pinned(), "prod-b still says"),
        (Release("api", FIXED_API, "redis:7.2@sha256:" + "0" * 64), "not the digest of redis:7.2"),
        (Release("web", FIXED_API, "redis:7.2").pinned(), "keep the application name api"),
    ],
    ids=["a tag in production", "the colleague's manifest", "too few replicas for prod-b", "a made-up digest",
         "another app"],
)  # fmt: skip
def test_ex2_hints(release, hint):
    feedback = lesson11.ex2(release)
    assert not feedback.ok and hint in feedback.message
    assert feedback.message.count("Hint:") <= 1, "one 'Hint:' prefix is enough"


# -- 11.3 --------------------------------------------------------------------------------------
def test_ex3_passes_on_the_narrow_exception():
    assert lesson11.ex3(CACHE_CPU_EXCEPTION).ok


@pytest.mark.parametrize(
    ("exception", "hint"),
    [
        (PolicyException("resource-limits", "cache", reason="r"), "field='limits.cpu'"),
        (PolicyException("resource-limits", "cache", environment="prod-a", field="limits.cpu", reason="r"),
         "still denied in staging"),
        (PolicyException("image-tag", "cache", reason="r"), "still denied"),
        (PolicyException("resource-limits", "*", field="limits.cpu", reason="r"), "here 'cache'"),
    ],
    ids=["the whole rule", "one environment only", "the wrong rule", "every application"],
)  # fmt: skip
def test_ex3_hints(exception, hint):
    assert hint in lesson11.ex3(exception).message


# -- 11.4 --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs():
    fleet = demo_fleet(seed=2)
    good = demo_pipeline(fleet, demo_policy().with_exception(CACHE_CPU_EXCEPTION))
    waiting = good.run(cache_release().pinned())
    blocked = demo_pipeline(fleet, demo_policy()).run(cache_release().pinned(), approvals={"prod-a": "a"})
    return waiting, blocked


def test_ex4_passes_after_the_approval(runs):
    waiting, _ = runs
    assert "approve it with run.approve" in lesson11.ex4(waiting).message
    waiting.approve("prod-a", by="alice")
    feedback = lesson11.ex4(waiting)
    assert feedback.ok, feedback
    assert "prod-a approved by alice" in feedback.message and "3 waived" in feedback.message


def test_ex4_hints_at_a_blocked_run(runs):
    _, blocked = runs
    assert "Blocked in staging" in lesson11.ex4(blocked).message
    unguarded = demo_pipeline(demo_fleet(seed=3)).run(cache_release().pinned())
    assert "Pipeline(fleet2, stages, policy.with_exception(exception))" in lesson11.ex4(unguarded).message
    assert "Keep what pipeline.run" in lesson11.ex4("done").message
