"""Deployment controller: fenceposts, rolling-update invariants and steps, Recreate, revisions, conditions.

Upstream: pkg/controller/deployment/{rolling.go,recreate.go,sync.go,progress.go,rollback.go}
and pkg/controller/deployment/util/deployment_util.go (ResolveFenceposts, NewRSNewReplicas,
SetNewReplicaSetAnnotations, DeploymentComplete/Progressing/TimedOut).
"""

from __future__ import annotations

import pytest

from conftest import Sim, deployment
from k8slearn.api.errors import ApiError
from k8slearn.controlplane.controllers.deployment import (
    POD_TEMPLATE_HASH,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    max_surge,
    max_unavailable,
    resolve_fenceposts,
    scaled_value,
)
from k8slearn.controlplane.controllers.podcontrol import compute_hash, fnv32a, safe_encode_string


def _set_image(c, name: str, image: str) -> None:
    d = c.get("deploy", name)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    c.update(d)


def _scaling_events(c) -> list[str]:
    events = c.events()
    return list(events[events.reason == "ScalingReplicaSet"].message)


def _rs_by_revision(c, name: str = "web") -> dict[int, dict]:
    out = {}
    for rs in c.list("rs"):
        if rs["metadata"]["name"].startswith(f"{name}-"):
            out[int(rs["metadata"]["annotations"][REVISION_ANNOTATION])] = rs
    return out


# -- fenceposts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "surge,unavailable,replicas,expected",
    [
        ("25%", "25%", 10, (3, 2)),
        ("25%", "25%", 4, (1, 1)),
        ("25%", "25%", 1, (1, 0)),
        ("10%", "10%", 3, (1, 0)),
        (0, "10%", 3, (0, 1)),
        ("0%", "0%", 10, (0, 1)),
        (3, 2, 10, (3, 2)),
        ("50%", "50%", 5, (3, 2)),
    ],
    ids=[
        "default 25% of 10: surge rounds up, unavailable down",
        "25% of 4",
        "25% of 1: unavailable rounds to 0",
        "10% of 3",
        "both 0 after rounding: maxUnavailable becomes 1",
        "0% and 0% of 10",
        "integers are taken as they are",
        "50% of 5",
    ],
)
def test_resolve_fenceposts(surge, unavailable, replicas, expected):
    assert resolve_fenceposts(surge, unavailable, replicas) == expected


def test_max_surge_and_unavailable_of_a_deployment():
    d = deployment(replicas=10, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3,
                                                                                      "maxUnavailable": 2}})  # fmt: skip
    assert (max_surge(d), max_unavailable(d)) == (3, 2)
    recreate = deployment(replicas=10, strategy={"type": "Recreate"})
    assert (max_surge(recreate), max_unavailable(recreate)) == (0, 0)
    assert max_unavailable(deployment(replicas=0)) == 0
    assert scaled_value("33%", 10, True) == 4


def test_both_zero_is_rejected_by_validation(sim):
    bad = deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    with pytest.raises(ApiError) as err:
        sim.c.apply(bad)
    assert "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0" in str(
        err.value
    )


# -- the pod-template-hash -------------------------------------------------------------------


def test_compute_hash_is_fnv32a_rendered_safely():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C  # the FNV-1a test vector
    assert safe_encode_string("0123456789") == "456789bcdf"
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    h = compute_hash(template)
    assert h == compute_hash(dict(template)) and set(h) <= set("456789bcdf")
    assert compute_hash(template, 1) != h


def test_new_replica_set_is_named_after_the_template_hash(sim):
    c = sim.c
    c.apply(deployment())
    c.run(5)
    (rs,) = c.list("rs")
    d = c.get("deploy", "web")
    pod_hash = rs["metadata"]["labels"][POD_TEMPLATE_HASH]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert pod_hash == compute_hash(d["spec"]["template"])
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", POD_TEMPLATE_HASH: pod_hash}
    assert all(p["metadata"]["labels"][POD_TEMPLATE_HASH] == pod_hash for p in sim.pods())
    assert rs["metadata"]["annotations"] == {
        REVISION_ANNOTATION: "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
    }
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"


