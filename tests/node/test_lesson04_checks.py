"""The self-checks of lesson 04 accept right answers and give hints for wrong ones."""

from __future__ import annotations

import k8slearn as kl
from k8slearn.check import lesson04

OOM = """
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  containers:
  - name: hog
    image: polinux/stress
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
    resources: {limits: {memory: 100Mi}}
"""

SLOW_READY = """
apiVersion: v1
kind: Pod
metadata:
  name: slow
  annotations: {k8slearn.io/ready-after: "30"}
spec:
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
"""


def test_ex1_wants_80_seconds():
    assert lesson04.ex1(80).ok
    assert not lesson04.ex1(160).ok and "first restart" in lesson04.ex1(160).message
    assert not lesson04.ex1("80").ok


def test_ex2_runs_the_manifest_and_looks_for_oom_killed():
    assert lesson04.ex2(OOM).ok
    no_limit = OOM.replace("    resources: {limits: {memory: 100Mi}}\n", "")
    assert "limits.memory" in lesson04.ex2(no_limit).message
    enough = OOM.replace("250M", "20M")
    assert not lesson04.ex2(enough).ok


def test_ex3_wants_late_readiness_without_restarts():
    assert lesson04.ex3(SLOW_READY).ok
    assert "readinessProbe" in lesson04.ex3(SLOW_READY.replace("    readinessProbe: {httpGet: {path: /, port: 80}, "
                                                                "periodSeconds: 5}\n", "")).message  # fmt: skip
    early = SLOW_READY.replace('"30"', '"5"')
    assert "already Ready" in lesson04.ex3(early).message


def test_ex4_compares_with_the_pod_ip():
    c = kl.Cluster.demo(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})  # fmt: skip
    c.run(10)
    ip = c.kubelet("node-1").get("/pods")["items"][0]["status"]["podIP"]
    assert lesson04.ex4(ip, c).ok
    assert "hostIP" in lesson04.ex4("192.168.0.10", c).message
    assert not lesson04.ex4(None, c).ok
