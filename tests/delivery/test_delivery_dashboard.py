"""The application dashboard: each environment's state read from its own cluster."""

from __future__ import annotations

import pytest

from k8slearn.delivery import AppDashboard, app_events, app_status, rollout_state
from k8slearn.delivery.demo import demo_fleet, demo_pipeline, web_release


@pytest.fixture(scope="module")
def fleet():
    fleet = demo_fleet(seed=0)
    demo_pipeline(fleet).run(web_release(), approvals={"prod-a": "alice"})
    demo_pipeline(fleet).run(web_release("nginx:1.99"))  # fails in staging
    return fleet


def test_one_row_per_environment_with_image_pods_and_rollout(fleet):
    frame = app_status(fleet, "web")
    assert frame["environment"].tolist() == ["staging", "prod-a", "prod-b"]
    assert frame["image"].tolist() == ["nginx:1.99", "nginx:1.27", "nginx:1.27"]
    assert frame["rollout"].tolist() == ["Failed", "Complete", "Complete"]
    assert frame["ready"].tolist() == ["3/3", "3/3", "3/3"]  # maxUnavailable kept the old pods serving
    staging = frame.iloc[0]
    assert staging["warnings"] > 0
    assert frame.attrs["app"] == "web"


def test_an_app_not_deployed_anywhere(fleet):
    frame = app_status(fleet, "cache")
    assert frame["rollout"].tolist() == ["Not deployed"] * 3


@pytest.mark.parametrize(
    ("status", "conditions", "state"),
    [
        ({"observedGeneration": 1}, [], "Progressing"),
        ({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}, [], "Complete"),
        ({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "availableReplicas": 3},
         [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}], "Failed"),
    ],
    ids=["spec update not observed yet", "all updated and available", "progress deadline exceeded"],
)  # fmt: skip
def test_rollout_state_follows_kubectl_rollout_status(status, conditions, state):
    d = {"metadata": {"name": "web", "generation": 2}, "spec": {"replicas": 3},
         "status": dict(status, conditions=conditions)}  # fmt: skip
    assert rollout_state(d) == state


def test_events_of_the_app_in_one_environment(fleet):
    events = app_events(fleet, "web", "staging", limit=50)
    assert list(events.columns) == ["time", "type", "reason", "object", "message"]
    assert "Failed" in events["reason"].tolist()
    assert any(m.startswith('Failed to pull image "nginx:1.99"') for m in events["message"])
    assert len(app_events(fleet, "web", "staging", limit=3)) == 3


def test_the_widget_refreshes_on_the_run_button_and_the_picker():
    pytest.importorskip("ipywidgets")
    fleet = demo_fleet(seed=1)
    demo_pipeline(fleet).run(web_release(), approvals={"prod-a": "alice"})
    dash = AppDashboard(fleet, "web")
    box = dash.widget()
    view = dash._view
    assert "Complete" in view["table"].value and "staging t=" in view["clock"].value
    before = fleet.clusters["production-b"].now
    view["button"].click()
    assert fleet.clusters["production-b"].now == before + 30
    view["picker"].value = "prod-b"
    assert dash.environment == "prod-b"
    assert "shop/web-" in view["events"].value or "pod/web-" in view["events"].value
    assert len(box.children) == 4
    with pytest.raises(KeyError):
        dash.select("nowhere")
