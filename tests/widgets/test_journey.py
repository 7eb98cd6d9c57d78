"""A pod's journey (lesson 00): the steps come from the audit log, the clock trace and the events.

The order of hand-overs is the one every Kubernetes cluster shows for a Deployment behind a
Service: kube-apiserver stores it in etcd, the deployment controller creates a ReplicaSet, the
replicaset controller a Pod, kube-scheduler binds it (Binding subresource), the node's kubelet
starts it through the container runtime and reports it Ready, the endpointslice controller adds it
to the Service's EndpointSlice, and every kube-proxy rewrites its rules.
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.widgets.journey import (
    JourneyWidget,
    Step,
    audit_line,
    draw_journey,
    journey_steps,
    record_journey,
    steps_from_record,
    steps_text,
)

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""

SOLO = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "solo"},
    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
}

FULL_LANES = [
    "kube-apiserver",
    "etcd",
    "kube-controller-manager",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "container-runtime",
    "container-runtime",
    "kubelet",
    "kube-controller-manager",
    "kube-proxy",
]


@pytest.fixture(scope="module")
def journey() -> tuple[kl.Cluster, list[Step]]:
    c = kl.Cluster.demo(nodes=3, seed=0)
    return c, journey_steps(c, WEB)


def test_a_deployment_behind_a_service_takes_eleven_hand_overs_in_the_upstream_order(journey):
    _, steps = journey
    assert [s.lane for s in steps] == FULL_LANES
    assert [s.number for s in steps] == list(range(1, 12))
    assert [s.component for s in steps[2:5]] == [
        "kube-controller-manager/deployment-controller",
        "kube-controller-manager/replicaset-controller",
        "kube-scheduler",
    ]
    assert steps[-1].component == "kube-proxy (every node)"
    times = [s.time for s in steps]
    assert times == sorted(times)


def test_every_step_shows_its_evidence_with_upstream_wording(journey):
    c, steps = journey
    by_lane = {s.title: s for s in steps}
    pod = steps[3].object.split("/")[-1]
    node = c.get("pod", pod)["spec"]["nodeName"]
    apply = steps[0]
    created_at = c.etcd.get("/registry/deployments/default/web").create_revision
    assert apply.evidence[0] == f"audit t=5 s: kubectl create deployments/web -n default (resourceVersion {created_at})"
    assert steps[1].evidence[0] == f"etcd: /registry/deployments/default/web mod_revision {created_at}"
    assert apply.evidence[1].startswith("audit t=5 s: kubectl create services/web -n default")
    assert steps[1].evidence[0].startswith("etcd: /registry/deployments/default/web mod_revision ")
    assert steps[1].evidence[1].startswith("etcd: /registry/services/specs/default/web mod_revision ")
    # deployment controller: "Scaled up replica set %s from %d to %d" (pkg/controller/deployment/sync.go)
    assert steps[2].evidence[1].endswith("from 0 to 2")
    # replicaset controller: "Created pod: %v" (pkg/controller/controller_utils.go)
    assert steps[3].evidence[1].endswith(f"Created pod: {pod}")
    # scheduler: "Successfully assigned %v/%v to %v" (pkg/scheduler/schedule_one.go)
    assert steps[4].evidence[1].endswith(f"Successfully assigned default/{pod} to {node}")
    assert "create binding" in steps[4].evidence[0]
    assert by_lane[f"the kubelet on {node} takes the pod"].component == f"kubelet/{node}"
    # kubelet image manager: Pulling image "%s" (pkg/kubelet/images/image_manager.go)
    assert steps[6].evidence == (f'event t=6 s: Normal Pulling pod/{pod}: Pulling image "nginx:1.27"',)
    reasons = [line.split()[4] for line in steps[7].evidence]
    assert reasons == ["Pulled", "Created", "Started"]
    assert any(line.split()[3] == "kube-controller-manager/endpointslice-controller" for line in steps[9].evidence)
    assert any("endpoint-controller update endpoints/web" in line for line in steps[9].evidence)
    assert [line.split()[-1] for line in steps[10].evidence[:3]] == ["sync"] * 3
    ip = c.get("pod", pod)["status"]["podIP"]
    # iptables proxier: a KUBE-SVC rule per endpoint, commented "<ns>/<svc> -> <ip>:<port>" (pkg/proxy/iptables)
    assert steps[10].evidence[3].startswith("rules on node-")
    assert f'--comment "default/web -> {ip}:80"' in steps[10].evidence[3]


def test_each_step_carries_the_cluster_graph_of_its_moment(journey):
    _, steps = journey
    pod_id = steps[3].object
    for s in steps:
        assert s.graph is not None
        assert all(h in s.graph for h in s.highlight), s.title
    assert steps[0].graph.nodes.get(pod_id) is None  # nothing runs yet after the apply
    assert steps[3].graph.nodes[pod_id]["node"] == ""  # created, not bound
    assert steps[4].graph.nodes[pod_id]["node"] != ""  # bound
    assert steps[5].graph.nodes[pod_id]["status"] in ("Pending", "ContainerCreating")
    assert not steps[7].graph.nodes[pod_id]["ready"]  # started, not yet reported
    assert steps[8].graph.nodes[pod_id]["ready"]
    svc = steps[10].object
    assert steps[10].graph.has_edge(svc, pod_id, key="routes-to")


def test_recording_leaves_the_clock_hooks_as_it_found_them():
    c = kl.Cluster.demo(nodes=1, seed=3)
    before = list(c.clock.hooks)
    rec = record_journey(c, SOLO)
    assert c.clock.hooks == before
    assert rec.complete
    assert rec.trace and all(t.time >= rec.start for t in rec.trace)


def test_the_same_seed_gives_the_same_journey():
    a = journey_steps(kl.Cluster.demo(nodes=3, seed=0), WEB)
    b = journey_steps(kl.Cluster.demo(nodes=3, seed=0), WEB)
    assert steps_text(a) == steps_text(b)
    assert a == b  # graphs are left out of the comparison


def test_a_bare_pod_skips_the_controllers_and_without_a_service_ends_when_ready():
    steps = journey_steps(kl.Cluster.demo(nodes=2, seed=0), SOLO)
    assert [s.lane for s in steps] == [
        "kube-apiserver",
        "etcd",
        "kube-scheduler",
        "kubelet",
        "container-runtime",
        "container-runtime",
        "kubelet",
    ]


def test_an_image_already_on_the_node_has_no_pull_step():
    c = kl.Cluster.demo(nodes=1, seed=0)
    journey_steps(c, SOLO)
    second = dict(SOLO, metadata={"name": "again"})
    steps = journey_steps(c, second)
    assert "the container runtime pulls the image" not in [s.title for s in steps]
    start = next(s for s in steps if s.title == "the container runtime starts the containers")
    assert start.evidence[0].endswith('Container image "nginx:1.27" already present on machine and can be accessed by '
                                      "the pod")  # fmt: skip


def test_a_pod_that_cannot_be_scheduled_ends_the_journey_at_the_timeout():
    c = kl.Cluster.demo(nodes=1, seed=0)
    big = dict(SOLO, spec={"containers": [{"name": "app", "image": "nginx:1.27",
                                           "resources": {"requests": {"cpu": "64"}}}]})  # fmt: skip
    rec = record_journey(c, big, timeout=30)
    assert not rec.complete
    assert [s.lane for s in steps_from_record(rec)] == ["kube-apiserver", "etcd"]


def test_without_snapshots_the_steps_have_no_graph():
    rec = record_journey(kl.Cluster.demo(nodes=1, seed=0), SOLO, snapshots=False)
    steps = steps_from_record(rec)
    assert steps and all(s.graph is None for s in steps)


def test_steps_text_numbers_and_indents_the_evidence(journey):
    _, steps = journey
    lines = steps_text(steps).splitlines()
    assert lines[0] == " 1  t=5    s  kube-apiserver: kube-apiserver accepts the manifest"
    assert lines[1].startswith("        audit t=5 s: kubectl create deployments/web")
    assert len(steps_text(steps, evidence=False).splitlines()) == 11


def test_audit_line_names_user_verb_resource_and_version():
    from k8slearn.controlplane.apiserver import AuditEntry

    line = audit_line(AuditEntry(7.910904, "kubelet/node-2", "update", "Pod", "default", "web-1", 81))
    assert line == "audit t=7.91 s: kubelet/node-2 update pods/web-1 -n default (resourceVersion 81)"
    assert audit_line(AuditEntry(5, "kube-apiserver", "create", "Namespace", "", "team", 2)).endswith(
        "create namespaces/team (resourceVersion 2)"
    )


def test_the_widget_steps_forward_and_back_and_clamps_at_the_ends(journey):
    _, steps = journey
    j = JourneyWidget(steps)
    assert j.back() == 0
    assert j.next() == 1 and j.next() == 2
    assert j.go(99) == 10 and j.next() == 10
    assert j.caption().splitlines()[0] == "Step 11 of 11 · t = 7.91 s · kube-proxy (every node)"
    with pytest.raises(ValueError, match="no steps"):
        JourneyWidget([])


def test_the_widget_view_follows_the_buttons(journey):
    pytest.importorskip("ipywidgets")
    _, steps = journey
    j = JourneyWidget(steps)
    box = j.widget()
    view = j._view
    assert view["back"].disabled and not view["next"].disabled
    first = view["image"].value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Step 1 of 11" in view["caption"].value and "kube-apiserver accepts the manifest" in view["caption"].value
    view["next"].click()
    assert j.index == 1
    assert "Step 2 of 11" in view["position"].value
    assert "etcd stores the desired state" in view["caption"].value
    assert view["image"].value != first
    view["back"].click()
    assert j.index == 0 and view["image"].value == first
    assert len(box.children) == 3


def test_draw_journey_puts_each_step_in_its_lane(journey):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, steps = journey
    ax = draw_journey(steps)
    assert ax.get_title(loc="left").startswith("A pod's journey: 11 steps, 2.91 virtual seconds")
    labels = [t.get_text() for t in ax.texts]
    assert "kube-proxy" in labels and "container runtime" in labels
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "t=7.91"
    plt.close(ax.figure)