def test_a_hash_collision_bumps_collision_count(sim):
    c = sim.c
    c.apply(deployment())
    c.run(5)
    taken = c.list("rs")[0]["metadata"]["name"]
    c.delete("deploy", "web")
    c.run(10)
    squatter = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": taken},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"other": "x"}},
            "template": {"metadata": {"labels": {"other": "x"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
        },
    }
    c.apply(squatter)
    c.apply(deployment())
    c.run(5)
    d = c.get("deploy", "web")
    assert d["status"]["collisionCount"] == 1
    names = sorted(rs["metadata"]["name"] for rs in c.list("rs"))
    assert len(names) == 2 and taken in names
    assert d["status"]["availableReplicas"] == 3


# -- rolling updates -------------------------------------------------------------------------

COMBOS = [
    (1, 1, 0),
    (1, 0, 1),
    (2, "25%", "25%"),
    (3, 1, 0),
    (3, 0, 1),
    (3, "50%", "50%"),
    (4, 2, 2),
    (5, "25%", "25%"),
    (5, 0, "40%"),
    (5, 5, 0),
    (6, 1, 1),
    (7, "30%", 0),
    (10, 3, 2),
    (10, "25%", "25%"),
    (10, 0, 1),
    (10, 1, 0),
    (10, "100%", "100%"),
    (12, 4, 0),
]


@pytest.mark.parametrize("replicas,surge,unavailable", COMBOS, ids=[f"{r} replicas, surge {s}, unavailable {u}"
                                                                    for r, s, u in COMBOS])  # fmt: skip
def test_rolling_update_invariants(replicas, surge, unavailable):
    """Total pods never above desired + maxSurge; available never below desired - maxUnavailable."""
    sim = Sim()
    c = sim.c
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    c.apply(deployment(replicas=replicas, strategy=strategy))
    c.run(10)
    s, u = resolve_fenceposts(surge, unavailable, replicas)
    u = min(u, replicas)
    violations = []

    def check(entry):
        rs_total = sum(rs["spec"]["replicas"] for rs in c.api.list("ReplicaSet", "default"))
        active = [p for p in c.api.list("Pod", "default") if not p["metadata"].get("deletionTimestamp")]
        available = sum(
            1
            for p in active
            if any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", []))
        )
        if rs_total > replicas + s or len(active) > replicas + s:
            violations.append(("surge", entry.time, rs_total, len(active)))
        if available < replicas - u:
            violations.append(("unavailable", entry.time, available))

    c.clock.hooks.append(check)
    _set_image(c, "web", "nginx:2")
    c.run(120)
    c.clock.hooks.remove(check)
    assert violations == []
    d = c.get("deploy", "web")
    assert d["status"]["updatedReplicas"] == replicas and d["status"]["availableReplicas"] == replicas
    assert all(p["spec"]["containers"][0]["image"] == "nginx:2" for p in sim.pods())


def test_exact_replica_set_sizes_for_10_replicas_surge_3_unavailable_2(sim):
    """Step by step: new RS up to desired + surge in all, old RS down keeping 8 available."""
    c = sim.c
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    c.apply(deployment(replicas=10, strategy=strategy))
    c.run(10)
    old = c.list("rs")[0]["metadata"]["name"]
    _set_image(c, "web", "nginx:2")
    c.run(60)
    new = next(rs["metadata"]["name"] for rs in c.list("rs") if rs["metadata"]["name"] != old)
    # t+0: new 3 (13 in all), old 8 (8 available), new 5 (13 in all again); t+1 the 5 new
    # pods are available: old down to 3 (8 available), new up to 10; t+2 old to 0.
    assert _scaling_events(c)[1:] == [
        f"Scaled up replica set {new} from 0 to 3",
        f"Scaled down replica set {old} from 10 to 8",
        f"Scaled up replica set {new} from 3 to 5",
        f"Scaled down replica set {old} from 8 to 3",
        f"Scaled up replica set {new} from 5 to 10",
        f"Scaled down replica set {old} from 3 to 0",
    ]
    sizes = []
    for msg in _scaling_events(c)[1:]:
        name, n = msg.split()[4], int(msg.split()[-1])
        last = dict(sizes[-1]) if sizes else {old: 10, new: 0}
        last[name] = n
        sizes.append(last)
    assert [(s[old], s[new]) for s in sizes] == [(10, 3), (8, 3), (8, 5), (3, 5), (3, 10), (0, 10)]


def test_conditions_and_status_after_a_rollout(sim):
    c = sim.c
    c.apply(deployment(replicas=3))
    c.run(10)
    d = c.get("deploy", "web")
    rs_name = c.list("rs")[0]["metadata"]["name"]
    status = d["status"]
    assert {k: status[k] for k in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                                   "availableReplicas")} == {"observedGeneration": 1, "replicas": 3,
                                                             "updatedReplicas": 3, "readyReplicas": 3,
                                                             "availableReplicas": 3}  # fmt: skip
    assert "unavailableReplicas" not in status
    available, progressing = status["conditions"]
    assert (available["type"], available["status"], available["reason"], available["message"]) == (
        "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")  # fmt: skip
    assert (progressing["type"], progressing["status"], progressing["reason"], progressing["message"]) == (
        "Progressing", "True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.')  # fmt: skip
    assert d["metadata"]["annotations"][REVISION_ANNOTATION] == "1"


def test_a_bad_image_stalls_the_rollout_until_the_progress_deadline():
    sim = Sim()
    c = sim.c
    c.apply(deployment(replicas=3, progressDeadlineSeconds=30))
    c.run(10)
    _set_image(c, "web", "nginx:404")
    c.run(20)
    d = c.get("deploy", "web")
    progressing = d["status"]["conditions"][-1]
    assert progressing["reason"] == "ReplicaSetUpdated" and progressing["status"] == "True"
    # surge 1 (25% of 3 rounds up), unavailable 0: one new pod that never starts, 3 old ones serve
    assert d["status"]["availableReplicas"] == 3 and d["status"]["unavailableReplicas"] == 1
    c.run(30)
    d = c.get("deploy", "web")
    new = next(rs for rs in c.list("rs") if rs["metadata"]["annotations"][REVISION_ANNOTATION] == "2")
    progressing = next(x for x in d["status"]["conditions"] if x["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.')  # fmt: skip
    # maxUnavailable 0 (25% of 3 rounds down): the old pods keep serving
    assert new["spec"]["replicas"] == 1


def test_recreate_removes_every_old_pod_before_starting_new_ones(sim):
    c = sim.c
    c.apply(deployment(replicas=3, strategy={"type": "Recreate"}))
    c.run(10)
    old_hash = c.list("rs")[0]["metadata"]["labels"][POD_TEMPLATE_HASH]
    overlap = []

    def check(entry):
        hashes = {p["metadata"]["labels"][POD_TEMPLATE_HASH] for p in c.api.list("Pod", "default")}
        if len(hashes) > 1:
            overlap.append(entry.time)

    c.clock.hooks.append(check)
    _set_image(c, "web", "nginx:2")
    c.run(30)
    c.clock.hooks.remove(check)
    assert overlap == []
    messages = _scaling_events(c)
    assert messages[1].startswith("Scaled down replica set web-") and messages[1].endswith("from 3 to 0")
    assert messages[2].endswith("from 0 to 3")
    assert {p["metadata"]["labels"][POD_TEMPLATE_HASH] for p in sim.pods()} != {old_hash}


def test_pause_holds_template_changes_until_resume(sim):
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(10)
    d = c.get("deploy", "web")
    d["spec"]["paused"] = True
    c.update(d)
    c.run(2)
    progressing = next(x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")  # fmt: skip
    _set_image(c, "web", "nginx:2")
    c.run(10)
    assert len(c.list("rs")) == 1
    d = c.get("deploy", "web")
    d["spec"]["paused"] = False
    c.update(d)
    c.run(20)
    assert len(c.list("rs")) == 2
    assert all(p["spec"]["containers"][0]["image"] == "nginx:2" for p in sim.pods())


def test_scaling_during_a_stuck_rollout_is_proportional(sim):
    c = sim.c
    c.apply(deployment(replicas=10))
    c.run(10)
    _set_image(c, "web", "nginx:404")
    c.run(10)
    # new 3, old 8 (8 available), new 5 (13 in all): then nothing moves
    sizes = sorted(rs["spec"]["replicas"] for rs in c.list("rs"))
    assert sizes == [5, 8]
    d = c.get("deploy", "web")
    d["spec"]["replicas"] = 20
    c.update(d)
    c.run(5)
    after = {rs["metadata"]["annotations"][REVISION_ANNOTATION]: rs["spec"]["replicas"] for rs in c.list("rs")}
    # 12 more replicas (20 + maxSurge 5 - 13) shared by size: old 8*25/13 -> 15, new 5*25/13 -> 10
    assert after == {"1": 15, "2": 10}
    assert all(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "20" for rs in c.list("rs")
    )


def _undo_to(c, revision: int) -> None:
    """What ``kubectl rollout undo --to-revision`` does: copy that RS's template into the Deployment."""
    rs = _rs_by_revision(c)[revision]
    template = rs["spec"]["template"]
    template["metadata"]["labels"].pop(POD_TEMPLATE_HASH)
    d = c.get("deploy", "web")
    d["spec"]["template"] = template
    c.update(d)


def test_rollback_makes_the_old_revision_the_newest(sim):
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(10)
    for image in ("nginx:2", "nginx:3"):
        _set_image(c, "web", image)
        c.run(20)
    assert sorted(_rs_by_revision(c)) == [1, 2, 3]
    _undo_to(c, 2)
    c.run(20)
    revisions = _rs_by_revision(c)
    assert sorted(revisions) == [1, 3, 4]
    assert revisions[4]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert revisions[4]["metadata"]["annotations"][REVISION_HISTORY_ANNOTATION] == "2"
    assert c.get("deploy", "web")["metadata"]["annotations"][REVISION_ANNOTATION] == "4"
    _undo_to(c, 1)
    c.run(20)
    revisions = _rs_by_revision(c)
    assert sorted(revisions) == [3, 4, 5]
    assert revisions[5]["metadata"]["annotations"][REVISION_HISTORY_ANNOTATION] == "1"
    assert all(p["spec"]["containers"][0]["image"] == "nginx:1.27" for p in sim.pods())


def test_revision_history_limit_deletes_old_replica_sets(sim):
    c = sim.c
    c.apply(deployment(replicas=1, revisionHistoryLimit=1))
    c.run(10)
    for i in range(2, 5):
        _set_image(c, "web", f"nginx:{i}")
        c.run(20)
    assert sorted(_rs_by_revision(c)) == [3, 4]


def test_same_seed_same_rollout():
    def run():
        sim = Sim(seed=11)
        sim.c.apply(deployment(replicas=4))
        sim.c.run(10)
        _set_image(sim.c, "web", "nginx:2")
        sim.c.run(30)
        return sim.c.events().to_csv(index=False)

    assert run() == run()


def test_scaling_a_paused_deployment_keeps_the_template(sim):
    """A paused Deployment still scales (``sync``), but starts no rollout."""
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(10)
    c.kubectl("rollout pause deployment/web")
    _set_image(c, "web", "nginx:2")
    c.kubectl("scale deployment/web --replicas=4")
    c.run(10)
    (rs,) = c.list("rs")
    assert rs["spec"]["replicas"] == 4 and rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert c.get("deploy", "web")["status"]["availableReplicas"] == 4
    events = _scaling_events(c)
    assert events[-1] == f"Scaled up replica set {rs['metadata']['name']} from 2 to 4"
