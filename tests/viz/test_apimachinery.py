"""API machinery pictures and tables: pipeline, etcd revisions, history window, watches, audit log."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError
from k8slearn.viz import apimachinery as am

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
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


@pytest.fixture(scope="module")
def cluster() -> kl.Cluster:
    c = kl.Cluster.demo(nodes=2, seed=3)
    c.start_revision = c.api.revision
    c.apply(WEB)
    c.run(20)
    return c


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize(
    ("error", "stage"),
    [
        (ApiError.invalid("Deployment.apps", "web", []), "validation"),
        (ApiError.conflict("deployments.apps", "web"), "etcd"),
        (ApiError.already_exists("pods", "web"), "etcd"),
        (ApiError.bad_request("Object 'Kind' is missing"), "decode"),
        (ApiError.expired("too old resource version: 1 (5)"), "watch"),
    ],
    ids=[
        "422 Invalid is validation",
        "409 Conflict is the etcd write",
        "409 AlreadyExists is the etcd write",
        "400 BadRequest is decoding",
        "410 Expired is the watch",
    ],  # fmt: skip
)
def test_stage_of_maps_errors_to_the_pipeline_stage_that_answers_them(error, stage):
    assert am.stage_of(error) == stage


def test_the_pipeline_marks_where_a_refused_request_stopped():
    ax = am.draw_request_pipeline(ApiError.conflict("deployments.apps", "web"))
    assert "✖ 409 Conflict" in texts(ax)
    assert ax.get_title(loc="left") == "The request stopped at etcd write: nothing was written to etcd"
    plain = am.draw_request_pipeline()
    assert not [t for t in texts(plain) if t.startswith("✖")]
    assert [label for _, label, _ in am.PIPELINE] == [t for t in texts(plain) if t in {s[1] for s in am.PIPELINE}]


def test_revision_frame_lists_each_write_with_its_writer(cluster):
    frame = am.revision_frame(cluster, since=cluster.start_revision)
    first = frame.iloc[0]
    assert (first["key"], first["op"], first["writer"], first["version"]) == (
        "/registry/deployments/default/web", "created", "kubectl", 1
    )  # fmt: skip
    assert frame["revision"].is_monotonic_increasing
    assert not frame["key"].str.startswith(("/registry/leases/", "/registry/events/")).any()
    pods = frame[frame["key"].str.startswith("/registry/pods/")]
    assert set(pods[pods["op"] == "created"]["writer"]) == {"kube-controller-manager/replicaset-controller"}
    # the resourceVersion of an object is the revision of its last write
    web = cluster.get("deployment", "web")
    last = frame[frame["key"] == "/registry/deployments/default/web"]["revision"].iloc[-1]
    assert web["metadata"]["resourceVersion"] == str(last)


def test_draw_revisions_puts_one_row_per_key(cluster):
    ax = am.draw_revisions(cluster, since=cluster.start_revision, max_keys=4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "deployments/default/web"
    assert len(labels) == 4
    chosen = am.draw_revisions(cluster, keys=["/registry/minions/node-1"])
    assert [t.get_text() for t in chosen.get_yticklabels()] == ["minions/node-1"]


def test_draw_history_window_says_410_for_a_compacted_start():
    c = kl.Cluster.demo(nodes=1, seed=0)
    c.etcd.compact(c.api.revision - 3)
    ax = am.draw_history_window(c, asked=2)
    assert any(f"410 Expired: too old resource version: 2 ({c.etcd.compact_revision})" in t for t in texts(ax))
    ok = am.draw_history_window(c, asked=c.api.revision - 1)
    assert any("replays every change after it" in t for t in texts(ok))


def test_watch_frame_adds_kubectl_status_to_each_event(cluster):
    w = cluster.watch("pods")
    cluster.apply(WEB.replace("replicas: 2", "replicas: 1"))
    cluster.run(40)
    frame = am.watch_frame(w)
    assert list(frame.columns) == ["type", "kind", "name", "resourceVersion", "status", "node"]
    assert frame.iloc[0]["status"] == "Terminating" and frame.iloc[0]["type"] == "MODIFIED"
    assert frame.iloc[-1]["type"] == "DELETED"
    cluster.apply(WEB)
    cluster.run(20)


def test_watch_frame_shows_the_410_status_of_an_expired_watch():
    c = kl.Cluster.demo(nodes=1, seed=0)
    c.etcd.compact(c.api.revision - 1)
    frame = am.watch_frame(c.watch("pods", resource_version=1))
    assert frame.to_dict("records") == [
        {"type": "ERROR", "kind": "Status", "name": "", "resourceVersion": "", "status": "410 Expired", "node": ""}
    ]


def test_watch_table_matches_the_api_servers_watchers(cluster):
    table = am.watch_table(cluster)
    owners = cluster.api.watchers()
    by_component: dict[str, set[str]] = {}
    for owner, _kind in owners:
        head = owner.split("/", 1)[0]
        comp = head if head in ("kube-controller-manager", "cloud-controller-manager") else owner
        by_component.setdefault(comp, set()).add(_kind)
    assert set(table["component"]) == set(by_component)
    row = table[table["component"] == "kubelet/node-1"].iloc[0]
    assert (row["kind"], row["resources"]) == ("NodeAgent", "pods")
    kcm = table[table["component"] == "kube-controller-manager"].iloc[0]
    assert kcm["controllers"] == len({o for o, _ in owners if o.startswith("kube-controller-manager/")})
    assert table["kind"].tolist() == sorted(table["kind"].tolist(), key=["ControlPlaneComponent", "Client",
                                                                          "NodeAgent"].index)  # fmt: skip


def test_draw_watches_has_one_arrow_per_component_and_only_the_api_server_reaches_etcd(cluster):
    from matplotlib.patches import FancyArrowPatch

    ax = am.draw_watches(cluster)
    table = am.watch_table(cluster)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(table) + 1  # + kube-apiserver -> etcd
    shown = texts(ax)
    assert "kube-apiserver" in shown and "etcd" in shown and "the only client of etcd" in shown
    assert "kubelet/node-2" in shown


def test_audit_frame_filters_who_wrote_what(cluster):
    pod = cluster.list("pods", selector="app=web")[0]["metadata"]["name"]
    log = am.audit_frame(cluster, name=pod, kinds=["Pod"])
    assert log["verb"].tolist()[:2] == ["create", "create binding"]
    assert log["user"].tolist()[:2] == ["kube-controller-manager/replicaset-controller", "kube-scheduler"]
    assert log["user"].iloc[2].startswith("kubelet/")
    controllers = am.audit_frame(cluster, users=["kube-controller-manager"])
    assert controllers["user"].str.startswith("kube-controller-manager/").all()
    assert len(am.audit_frame(cluster, last=3)) == 3


def test_draw_audit_has_a_bar_per_writer(cluster):
    ax = am.draw_audit(cluster)
    writers = [t.get_text() for t in ax.get_yticklabels()]
    assert "kubectl" in writers and "kube-scheduler" in writers and "kubelet/*" in writers
    assert not [w for w in writers if w.startswith("kubelet/node")]


def test_object_anatomy_says_who_sets_each_field(cluster):
    table = am.object_anatomy(cluster.get("deployment", "web"))
    rows = dict(zip(table["field"], table["set by"]))
    assert rows["spec"].startswith("you: the desired state")
    assert rows["status"].startswith("the controller")
    assert rows["metadata.resourceVersion"] == "kube-apiserver, on every write: the etcd revision"
    assert table["field"].tolist()[:3] == ["apiVersion", "kind", "metadata.name"]
