"""Pictures of lessons 08/09: storage chain, config provenance, autoscaling history."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import k8slearn as kl  # noqa: E402
from k8slearn.viz import autoscaling, config, storage  # noqa: E402

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {LOG_LEVEL: debug, app.properties: "color=blue"}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: hunter2-xyz}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: nginx
    env:
    - {name: LOG_LEVEL, valueFrom: {configMapKeyRef: {name: app-config, key: LOG_LEVEL}}}
    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
    - {name: FEATURE, valueFrom: {configMapKeyRef: {name: flags, key: beta, optional: true}}}
    volumeMounts: [{name: cfg, mountPath: /etc/app}, {name: creds, mountPath: /etc/creds}]
  volumes:
  - {name: cfg, configMap: {name: app-config}}
  - {name: creds, secret: {secretName: db}}
---
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers: [{name: plain, image: nginx, env: [{name: MODE, value: x}]}]
"""


@pytest.fixture(scope="module")
def configured():
    c = kl.Cluster.demo(nodes=1)
    c.apply(CONFIG)
    c.run(5)
    return c


def test_config_table_traces_every_value_to_its_source(configured):
    frame = config.config_table(configured)
    rows = {(r.via, r.name): (r.source, r.key, r.value) for r in frame.itertuples(index=False)}
    assert rows[("env", "LOG_LEVEL")] == ("ConfigMap/app-config", "LOG_LEVEL", "debug")
    assert rows[("env", "DB_PASSWORD")] == ("Secret/db", "password", "<secret: 11 bytes>")
    assert rows[("env", "FEATURE")] == ("ConfigMap/flags", "beta", "<missing, optional>")
    assert rows[("volume", "/etc/app/app.properties")] == ("ConfigMap/app-config", "app.properties", "color=blue")
    assert rows[("volume", "/etc/creds/password")] == ("Secret/db", "password", "<secret: 11 bytes>")
    assert set(frame["pod"]) == {"web"}  # pods that use no ConfigMap or Secret are left out


def test_draw_config_and_storage_return_axes(configured):
    ax = config.draw_config(configured)
    assert ax.get_title(loc="left").startswith("Which pod gets which value")
    plt.close(ax.figure)
    ax = storage.draw_storage(configured)
    assert ax.get_title(loc="left").startswith("Who uses which storage")
    plt.close(ax.figure)


def test_storage_tables():
    c = kl.Cluster.demo(nodes=1)
    c.apply(
        """
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: manual
  hostPath: {path: /mnt/1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
"""
    )
    c.run(2)
    (row,) = storage.storage_table(c).to_dict("records")
    assert row == {
        "namespace": "default", "claim": "data", "status": "Bound", "volume": "pv-1", "capacity": "5Gi",
        "access_modes": "RWO,ROX", "storageclass": "manual", "pods": "", "node": "",
    }  # fmt: skip
    (pv,) = storage.volume_table(c).to_dict("records")
    assert (pv["status"], pv["claim"], pv["reclaim_policy"]) == ("Bound", "default/data", "Retain")


def test_autoscaling_history_and_plot():
    c = kl.Cluster.demo(nodes=1)
    history = autoscaling.AutoscalingHistory(c, "web")
    frame = history.run(20, every=5)
    assert list(frame["time"]) == [c.now - 20 + 5 * i for i in range(5)]
    assert frame["replicas"].eq(0).all()
    fig = autoscaling.plot_autoscaling(history)
    assert len(fig.axes) == 3
    plt.close(fig)
