"""The cluster drawing: both sizes draw, the legend explains them, highlight works, layout is stable."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.patches import FancyBboxPatch, Rectangle

from k8slearn.graph import build_graph
from k8slearn.viz.graph import cluster_layout, draw_cluster
from k8slearn.viz.style import COLORS, POD_COLORS

HIGHLIGHT = to_rgba(COLORS["highlight"])


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def legend_labels(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def highlighted_patches(ax) -> list:
    boxes = (FancyBboxPatch, Rectangle)
    return [
        p
        for p in ax.patches
        if isinstance(p, boxes) and to_rgba(p.get_edgecolor()) == HIGHLIGHT and p.get_linewidth() >= 2
    ]


@pytest.mark.parametrize(
    ("size", "mode"),
    [((3, 12), "detailed"), ((20, 200), "compact"), ((100, 1000), "compact")],
    ids=[
        "3 nodes and 12 pods are drawn in detail",
        "20 nodes and 200 pods are drawn compact",
        "100 nodes and 1,000 pods still draw",
    ],  # fmt: skip
)
def test_clusters_of_every_size_draw_with_a_legend(make_cluster, size, mode):
    nodes, pods = size
    c = make_cluster(nodes=nodes, pods=pods, services=("web", "api", "db"), unscheduled=2)
    ax = draw_cluster(c)
    lay = cluster_layout(build_graph(c))
    assert lay.mode == mode
    assert ax.get_title(loc="left") == f"t = 5 s: {nodes} nodes, {pods + 2} pods"
    labels = legend_labels(ax)
    for label in ("control-plane component", "Node (worker machine)", "Pod Running", "Pod Pending",
                  "Pod CrashLoopBackOff / Failed", "Pod Succeeded", "Pod Terminating", "Service",
                  "watches (to kube-apiserver)"):  # fmt: skip
        assert label in labels
    shown = texts(ax)
    for component in ("etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager"):
        assert component in shown
    if nodes <= 20:
        assert "node-1" in shown and f"node-{nodes}" in shown
        assert "not scheduled yet" in shown
    frames = [f for f in lay.frames if f.kind == "node"]
    assert len(frames) == nodes
    assert sum(len(f.pods) + f.hidden for f in lay.frames) == pods + 2


def test_detailed_drawing_names_agents_and_pods_and_labels_route_shares(make_cluster):
    c = make_cluster(nodes=3, pods=12)
    ax = draw_cluster(c)
    shown = texts(ax)
    assert shown.count("kubelet") == 3 and shown.count("cAdvisor") == 3
    assert "api-1" in shown and "web-10" in shown
    assert "svc/web" in shown and "svc/api" in shown
    assert "1/5" in shown and "1/3" in shown  # web: 5 ready endpoints, api: 3
    assert "routes to (ready endpoint)" in legend_labels(ax)


def test_compact_drawing_tags_services_per_node_instead_of_a_line_per_pod(make_cluster):
    c = make_cluster(nodes=20, pods=200, services=("web", "api", "db"))
    ax = draw_cluster(c)
    tags = [t for t in texts(ax) if t.startswith(("web ", "api ", "db "))]
    assert len(tags) == 60  # one per service per node
    assert "kubelet" not in texts(ax)
    G = build_graph(c)
    routed_web = sum(1 for u, v, rel in G.edges(data="relation") if u == "Service/default/web" and rel == "routes-to")
    assert any(t.endswith(f"{routed_web} endpoints") for t in texts(ax))


@pytest.mark.parametrize(
    "target",
    ["kube-scheduler", "kubelet/node-2", "Node/node-3", "Service/default/web"],
    ids=["a control-plane component", "a node agent", "a node frame", "a service"],
)
def test_highlight_draws_the_target_with_an_orange_outline(make_cluster, target):
    c = make_cluster(nodes=3, pods=12)
    plain = draw_cluster(c)
    assert not highlighted_patches(plain)
    ax = draw_cluster(c, highlight=target)
    marked = highlighted_patches(ax)
    assert len(marked) == 1
    lay = cluster_layout(build_graph(c), highlight=[target])
    x, y, w, h = lay.boxes[target]
    patch = marked[0]
    if isinstance(patch, Rectangle):
        assert patch.get_xy() == pytest.approx((x, y)) and patch.get_width() == pytest.approx(w)
    else:
        assert isinstance(patch, FancyBboxPatch)
        assert (patch.get_x(), patch.get_y(), patch.get_width()) == pytest.approx((x, y, w))
    assert "highlighted" in legend_labels(ax)


def test_highlight_rings_a_pod_and_keeps_it_visible_when_its_node_folds_pods(make_cluster):
    c = make_cluster(nodes=2, pods=40, services=("web",))
    pod = "Pod/default/web-39"  # the last pod of node-2: folded away by the cap
    G = build_graph(c)
    assert pod not in cluster_layout(G, max_pods_per_node=5).positions
    lay = cluster_layout(G, max_pods_per_node=5, highlight=[pod])
    assert pod in lay.positions
    ax = draw_cluster(c, max_pods_per_node=5, highlight=pod)
    rings = [col for col in ax.collections if getattr(col, "get_offsets", None) is not None
             and len(col.get_edgecolors()) and to_hex(col.get_edgecolors()[0]) == COLORS["highlight"]]  # fmt: skip
    assert len(rings) == 1
    assert tuple(rings[0].get_offsets()[0]) == pytest.approx(lay.positions[pod])


def test_pods_past_the_cap_fold_into_a_plus_n_tile(make_cluster):
    c = make_cluster(nodes=2, pods=40, services=("web",))
    lay = cluster_layout(build_graph(c), max_pods_per_node=5)
    for frame in lay.frames:
        assert len(frame.pods) == 4 and frame.hidden == 16
        assert sum(frame.hidden_status.values()) == 16
    ax = draw_cluster(c, max_pods_per_node=5)
    assert texts(ax).count("+16") == 2


def test_nodes_past_max_nodes_fold_into_one_tile_with_a_summary(make_cluster):
    c = make_cluster(nodes=12, pods=24, services=("web",), terminating=0)
    lay = cluster_layout(build_graph(c), max_nodes=5)
    assert [f.kind for f in lay.frames] == ["node"] * 4 + ["more"]
    assert lay.hidden_nodes == 8
    ax = draw_cluster(c, max_nodes=5)
    assert any(t.startswith("+8 more nodes not drawn, with 16 pods") for t in texts(ax))


def test_services_past_one_row_fold_into_a_plus_n_box(make_cluster):
    c = make_cluster(nodes=2, pods=30, services=tuple(f"svc{i}" for i in range(15)), terminating=0)
    lay = cluster_layout(build_graph(c))
    assert lay.hidden_bottom > 0
    assert len(lay.bottom) + lay.hidden_bottom == 15
    ax = draw_cluster(c)
    assert f"+{lay.hidden_bottom} more Services" in texts(ax)


def test_pod_colours_follow_the_palette_and_terminating_is_hatched(make_cluster):
    c = make_cluster(nodes=3, pods=12)
    ax = draw_cluster(c)
    faces = {to_hex(col.get_facecolors()[0]) for col in ax.collections if hasattr(col, "get_offsets")
             and len(col.get_facecolors())}  # fmt: skip
    for status in ("Running", "Pending", "CrashLoopBackOff", "Succeeded", "Terminating"):
        assert POD_COLORS[status] in faces
    hatched = [col for col in ax.collections if col.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_offsets()) == 1


def test_layout_is_deterministic(make_cluster):
    a = cluster_layout(build_graph(make_cluster(nodes=20, pods=200)))
    b = cluster_layout(build_graph(make_cluster(nodes=20, pods=200)))
    assert a.positions == b.positions
    assert a.boxes == b.boxes
    ax1, ax2 = draw_cluster(make_cluster()), draw_cluster(make_cluster())
    assert [(t.get_position(), t.get_text()) for t in ax1.texts] == [
        (t.get_position(), t.get_text()) for t in ax2.texts
    ]


def test_layers_control_plane_above_machines_above_services(make_cluster):
    lay = cluster_layout(build_graph(make_cluster(nodes=3, pods=12)))
    api_y = lay.boxes["kube-apiserver"][1]
    for frame in lay.frames:
        x, y, w, h = frame.box
        assert y + h < api_y
        assert y > lay.boxes["Service/default/web"][1] + lay.boxes["Service/default/web"][3]
        for p in frame.pods:
            px, py = lay.positions[p]
            assert x < px < x + w and y < py < y + h
        for ax0, ay0, aw, ah in frame.agents.values():
            assert x <= ax0 and ax0 + aw <= x + w and y <= ay0 and ay0 + ah <= y + h


def test_draw_into_a_given_axes_and_through_cluster_draw(make_cluster):
    c = make_cluster(nodes=3, pods=6)
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 5))
    assert draw_cluster(c, ax=left, title="before") is left
    assert left.get_title(loc="left") == "before"
    ax = c.draw(ax=right, highlight="etcd", legend=False)
    assert ax is right and right.get_legend() is None


def test_show_agents_false_hides_agents_and_their_watch_lines(make_cluster):
    c = make_cluster(nodes=3, pods=6)
    ax = draw_cluster(c, show_agents=False)
    assert "kubelet" not in texts(ax)
    assert not [p for p in ax.patches if isinstance(p, Rectangle) and to_hex(p.get_facecolor()) == COLORS["agent"]]


def test_show_workloads_places_deployments_and_their_replicasets(make_cluster):
    c = make_cluster(nodes=2, pods=2, services=("web",), terminating=0)
    deploy = c.api.create(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    )  # fmt: skip
    c.api.create(
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "web-abc", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                                              "name": "web", "uid": deploy["metadata"]["uid"],
                                                              "controller": True}]},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": deploy["spec"]["template"]}}
    )  # fmt: skip
    lay = cluster_layout(build_graph(c), show_workloads=True)
    assert lay.bottom == ["Service/default/web", "Deployment/default/web", "ReplicaSet/default/web-abc"]
    ax = draw_cluster(c, show_workloads=True)
    assert {"deploy/web", "rs/web-abc"} <= set(texts(ax))
    assert "owns" in legend_labels(ax)
