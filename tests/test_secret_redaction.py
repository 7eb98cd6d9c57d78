"""No Secret value leaks: not in kubectl get/describe, events, the graph, pictures, tables or lessons.

What upstream shows and k8slearn must match: ``kubectl describe secret`` prints byte
counts (``password:  20 bytes``), ``kubectl describe pod`` prints
``<set to the key 'password' in secret 'db'>``, kubelet events name keys but never
values. Only ``kubectl get secret -o yaml|json`` shows the (base64-encoded) data, and a
Secret made with ``kubectl apply`` keeps its manifest in the
``kubectl.kubernetes.io/last-applied-configuration`` annotation (kubernetes/kubernetes
#23564) - both real behaviours that lesson 08 teaches, so they are asserted here too.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import k8slearn as kl  # noqa: E402

PASSWORD = "Sup3rS3cret-Value-42"
TOKEN = "tok-9f8e7d6c5b4a"
TLS_KEY = "-----BEGIN PRIVATE KEY-----MIIEvgIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----"
DOCKER = '{"auths":{"registry.example.com":{"auth":"dXNlcjpzM2NyM3QtcmVnaXN0cnk="}}}'
SECRETS = [PASSWORD, TOKEN, TLS_KEY, DOCKER, "s3cr3t-registry"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FORBIDDEN = SECRETS + [b64(s) for s in SECRETS]

MANIFEST = f"""
apiVersion: v1
kind: Secret
metadata: {{name: db}}
stringData: {{password: "{PASSWORD}", username: admin}}
---
apiVersion: v1
kind: Secret
metadata: {{name: api}}
data: {{token: {b64(TOKEN)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: web-tls}}
type: kubernetes.io/tls
data: {{tls.crt: {b64("-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----")}, tls.key: {b64(TLS_KEY)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: regcred}}
type: kubernetes.io/dockerconfigjson
data: {{.dockerconfigjson: {b64(DOCKER)}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: app-config}}
data: {{LOG_LEVEL: debug}}
---
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  imagePullSecrets: [{{name: regcred}}]
  containers:
  - name: web
    image: nginx
    env:
    - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: db, key: password}}}}}}
    - {{name: LOG_LEVEL, valueFrom: {{configMapKeyRef: {{name: app-config, key: LOG_LEVEL}}}}}}
    envFrom: [{{secretRef: {{name: api}}, prefix: API_}}]
    volumeMounts: [{{name: tls, mountPath: /etc/tls}}]
  volumes: [{{name: tls, secret: {{secretName: web-tls}}}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: broken}}
spec:
  containers:
  - name: broken
    image: nginx
    env:
    - {{name: MISSING, valueFrom: {{secretKeyRef: {{name: db, key: nope}}}}}}
