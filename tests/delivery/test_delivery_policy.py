"""Layered policy: global -> cluster -> environment -> application (-> application in an environment).

Precedence follows Devtron's security policies: a lower level overrides a higher one, in both
directions (tighten or loosen); exceptions waive single violations with a recorded reason.
"""

from __future__ import annotations

import pytest

from k8slearn.delivery import Policy, PolicyException, PolicyLayer, Setting
from k8slearn.delivery.demo import CACHE_CPU_EXCEPTION, cache_release, demo_policy, web_release


def test_each_rule_comes_from_the_most_specific_layer_that_sets_it():
    p = demo_policy()
    assert p.effective("web", "staging", "staging") == {
        "image-tag": Setting("pinned", "global"),
        "resource-limits": Setting("required", "global"),
        "privileged": Setting("deny", "global"),
        "min-replicas": Setting(1, "global"),
    }
    prod_b = p.effective("web", "prod-b", "production-b")
    assert prod_b["image-tag"] == Setting("digest", "cluster production-b")
    assert prod_b["min-replicas"] == Setting(3, "environment prod-b")
    # an application layer overrides the environment and the cluster: it may loosen too
    assert p.effective("cache", "prod-b", "production-b")["min-replicas"] == Setting(1, "application cache")


def test_an_application_in_one_environment_beats_the_application_everywhere():
    p = demo_policy().with_layer(PolicyLayer("application", "cache", {"min-replicas": 2}, environment="prod-b"))
    assert p.effective("cache", "prod-b", "production-b")["min-replicas"] == Setting(2, "application cache in prod-b")
    assert p.effective("cache", "prod-a", "production-a")["min-replicas"] == Setting(1, "application cache")


def test_layer_order_in_the_list_does_not_matter_only_the_level():
    layers = [
        PolicyLayer("environment", "prod-a", {"min-replicas": 4}),
        PolicyLayer("global", settings={"min-replicas": 1}),
    ]
    assert Policy(layers).effective("web", "prod-a", "production-a")["min-replicas"] == Setting(4, "environment prod-a")


def test_a_rule_no_layer_sets_is_off():
    assert Policy().effective("web", "x", "y")["privileged"] == Setting("allow", "")


def test_the_report_lists_every_violation_kubectl_style_and_names_its_layer():
    bad = web_release("nginx").render("shop")
    spec = bad[0]["spec"]
    spec["replicas"] = 1
    c = spec["template"]["spec"]["containers"][0]
    c["resources"] = {"limits": {"memory": "128Mi"}}
    c["securityContext"] = {"privileged": True}
    report = demo_policy().check(bad, "web", "prod-b", "production-b")
    assert not report.allowed
    assert report.text().splitlines() == [
        "Error from policy (Forbidden): deployment.apps/web in prod-b (cluster production-b) denied: 4 violations",
        '* spec.template.spec.containers[0].image: Invalid value: "nginx": must be pinned by digest (name@sha256:...): '
        "a tag can be moved to other bytes (image-tag=digest, from cluster production-b)",
        "* spec.template.spec.containers[0].resources.limits.cpu: Required value: a CPU limit is required "
        "(resource-limits=required, from global)",
        "* spec.template.spec.containers[0].securityContext.privileged: Forbidden: privileged containers are not "
        "allowed (privileged=deny, from global)",
        "* spec.replicas: Invalid value: 1: must be at least 3 (min-replicas=3, from environment prod-b)",
    ]


def test_a_good_release_passes_and_services_are_not_checked():
    report = demo_policy().check(web_release().pinned().render("shop"), "web", "prod-b", "production-b")
    assert report.allowed
    assert report.objects == ["deployment.apps/web"]
    assert (
        report.text()
        == "policy check passed: deployment.apps/web in prod-b (cluster production-b): 4 rules, 0 violations"
    )


def test_an_exception_waives_only_the_field_it_names():
    p = demo_policy().with_exception(CACHE_CPU_EXCEPTION)
    ok = p.check(cache_release().pinned().render("shop"), "cache", "prod-a", "production-a")
    assert ok.allowed and [v.field for v in ok.waived] == ["spec.template.spec.containers[0].resources.limits.cpu"]
    assert ok.text().splitlines()[1].startswith("  waived: spec.template.spec.containers[0].resources.limits.cpu "
                                                "(resource-limits): no CPU limit")  # fmt: skip
    no_memory = cache_release().pinned().render("shop")
    del no_memory[0]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    report = p.check(no_memory, "cache", "prod-a", "production-a")
    assert [v.field.rsplit(".", 1)[1] for v in report.denied] == ["memory"]
    # another application does not profit from the cache's exception
    assert not p.check(cache_release().pinned().render("shop"), "other", "prod-a", "production-a").allowed


def test_an_exception_scoped_to_one_environment():
    e = PolicyException("image-tag", "web", environment="prod-a", reason="registry outage, INC-7")
    p = demo_policy().with_exception(e)
    assert p.check(web_release().render("shop"), "web", "prod-a", "production-a").allowed
    assert not p.check(web_release().render("shop"), "web", "prod-b", "production-b").allowed


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: PolicyException("image-tag", "web"), "an exception needs a reason (who approved it, and why)"),
        (lambda: PolicyException("latest", "web", reason="x"), 'unknown rule "latest": known rules: image-tag, '
         "resource-limits, privileged, min-replicas"),
        (lambda: PolicyLayer("region", "eu"), 'unknown level "region": one of global, cluster, environment, application'),
        (lambda: PolicyLayer("global", "eu"), 'a global layer has target "*"'),
        (lambda: PolicyLayer("cluster", "a", environment="x"), "only an application layer names an environment"),
        (lambda: PolicyLayer("global", settings={"privileged": "sometimes"}),
         'rule "privileged": unsupported value "sometimes": supported values: "allow", "deny"'),
    ],
    ids=["an exception without a reason", "an unknown rule", "an unknown level", "a global layer with a target",
         "an environment on a cluster layer", "an unsupported setting"],
)  # fmt: skip
def test_bad_policies_are_refused_when_written(make, message):
    with pytest.raises(ValueError) as err:
        make()
    assert str(err.value) == message
