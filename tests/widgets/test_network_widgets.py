"""The Service lab's plain steps (the widget only wires buttons to them)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "node"))

import _proxy_fixtures as fx  # noqa: E402

from k8slearn.api.objects import pod_is_ready  # noqa: E402
from k8slearn.widgets.network import ServiceLab, set_pod_ready  # noqa: E402


def test_set_pod_ready_writes_the_conditions_the_kubelet_would():
    c = fx.web_cluster(replicas=1)
    name = fx.pods_of(c)[0]["metadata"]["name"]
    pod = set_pod_ready(c, name, False)
    assert not pod_is_ready(pod)
    conds = {x["type"]: x for x in pod["status"]["conditions"]}
    assert conds["ContainersReady"]["status"] == "False" and conds["Ready"]["reason"] == "ContainersNotReady"
    assert pod_is_ready(set_pod_ready(c, name, True))


def test_the_lab_scales_flips_and_switches_and_reports_the_traffic():
    c = fx.web_cluster(replicas=2)
    lab = ServiceLab(c, requests=1000)
    assert lab.scale(4).startswith("scaled web to 4 replicas")
    assert len(lab.pods()) == 4
    victim = lab.pods()[0]
    assert lab.flip(victim) == f"{victim} is now not Ready"
    snap = lab.snapshot()
    assert snap.traffic.set_index("pod").loc[victim, "requests"] == 0
    assert "(not in the rules)" in snap.summary and "--probability 0.3333333333" in snap.rules
    assert lab.switch("ipvs") == "kube-proxy now runs in ipvs mode on every node"
    snap = lab.snapshot()
    assert snap.mode == "ipvs" and snap.rules.startswith("# ipvsadm -Ln")
    assert sorted(snap.traffic["requests"]) == [0, 333, 333, 334]