"""


def assert_clean(text: str, where: str) -> None:
    for value in FORBIDDEN:
        assert value not in text, f"{where} shows a secret value: {value[:12]}..."


@pytest.fixture(scope="module")
def c():
    cluster = kl.Cluster.demo(nodes=2)
    cluster.apply(MANIFEST)
    cluster.run(30)
    return cluster


@pytest.mark.parametrize(
    "command",
    [
        "get secrets",
        "get secrets -o wide",
        "describe secrets",
        "describe secret db",
        "describe pod web",
        "describe pod broken",
        "get pods -o wide",
        "get pods -o yaml",
        "get pod web -o json",
        "get events",
        "describe configmap app-config",
    ],
)
def test_kubectl_output_never_shows_values(c, command):
    assert_clean(c.kubectl(command), f"kubectl {command}")


def test_describe_secret_shows_byte_counts(c):
    out = c.kubectl("describe secret db")
    assert f"password:  {len(PASSWORD)} bytes" in out
    assert "username:  5 bytes" in out
    assert "Annotations:  <none>" in out  # the last-applied annotation is skipped, as upstream does
    tls = c.kubectl("describe secret web-tls")
    assert "Type:  kubernetes.io/tls" in tls and f"tls.key:  {len(TLS_KEY)} bytes" in tls


def test_describe_pod_names_the_secret_key_not_its_value(c):
    out = c.kubectl("describe pod web")
    assert "DB_PASSWORD:  <set to the key 'password' in secret 'db'>" in out


def test_only_yaml_and_json_of_a_secret_carry_its_data(c):
    """Base64 is an encoding, not encryption: -o yaml shows the data any reader can decode."""
    out = c.kubectl("get secret api -o yaml")
    assert b64(TOKEN) in out
    assert TOKEN not in out
    # kubectl apply keeps the applied manifest, stringData and all (kubernetes/kubernetes#23564)
    applied = c.kubectl("get secret db -o yaml")
    assert PASSWORD in applied and "last-applied-configuration" in applied


def test_events_never_show_values(c):
    frame = c.events()
    assert_clean(frame.to_csv(index=False), "cluster.events()")
    assert_clean(json.dumps(c.api.list("Event"), default=str), "Event objects")
    # a missing key is named, the value of its Secret never is
    assert "Error: couldn't find key nope in Secret default/db" in set(frame["message"])


def test_graph_attributes_never_show_values(c):
    G = c.graph
    for node, data in G.nodes(data=True):
        assert_clean(json.dumps(data, default=str), f"graph node {node}")
    for u, v, data in G.edges(data=True):
        assert_clean(json.dumps(data, default=str), f"graph edge {u}->{v}")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_pictures_never_show_values(c):
    from k8slearn.viz import config, storage

    for draw in (lambda: c.draw(), lambda: config.draw_config(c), lambda: storage.draw_storage(c)):
        ax = draw()
        fig = ax.figure if hasattr(ax, "figure") else ax
        fig.canvas.draw()
        assert_clean(_texts(fig), f"picture {draw}")
        plt.close(fig)


def test_config_table_shows_byte_counts_only(c):
    from k8slearn.viz import config

    frame = config.config_table(c)
    assert_clean(frame.to_csv(index=False), "config_table")
    values = dict(zip(frame["name"], frame["value"]))
    assert values["DB_PASSWORD"] == f"<secret: {len(PASSWORD)} bytes>"
    assert values["API_token"] == f"<secret: {len(TOKEN)} bytes>"
    assert values["/etc/tls/tls.key"] == f"<secret: {len(TLS_KEY)} bytes>"


def test_node_agents_and_reprs_never_show_values(c):
    assert_clean(repr(c), "repr(cluster)")
    for name in c.nodes():
        host = c.node_host(name)
        for part in (host.kubelet, host.runtime, host.cadvisor, host.kube_proxy):
            assert_clean(repr(part), f"repr of {name} {type(part).__name__}")
        for container in getattr(host.runtime, "containers", {}).values():
            assert_clean(repr(container), f"repr of container on {name}")
        assert_clean(json.dumps(c.kubelet(name).get("/pods"), default=str), f"kubelet {name} /pods")
    assert_clean(c.metrics().to_csv(index=False), "cluster.metrics()")
    assert_clean("\n".join(map(repr, c.api.audit)), "audit log")


def test_widget_summaries_never_show_values(c):
    from k8slearn.widgets.autoscaling import LoadSlider

    lab = LoadSlider(c, "kubernetes", hpa="none", step=5)
    assert_clean(lab.summary(), "LoadSlider.summary")


LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "08_config_secrets_storage.ipynb"


@pytest.mark.skipif(not LESSON.exists(), reason="lesson 08 not written yet")
def test_lesson_08_outputs_show_secret_values_only_where_they_decode_on_purpose():
    """The lesson shows a Secret with -o yaml and decodes it, to prove base64 is not encryption; nowhere else."""
    nb = json.loads(LESSON.read_text())
    secret_values = set()
    for cell in nb["cells"]:
        src = "".join(cell.get("source", ""))
        for marker in ("password: ", "PASSWORD="):
            if "kind: Secret" in src and marker in src:
                secret_values.add(src.split(marker, 1)[1].split()[0].strip("\"'"))
    secret_values.discard("")
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        if "b64decode" in src or "base64 -d" in src or ("get secret" in src and "-o yaml" in src):
            continue  # the cells that show the Secret object or decode it, to teach that base64 hides nothing
        text = json.dumps(cell.get("outputs", []))
        for value in secret_values:
            assert value not in text, f"lesson 08 cell shows a secret value: {src[:60]}"
