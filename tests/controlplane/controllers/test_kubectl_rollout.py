"""kubectl rollout / scale / set image / cordon / uncordon / drain: texts match upstream.

Upstream: kubernetes/kubectl pkg/polymorphichelpers/{rollout_status.go,history.go,rollback.go}
(and their _test.go expectations), pkg/cmd/rollout/*.go, pkg/cmd/scale/scale.go,
pkg/cmd/set/set_image.go, pkg/cmd/drain/drain.go and pkg/drain/filters.go.
"""

from __future__ import annotations

import pytest

from conftest import Sim, deployment
from k8slearn.kubectl.node_commands import go_duration
from k8slearn.kubectl.rollout import daemonset_status, deployment_status


def _d(generation=1, observed=1, replicas=1, updated=0, total=0, available=0, conditions=None):
    status = {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
              "availableReplicas": available}  # fmt: skip
    if conditions:
        status["conditions"] = conditions
    return {"metadata": {"name": "foo", "generation": generation}, "spec": {"replicas": replicas}, "status": status}


@pytest.mark.parametrize(
    "d,expected",
    [
        (_d(replicas=1, updated=0), ('Waiting for deployment "foo" rollout to finish: 0 out of 1 new replicas have '
                                     "been updated...\n", False)),
        (_d(replicas=1, updated=1, total=2, available=1),
         ('Waiting for deployment "foo" rollout to finish: 1 old replicas are pending termination...\n', False)),
        (_d(replicas=2, updated=2, total=2, available=1),
         ('Waiting for deployment "foo" rollout to finish: 1 of 2 updated replicas are available...\n', False)),
        (_d(replicas=1, updated=1, total=1, available=1), ('deployment "foo" successfully rolled out\n', True)),
        (_d(generation=2, observed=1), ("Waiting for deployment spec update to be observed...\n", False)),
    ],
    ids=["new replicas", "old replicas pending", "available", "done", "spec not observed"],
)  # fmt: skip
def test_deployment_status_lines(d, expected):
    """TestDeploymentStatusViewerStatus expectations (rollout_status_test.go)."""
    assert deployment_status(d) == expected


def test_progress_deadline_and_revision_errors():
    timed_out = _d(conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}])
    with pytest.raises(Exception, match='deployment "foo" exceeded its progress deadline'):
        deployment_status(timed_out)
    d = _d(replicas=1, updated=1, total=1, available=1)
    d["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "3"}
    with pytest.raises(Exception, match=r"desired revision \(2\) is different from the running revision \(3\)"):
        deployment_status(d, revision=2)


@pytest.mark.parametrize(
    "status,expected",
    [
        ({"observedGeneration": 1, "desiredNumberScheduled": 1, "updatedNumberScheduled": 0},
         'Waiting for daemon set "foo" rollout to finish: 0 out of 1 new pods have been updated...\n'),
        ({"observedGeneration": 1, "desiredNumberScheduled": 2, "updatedNumberScheduled": 2, "numberAvailable": 1},
         'Waiting for daemon set "foo" rollout to finish: 1 of 2 updated pods are available...\n'),
        ({"observedGeneration": 1, "desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 1},
         'daemon set "foo" successfully rolled out\n'),
        ({"observedGeneration": 0}, "Waiting for daemon set spec update to be observed...\n"),
    ],
    ids=["updating", "available", "done", "not observed"],
)  # fmt: skip
def test_daemonset_status_lines(status, expected):
    ds = {"metadata": {"name": "foo", "generation": 1}, "spec": {}, "status": status}
    assert daemonset_status(ds)[0] == expected


def test_rollout_status_waits_in_virtual_time(sim):
    c = sim.c
    c.apply(deployment(replicas=3))
    c.run(5)
    assert c.kubectl("rollout status deployment/web") == 'deployment "web" successfully rolled out\n'
    assert c.kubectl("set image deployment/web app=nginx:2") == "deployment.apps/web image updated\n"
    t0 = c.now
    out = c.kubectl("rollout status deployment/web")
    lines = out.splitlines()
    assert lines[0] == "Waiting for deployment spec update to be observed..."
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert len(lines) == len(set(lines))  # each changed status once
    assert c.now > t0 and out.exit_code == 0


def test_rollout_status_reports_an_exceeded_deadline():
    sim = Sim()
    c = sim.c
    c.apply(deployment(replicas=2, progressDeadlineSeconds=20))
    c.run(5)
    c.kubectl("set image deployment/web app=nginx:404")
    out = c.kubectl("rollout status deployment/web")
    assert out.stderr == 'error: deployment "web" exceeded its progress deadline\n' and out.exit_code == 1
    assert out.stdout.splitlines()[-1].startswith('Waiting for deployment "web" rollout to finish:')
    out = c.kubectl("rollout status deployment/web --watch=false")
    assert out.exit_code == 1


def test_history_undo_and_revisions(sim):
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(5)
    c.kubectl("set image deployment/web app=nginx:2")
    c.run(10)
    d = c.get("deploy", "web")
    d["metadata"]["annotations"]["kubernetes.io/change-cause"] = "move to nginx 3"
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:3"
    c.update(d)
    c.run(10)
    assert str(c.kubectl("rollout history deployment/web")) == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         move to nginx 3\n\n"
    )
    one = c.kubectl("rollout history deployment/web --revision=1")
    assert one.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n")
    assert "    Image:\tnginx:1.27\n" in one
    assert c.kubectl("rollout undo deployment/web") == "deployment.apps/web rolled back\n"
    c.run(10)
    assert c.kubectl("rollout history deploy web").splitlines()[2:5] == ["1         <none>", "3         move to nginx 3",
                                                                        "4         <none>"]  # fmt: skip
    assert c.get("deploy", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    assert "kubernetes.io/change-cause" not in c.get("deploy", "web")["metadata"]["annotations"]
    assert c.kubectl("rollout undo deployment/web --to-revision=4") == (
        "deployment.apps/web skipped rollback (current template already matches revision 4)\n"
    )
    out = c.kubectl("rollout undo deployment/web --to-revision=9")
    assert out == "error: unable to find specified revision 9 in history\n" and out.exit_code == 1


def test_pause_resume_restart_scale(sim):
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(5)
    assert c.kubectl("rollout undo deployment/web").stderr == 'error: no rollout history found for deployment "web"\n'
    c.kubectl("set image deployment/web app=nginx:2")
    c.run(10)
    assert c.kubectl("rollout pause deployment/web") == "deployment.apps/web paused\n"
    assert c.kubectl("rollout pause deployment/web") == "deployment.apps/web already paused\n"
    assert c.kubectl("rollout undo deployment/web").stderr == (
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n"
    )
    assert c.kubectl("rollout resume deployment/web") == "deployment.apps/web resumed\n"
    assert c.kubectl("rollout resume deployment/web") == "deployment.apps/web already resumed\n"
    assert c.kubectl("rollout restart deployment/web") == "deployment.apps/web restarted\n"
    annotations = c.get("deploy", "web")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/restartedAt"] == c.clock.timestamp()
    assert c.kubectl("scale deployment/web --replicas=4") == "deployment.apps/web scaled\n"
    assert c.get("deploy", "web")["spec"]["replicas"] == 4
    assert c.kubectl("scale deployment web").stderr == (
        "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n"
    )
    assert c.kubectl("set image deployment/web nope=x").stderr == 'error: unable to find container named "nope"\n'


def _with_daemonset_and_bare_pod(c) -> None:
    c.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
            "spec": {
                "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                    "spec": {"containers": [{"name": "kube-proxy", "image": "kube-proxy:v1.36.0"}]},
                },
            },
        }
    )
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]}})  # fmt: skip
    c.run(5)


