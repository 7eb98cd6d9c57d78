"""Checks for lesson 11 · The delivery workflow.

- :func:`ex1` which layer decides a rule for the cache in prod-b, and its value;
- :func:`ex2` a release fixed until the layered policy admits it in every environment;
- :func:`ex3` a narrow, explained exception for the cache's missing CPU limit;
- :func:`ex4` a pipeline run that delivered the cache to production.

The checks rebuild the lesson's policy (:func:`k8slearn.delivery.demo.demo_policy`), so
they judge the answer, not the notebook's state.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4", "API_MANIFEST", "ENVIRONMENTS"]

#: The environments of the lesson's fleet: (environment, cluster).
ENVIRONMENTS = (("staging", "staging"), ("prod-a", "production-a"), ("prod-b", "production-b"))

#: Exercise 11.2: a colleague's first manifest for the ``api`` application.
API_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: IMAGE
        securityContext: {privileged: true}
        resources:
          limits: {memory: 256Mi}
"""


def _policy() -> Any:
    from ..delivery.demo import demo_policy

    return demo_policy()


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 11.1: the effective ``min-replicas`` of ``cache`` in ``prod-b`` and the layer that sets it."""
    from ..delivery import Setting

    if isinstance(answer, Setting):
        value, source = answer.value, answer.source
    elif isinstance(answer, Mapping) and {"value", "source"} <= set(answer):
        value, source = answer["value"], answer["source"]
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        value, source = answer
    else:
        return fail("Answer with (value, layer), e.g. (2, 'cluster production-b'), or the Setting itself.")
    want = _policy().effective("cache", "prod-b", "production-b")["min-replicas"]
    source = str(source)
    if value == want.value and source == want.source:
        return passed(
            "1, from application cache: prod-b's cluster says 2 and its environment 3, but an application layer is "
            "more specific than both, so the cache keeps its single replica even in the busy region."
        )
    if source == "environment prod-b":
        return fail("The environment says 3 for every application in prod-b; is there a more specific layer for cache?")
    if source == "cluster production-b":
        return fail("The cluster layer says 2, but two more specific layers also set min-replicas here.")
    if source == "global":
        return fail("Global is the most general layer: every other layer that sets the rule overrides it.")
    if source == "application cache" and value != want.value:
        return fail("Right layer; read the value it sets in the layer grid or with policy.effective(...).")
    return fail("Read policy.effective('cache', 'prod-b', 'production-b')['min-replicas'].")


@check
def ex2(answer: Any) -> Feedback:
    """Exercise 11.2: a :class:`~k8slearn.delivery.Release` of ``api`` that passes in every environment."""
    from ..delivery import Release
    from ..node.images import DEFAULT_REGISTRY, PullError

    if not isinstance(answer, Release):
        return fail("Answer with a Release: Release('api', fixed_manifest, image).")
    release = answer
    if release.app != "api":
        return fail(f"The release is for '{release.app}': keep the application name api.")
    policy = _policy()
    for env, cluster in ENVIRONMENTS:
        report = policy.check(release.render("shop"), release.app, env, cluster)
        if not report.allowed:
            v = report.denied[0]
            tips = {
                "image-tag": "pin the image: release.pinned() resolves its tag to the registry digest",
                "resource-limits": "give every container resources.limits.cpu and resources.limits.memory",
                "privileged": "remove securityContext.privileged: true (an ordinary server does not need it)",
                "min-replicas": "raise spec.replicas to what the strictest environment asks",
            }
            return fail(f"{env} still says: {v.error_text()} ({v.rule}, from {v.source}). To fix it, {tips[v.rule]}.")
    name, _, digest = release.image.partition("@")
    if digest:
        try:
            real = DEFAULT_REGISTRY.lookup(name).digest if ":" in name.rsplit("/", 1)[-1] else digest
        except PullError:
            return fail(f"The registry does not know {name}: pick an image that exists (redis:7.2), then pin it.")
        if real != digest:
            return fail(f"{digest[:19]}… is not the digest of {name} in the registry: let release.pinned() look it up.")
    return passed(
        f"{release.image.split('@')[0]} pinned by digest, limits set, not privileged, "
        f"{release.render('shop')[0]['spec'].get('replicas', 1)} replicas: admitted in staging, prod-a and prod-b."
    )


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 11.3: a :class:`~k8slearn.delivery.PolicyException` for the cache's missing CPU limit only."""
    from ..delivery import PolicyException
    from ..delivery.demo import cache_release, web_release

    if not isinstance(answer, PolicyException):
        return fail("Answer with PolicyException(rule, application, field=..., reason=...).")
    if answer.application != "cache":
        return fail("An exception names the one application it is for: here 'cache'. Everyone else keeps the rule.")
    policy = _policy().with_exception(answer)
    cache = cache_release().pinned()
    for env, cluster in ENVIRONMENTS:
        report = policy.check(cache.render("shop"), "cache", env, cluster)
        if not report.allowed:
            v = report.denied[0]
            return fail(f"The cache is still denied in {env}: {v.error_text()} ({v.rule}). Which rule, application "
                        "and environments must the exception name?")  # fmt: skip
    no_memory = cache.render("shop")
    del no_memory[0]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    if policy.check(no_memory, "cache", "prod-a", "production-a").allowed:
        return fail("Too wide: it also waives a missing memory limit. Narrow it with field='limits.cpu'.")
    other = web_release().pinned().render("shop")
    del other[0]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]
    if policy.check(other, "web", "prod-a", "production-a").allowed:
        return fail("Too wide: web could now skip its CPU limit too. Name the cache application only.")
    return passed(
        f"Waived for cache only, for its CPU limit only, everywhere, with a reason on record ({answer.reason!r}). "
        "The policy itself is unchanged: every other app still needs both limits."
    )


@check
def ex4(answer: Any) -> Feedback:
    """Exercise 11.4: a :class:`~k8slearn.delivery.PipelineRun` that delivered the cache to prod-b."""
    from ..delivery import PipelineRun

    if not isinstance(answer, PipelineRun):
        return fail("Keep what pipeline.run(...) returns (and call run.approve(...) on it if it waits).")
    if answer.release.app != "cache":
        return fail(f"This run delivered {answer.release.app}: deliver the cache release.")
    if answer.pipeline.policy is None:
        return fail(
            "This pipeline has no policy: build it with Pipeline(fleet2, stages, policy.with_exception(exception))."
        )
    if answer.state == "Blocked":
        stage = next(r for r in answer.results if r.state == "Blocked")
        first = stage.report.denied[0]
        return fail(f"Blocked in {stage.stage.environment}: {first.error_text()} ({first.rule}). Pin the image, and "
                    "give the pipeline's policy your exception from 11.3.")  # fmt: skip
    if answer.state == "Waiting for approval":
        return fail("The run waits at prod-a: approve it with run.approve('prod-a', by='your name').")
    if answer.state != "Succeeded":
        stage = answer.current
        where = stage.stage.environment if stage else "?"
        return fail(f"The run is {answer.state} at {where}: {stage.message if stage else ''}")
    waived = sum(len(r.report.waived) for r in answer.results if r.report is not None)
    approver = next((r.approved_by for r in answer.results if r.approved_by), "")
    return passed(
        f"cache@{answer.release.version} runs in all three environments: policy passed with {waived} waived "
        f"violations (the CPU limit), prod-a approved by {approver}, each rollout confirmed by kubectl rollout status."
    )
