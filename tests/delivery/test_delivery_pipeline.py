"""The delivery pipeline: policy, approval, deploy, `kubectl rollout status` in virtual time, soak, promote."""

from __future__ import annotations

import pytest

from k8slearn.delivery import Pipeline, Release, Stage
from k8slearn.delivery.demo import WEB_MANIFEST, demo_fleet, demo_pipeline, demo_policy, web_release


@pytest.fixture
def fleet():
    return demo_fleet(seed=0)


def test_a_good_release_reaches_every_environment(fleet):
    run = demo_pipeline(fleet).run(web_release(), approvals={"prod-a": "alice"})
    assert run.state == "Succeeded"
    assert [r.state for r in run.results] == ["Succeeded"] * 3
    assert run.results[1].approved_by == "alice"
    for env in fleet:
        d = fleet.clusters[env.cluster].get("deployment", "web", "shop")
        assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
        assert d["status"]["availableReplicas"] == 3
    staging = run.results[0]
    assert staging.duration > 60  # the rollout, then the 60 s soak
    assert staging.rollout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert run.log[0] == "[staging t=5s] kubectl apply: deployment.apps/web created, service/web created"
    assert run.log[2].endswith("soak 60 s: 3/3 pods ready, 0 restarts")
    assert "[prod-a t=5s] approved by alice" in run.log


def test_an_approval_stage_waits_until_someone_approves(fleet):
    run = demo_pipeline(fleet).run(web_release())
    assert run.state == "Waiting for approval"
    assert [r.state for r in run.results] == ["Succeeded", "Waiting for approval", "Not started"]
    assert fleet.clusters["production-a"].api.get_or_none("Deployment", "web", "shop") is None
    assert run.advance() == "Waiting for approval"
    assert run.log.count("[prod-a t=5s] waiting for approval") == 1
    with pytest.raises(ValueError, match="names the approver"):
        run.approve("prod-a", "")
    assert run.approve("prod-a", by="bob") == "Succeeded"
    assert run.results[1].approved_by == "bob"


def test_a_failed_rollout_in_staging_stops_the_pipeline_before_production(fleet):
    pipe = demo_pipeline(fleet)
    run = pipe.run(web_release("nginx:1.99"), approvals={"prod-a": "alice"})
    assert run.state == "Failed"
    assert [r.state for r in run.results] == ["Failed", "Not started", "Not started"]
    # kubectl rollout status: 'error: deployment "%s" exceeded its progress deadline' (kubectl rollout_status.go)
    assert run.results[0].message == 'error: deployment "web" exceeded its progress deadline'
    assert run.results[0].duration == pytest.approx(120, abs=5)  # progressDeadlineSeconds: 120
    assert fleet.clusters["production-a"].api.get_or_none("Deployment", "web", "shop") is None
    assert run.log[-1].endswith("stage failed; the pipeline stops")


def test_the_policy_blocks_a_stage_before_anything_reaches_its_cluster(fleet):
    run = demo_pipeline(fleet, demo_policy()).run(web_release(), approvals={"prod-a": "alice"})
    assert run.state == "Blocked"
    assert [r.state for r in run.results] == ["Succeeded", "Blocked", "Not started"]
    blocked = run.results[1]
    assert blocked.message == blocked.report.text()
    assert blocked.message.startswith("Error from policy (Forbidden): deployment.apps/web in prod-a")
    assert blocked.started is None and not blocked.approved_by  # checked before the approval
    assert fleet.clusters["production-a"].api.get_or_none("Deployment", "web", "shop") is None
    # the same release pinned by digest passes
    fixed = demo_pipeline(fleet, demo_policy()).run(web_release().pinned(), approvals={"prod-a": "alice"})
    assert fixed.state == "Succeeded"
    assert run.results[0].report.allowed and fixed.results[2].report.allowed


def test_the_soak_gate_catches_a_release_that_crashes_after_its_rollout(fleet):
    crashing = WEB_MANIFEST.replace("      labels: {app: web}\n    spec:",
                                    '      labels: {app: web}\n      annotations: {k8slearn.io/exit-after: "20"}\n    spec:')  # fmt: skip
    assert crashing != WEB_MANIFEST
    run = demo_pipeline(fleet).run(Release("web", crashing, "nginx:1.27"), approvals={"prod-a": "alice"})
    assert run.state == "Failed"
    staging = run.results[0]
    assert staging.rollout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert staging.message.startswith("health gate failed: soak 60 s: ")
    assert not staging.message.endswith(" 0 restarts")


def test_an_unknown_environment_is_refused_when_the_pipeline_is_built(fleet):
    with pytest.raises(KeyError, match='no environment "prod-c"'):
        Pipeline(fleet, [Stage("prod-c")])


def test_the_same_seed_gives_the_same_run_log():
    logs = []
    for _ in range(2):
        run = demo_pipeline(demo_fleet(seed=4), demo_policy()).run(web_release().pinned(), approvals={"prod-a": "a"})
        logs.append(run.log)
    assert logs[0] == logs[1]


def test_the_run_frame_has_one_row_per_stage(fleet):
    run = demo_pipeline(fleet).run(web_release())
    frame = run.frame()
    assert list(frame.columns) == ["stage", "cluster", "state", "duration (s)", "approved by", "message"]
    assert frame["state"].tolist() == ["Succeeded", "Waiting for approval", "Not started"]
    assert repr(run) == ("<PipelineRun web@nginx:1.27 Waiting for approval: staging: Succeeded -> "
                         "prod-a: Waiting for approval -> prod-b: Not started>")  # fmt: skip