def test_cordon_and_uncordon(sim):
    c = sim.c
    assert c.kubectl("cordon node-1") == "node/node-1 cordoned\n"
    assert c.kubectl("cordon node-1") == "node/node-1 already cordoned\n"
    c.run(1)
    assert "node-1   Ready,SchedulingDisabled" in c.kubectl("get nodes")
    assert c.kubectl("uncordon node-1") == "node/node-1 uncordoned\n"
    assert c.kubectl("uncordon node-1") == "node/node-1 already uncordoned\n"
    assert (
        c.kubectl("cordon").stderr
        == "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n"
    )


def test_drain_refuses_daemonset_pods_without_the_flag(sim):
    c = sim.c
    _with_daemonset_and_bare_pod(c)
    ds_pod = next(p["metadata"]["name"] for p in c.api.pods_on_node("node-2") if p["metadata"]["namespace"] ==
                  "kube-system")  # fmt: skip
    out = c.kubectl("drain node-2")
    msg = f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/{ds_pod}"
    assert str(out) == (
        "node/node-2 cordoned\n"
        f'error: unable to drain node "node-2" due to error: {msg}, continuing command...\n'
        "There are pending nodes to be drained:\n node-2\n"
        f"error: {msg}\n"
    )
    assert out.exit_code == 1


def test_drain_evicts_and_waits(sim):
    c = sim.c
    c.apply(deployment(replicas=3))
    _with_daemonset_and_bare_pod(c)
    web = sorted(p["metadata"]["name"] for p in c.api.pods_on_node("node-1") if p["metadata"]["name"].startswith("web"))
    ds_pod = next(p["metadata"]["name"] for p in c.api.pods_on_node("node-1") if p["metadata"]["namespace"] ==
                  "kube-system")  # fmt: skip
    refused = c.kubectl("drain node-1 --ignore-daemonsets")
    assert "cannot delete Pods that declare no controller (use --force to override): default/bare" in refused
    out = c.kubectl("drain node-1 --ignore-daemonsets --force")
    expected = (
        "node/node-1 already cordoned\n"
        f"Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: "
        f"kube-system/{ds_pod}\n"
        "evicting pod default/bare\n"
        + "".join(f"evicting pod default/{n}\n" for n in web)
        + "pod/bare evicted\n"
        + "".join(f"pod/{n} evicted\n" for n in web)
        + "node/node-1 drained\n"
    )
    assert str(out) == expected and out.exit_code == 0
    assert [p["metadata"]["name"] for p in c.api.pods_on_node("node-1")] == [ds_pod]
    c.run(5)
    assert len([p for p in sim.pods("app=web") if p["status"].get("phase") == "Running"]) == 3


def test_go_duration():
    assert [go_duration(s) for s in (30, 90, 3600, 3661)] == ["30s", "1m30s", "1h0m0s", "1h1m1s"]


def test_rollout_status_timeout_and_help(sim):
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(5)
    c.kubectl("set image deployment/web app=nginx:404")
    t0 = c.now
    out = c.kubectl("rollout status deployment/web --timeout=20s")
    assert out.stderr == "error: timed out waiting for the condition\n" and c.now == t0 + 20
    assert c.kubectl("rollout status deployment/web --timeout=5x").exit_code == 1
    help_text = c.kubectl("rollout")
    assert help_text.exit_code == 0 and "  undo          Undo a previous rollout\n" in help_text
    assert (
        c.kubectl("rollout history daemonset/x").stderr
        == 'Error from server (NotFound): daemonsets.apps "x" not found\n'
    )
