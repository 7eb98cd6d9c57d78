"""ServiceAccounts: the serviceaccount controller, the root CA publisher and the token volume.

Upstream: ``pkg/controller/serviceaccount`` (a ``default`` ServiceAccount in every
namespace), ``pkg/controller/certificates/rootcacertpublisher`` (``kube-root-ca.crt`` in
every namespace) and ``plugin/pkg/admission/serviceaccount`` (``TokenVolumeSource``, the
``kube-api-access-*`` projected volume, and the 403 for a ServiceAccount that does not exist).
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError
from k8slearn.controlplane.controllers.rootcacertpublisher import DESCRIPTION, ca_bundle

MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def pod(name: str, namespace: str = "default", **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}  # fmt: skip


@pytest.fixture
def c() -> kl.Cluster:
    cluster = kl.Cluster(seed=3)
    cluster.run(1)
    return cluster


def test_every_namespace_gets_a_default_service_account_and_the_root_ca(c):
    for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
        assert c.api.get("ServiceAccount", "default", ns)
        cm = c.api.get("ConfigMap", "kube-root-ca.crt", ns)
        assert cm["data"] == {"ca.crt": ca_bundle(3)}
        assert cm["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}
    assert ca_bundle(3).startswith("-----BEGIN CERTIFICATE-----\n") and ca_bundle(3) != ca_bundle(4)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    c.run(0.1)
    assert c.kubectl("get sa -n team-a").splitlines() == ["NAME      SECRETS   AGE", "default   0         0s"]
    assert c.kubectl("get cm -n team-a").splitlines() == [
        "NAME               DATA   AGE",
        "kube-root-ca.crt   1      0s",
    ]


def test_the_controllers_restore_what_is_deleted_or_edited(c):
    c.delete("ServiceAccount", "default")
    c.delete("ConfigMap", "kube-root-ca.crt")
    c.run(0.1)
    assert c.api.get("ServiceAccount", "default", "default")
    assert c.api.get("ConfigMap", "kube-root-ca.crt", "default")["data"] == {"ca.crt": ca_bundle(3)}
    cm = c.api.get("ConfigMap", "kube-root-ca.crt", "default")
    c.api.update(dict(cm, data={"ca.crt": "tampered"}))
    c.run(0.1)
    assert c.api.get("ConfigMap", "kube-root-ca.crt", "default")["data"] == {"ca.crt": ca_bundle(3)}


def test_a_pod_gets_the_projected_token_volume_in_every_container(c):
    stored = c.api.create(pod("web", initContainers=[{"name": "setup", "image": "busybox"}]))
    spec = stored["spec"]
    (volume,) = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == len("kube-api-access-") + 5
    assert volume["projected"] == {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
        "defaultMode": 420,
    }  # fmt: skip
    mount = {"name": volume["name"], "readOnly": True, "mountPath": MOUNT}
    assert spec["initContainers"][0]["volumeMounts"] == [mount]
    assert spec["containers"][0]["volumeMounts"] == [mount]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("default", "default")


def test_automount_false_on_the_pod_or_the_service_account_and_own_mounts(c):
    assert "volumes" not in c.api.create(pod("a", automountServiceAccountToken=False))["spec"]
    c.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet"},
                  "automountServiceAccountToken": False})  # fmt: skip
    assert "volumes" not in c.api.create(pod("b", serviceAccountName="quiet"))["spec"]
    # the pod's own setting wins over the ServiceAccount's
    forced = c.api.create(pod("c", serviceAccountName="quiet", automountServiceAccountToken=True))["spec"]
    assert forced["volumes"][0]["name"].startswith("kube-api-access-")
    # a container that already mounts something at the token path keeps its own mount
    own = {"name": "app", "image": "nginx", "volumeMounts": [{"name": "mine", "mountPath": MOUNT}]}
    spec = c.api.create(pod("d", containers=[own], volumes=[{"name": "mine", "emptyDir": {}}]))["spec"]
    assert spec["volumes"] == [{"name": "mine", "emptyDir": {}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "mine", "mountPath": MOUNT}]


def test_a_missing_service_account_is_forbidden_and_nothing_is_stored(c):
    before = c.api.revision
    with pytest.raises(ApiError) as err:
        c.api.create(pod("web", serviceAccountName="builder"))
    assert err.value.code == 403 and err.value.reason == "Forbidden"
    assert err.value.message == (
        'pods "web" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found'
    )
    assert c.api.revision == before and c.api.get_or_none("Pod", "web", "default") is None


def test_a_deployment_naming_a_missing_service_account_reports_failed_create(c):
    c.add_node("node-1")
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: builder
      containers: [{name: app, image: nginx}]
""")
    c.run(5)
    assert c.api.list("Pod", "default") == []
    events = c.events()
    failed = events[events.reason == "FailedCreate"]
    assert failed.message.iloc[0].startswith('Error creating: pods "web-') and failed.message.iloc[0].endswith(
        'is forbidden: error looking up service account default/builder: serviceaccount "builder" not found'
    )
    c.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}})
    c.run(30)
    (running,) = c.api.list("Pod", "default")
    assert running["spec"]["serviceAccountName"] == "builder"


def test_a_pod_in_a_namespace_created_in_the_same_apply_is_admitted(c):
    c.add_node("node-1")
    c.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}, pod("web", "shop")])
    c.run(30)
    assert c.api.get("Pod", "web", "shop")["status"]["phase"] == "Running"
    assert c.api.get("ServiceAccount", "default", "shop")
    text = c.kubectl("describe pod web -n shop")
    name = c.api.get("Pod", "web", "shop")["spec"]["volumes"][0]["name"]
    assert f"    Mounts:\n      {MOUNT} from {name} (ro)\n" in text
    assert (
        f"Volumes:\n  {name}:\n"
        "    Type:                    Projected (a volume that contains injected data from multiple sources)\n"
        "    TokenExpirationSeconds:  3607\n"
        "    ConfigMapName:           kube-root-ca.crt\n"
        "    Optional:                false\n"
        "    DownwardAPI:             true\n"
        "QoS Class:                   BestEffort\n"
    ) in text


def test_a_deleted_namespace_still_goes_away(c):
    """Deleting the namespace deletes its ServiceAccount and kube-root-ca.crt; neither comes back."""
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}})
    c.run(1)
    c.delete("Namespace", "tmp")
    c.run(10)
    assert c.api.get_or_none("Namespace", "tmp") is None
    assert c.api.list("ServiceAccount", "tmp") == [] and c.api.list("ConfigMap", "tmp") == []
