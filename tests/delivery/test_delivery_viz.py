"""Delivery pictures: pipeline boxes by state, the policy-layer grid, dashboard cards."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from k8slearn.delivery import app_status  # noqa: E402
from k8slearn.delivery.demo import CACHE_CPU_EXCEPTION, demo_fleet, demo_pipeline, demo_policy, web_release  # noqa: E402
from k8slearn.viz import delivery as vd  # noqa: E402


@pytest.fixture(scope="module")
def fleet():
    return demo_fleet(seed=0)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_the_pipeline_picture_colours_each_stage_by_its_state(fleet):
    run = demo_pipeline(fleet, demo_policy()).run(web_release(), approvals={"prod-a": "alice"})
    ax = vd.draw_pipeline(run)
    assert ax.get_title(loc="left") == "Pipeline of web@nginx:1.27: Blocked"
    texts = _texts(ax)
    assert "Blocked by policy" in texts and "Succeeded" in texts and "Not started" in texts
    assert "policy: 1 violation" in texts
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    assert hatched[0].get_facecolor()[:3] == matplotlib.colors.to_rgb(vd.STATE_COLORS["Blocked"])
    assert any(t.startswith("prod-a: Error from policy (Forbidden)") for t in texts)
    plt.close(ax.figure)


def test_a_pipeline_that_has_not_run_is_all_grey(fleet):
    ax = vd.draw_pipeline(demo_pipeline(fleet))
    assert _texts(ax).count("Not started") == 3
    assert ax.get_title(loc="left") == "Pipeline"
    plt.close(ax.figure)


def test_the_layer_grid_shows_the_deciding_layer_and_the_exception():
    policy = demo_policy().with_exception(CACHE_CPU_EXCEPTION)
    ax = vd.draw_policy_layers(policy, "cache", "prod-b", "production-b")
    texts = _texts(ax)
    for label in ("global", "cluster production-b", "environment prod-b", "application cache", "exceptions"):
        assert label in texts
    assert "from application cache" in texts and "from cluster production-b" in texts
    assert "waive limits.cpu" in texts
    plt.close(ax.figure)


def test_the_dashboard_has_a_card_per_environment(fleet):
    demo_pipeline(fleet).run(web_release(), approvals={"prod-a": "alice"})
    frame = app_status(fleet, "web")
    ax = vd.draw_dashboard(frame)
    texts = _texts(ax)
    assert ax.get_title(loc="left") == "web across the fleet"
    assert [t for t in texts if t in ("staging", "prod-a", "prod-b")] == ["staging", "prod-a", "prod-b"]
    assert texts.count("Complete") == 3
    plt.close(ax.figure)


def test_the_fleet_picture_has_a_frame_per_cluster_and_a_dot_per_pod():
    fleet = demo_fleet(seed=3)
    ax = vd.draw_fleet(fleet)
    texts = _texts(ax)
    assert ax.get_title(loc="left") == "The fleet: 3 clusters, 8 nodes, 3 environments"
    assert [t for t in texts if t.startswith("cluster ")] == ["cluster staging", "cluster production-a",
                                                             "cluster production-b"]  # fmt: skip
    assert texts.count("production") == 2
    assert ax.get_legend() is None  # no pods yet
    plt.close(ax.figure)
    demo_pipeline(fleet).run(web_release(), approvals={"prod-a": "alice"})
    ax = vd.draw_fleet(fleet)
    dots = [p for p in ax.patches if type(p).__name__ == "Circle"]
    assert len(dots) == 9  # three web pods in each environment
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Pod Running"]
    plt.close(ax.figure)
