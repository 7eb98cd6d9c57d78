"""The load slider's logic (lesson 09): set the load, run the clock, report the HPA's state."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import k8slearn as kl  # noqa: E402
from k8slearn.widgets.autoscaling import LoadSlider  # noqa: E402

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {k8slearn.io/cpu-per-request: "2m"}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{containerPort: 80}], resources: {requests: {cpu: 200m}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""


def test_slider_steps_the_clock_and_replicas_follow_the_load():
    c = kl.Cluster.demo(nodes=3)
    c.apply(APP)
    c.run(60)
    lab = LoadSlider(c, "web", step=60)
    first = lab.apply(50)
    assert first.startswith("t=125s | load 50 rps | replicas 1 (1 ready) | cpu ")
    for _ in range(2):
        lab.apply(400)
    row = lab.history.rows[-1]
    # 400 rps x 2m = 800m against 50 % of 200m per pod: ceil(800 / 100) = 8, and the +-4 %
    # jitter cAdvisor puts on CPU readings can push one recommendation to ceil(8.3) = 9
    assert row["rps"] == 400 and row["replicas"] in (8, 9) and row["ready"] == row["replicas"]
    summary = lab.summary()
    assert summary.startswith(f"t=245s | load 400 rps | replicas {row['replicas']} ({row['ready']} ready) | cpu ")
    # 400 rps x 2m spread over 8 or 9 pods of 200m: about 50 % or 44 % (cAdvisor noise aside)
    assert 40 <= int(re.search(r"cpu (\d+)%/50%$", summary).group(1)) <= 55
    assert len(lab.history.frame()) == 1 + 3 * 12


def test_widget_is_built_from_the_same_logic():
    c = kl.Cluster.demo(nodes=1)
    c.apply(APP)
    lab = LoadSlider(c, "web", step=30, max_rps=800)
    box = lab.widget()
    slider, button = box.children[0].children
    assert (slider.min, slider.max, slider.step) == (0, 800, 20)
    assert button.description == "Run 30 s"
    slider.value = 200
    button.click()
    assert lab.rps == 200 and box.children[1].value == lab.summary()
