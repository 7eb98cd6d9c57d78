"""persistentvolume-controller, pvc/pv-protection and the local-path provisioner, through the API.

Conformance notes cite ``pkg/controller/volume/persistentvolume/pv_controller.go``
(syncUnboundClaim events: ``FailedBinding`` "no persistent volumes available for this
claim and no storage class is set", ``WaitForFirstConsumer`` "waiting for first consumer
to be created before binding", ``ExternalProvisioning``; bind(): claimRef,
``pv.kubernetes.io/bind-completed`` and ``bound-by-controller``; reclaimVolume: Retain
keeps the volume Released, Delete removes it) and sig-storage-lib-external-provisioner
(``Provisioning`` / ``ProvisioningSucceeded``, PV named ``pvc-<claim uid>``).
"""

from __future__ import annotations

import k8slearn as kl
from conftest import Sim
from k8slearn.controlplane.controllers.persistentvolume import PV_RESYNC_PERIOD
from k8slearn.controlplane.volumebinding import (
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
)

PVS = """
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1g}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /mnt/1g}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-5g}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /mnt/5g}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-20g}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /mnt/20g}
"""


def claim(name="data", size="2Gi", cls="manual", **spec):
    body = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if cls is not None:
        body["storageClassName"] = cls
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": body}


def events(c, reason=None):
    frame = c.events()
    rows = frame if reason is None else frame[frame["reason"] == reason]
    return list(rows["message"])


def test_every_cluster_has_kinds_default_storage_class():
    c = kl.Cluster(seed=0)
    (sc,) = c.list("storageclasses")
    assert sc["metadata"]["name"] == "standard"
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert (sc["provisioner"], sc["reclaimPolicy"], sc["volumeBindingMode"]) == (
        "rancher.io/local-path",
        "Delete",
        "WaitForFirstConsumer",
    )


def test_claim_binds_the_smallest_volume_that_fits():
    c = kl.Cluster.demo(nodes=1)
    c.apply(PVS)
    c.apply(claim(size="2Gi"))
    c.run(1)
    pvc, pv = c.get("pvc", "data"), c.get("pv", "pv-5g")
    assert pvc["spec"]["volumeName"] == "pv-5g"
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}
    assert pvc["metadata"]["annotations"][ANN_BIND_COMPLETED] == "yes"
    assert pvc["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER] == "yes"
    assert pv["status"]["phase"] == "Bound"
    assert pv["spec"]["claimRef"]["name"] == "data" and pv["spec"]["claimRef"]["uid"] == pvc["metadata"]["uid"]
    assert pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER] == "yes"
    assert [v["status"]["phase"] for v in c.list("pv")] == ["Available", "Available", "Bound"]  # 1g, 20g, 5g


def test_claim_without_class_and_without_volume_stays_pending_with_an_event_every_resync():
    c = kl.Cluster.demo(nodes=1)
    c.apply(claim(cls=""))
    c.run(1)
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"
    assert events(c, "FailedBinding") == ["no persistent volumes available for this claim and no storage class is set"]
    c.run(2 * PV_RESYNC_PERIOD)
    assert len(events(c, "FailedBinding")) == 3
    ev = c.api.list("Event", "default")
    (failed,) = [e for e in ev if e["reason"] == "FailedBinding"]
    assert failed["count"] == 3 and failed["source"]["component"] == "persistentvolume-controller"


def test_claim_without_storage_class_name_gets_the_default_class_and_waits_for_a_consumer():
    c = kl.Cluster.demo(nodes=1)
    c.apply(claim(cls=None))
    c.run(1)
    pvc = c.get("pvc", "data")
    assert pvc["spec"]["storageClassName"] == "standard"
    assert pvc["status"]["phase"] == "Pending"
    assert events(c, "WaitForFirstConsumer") == ["waiting for first consumer to be created before binding"]
    assert c.list("pv") == []


def test_selected_node_triggers_the_local_path_provisioner():
    c = kl.Cluster.demo(nodes=2)
    c.apply(claim(cls=None))
    c.run(1)
    # what kube-scheduler's VolumeBinding PreBind writes once it picked node-2 for a pod
    c.api.patch("PersistentVolumeClaim", "data", "default", {"metadata": {"annotations": {ANN_SELECTED_NODE: "node-2"}}},
                user="kube-scheduler")  # fmt: skip
    c.run(5)
    pvc = c.get("pvc", "data")
    uid = pvc["metadata"]["uid"]
    assert pvc["status"]["phase"] == "Bound" and pvc["spec"]["volumeName"] == f"pvc-{uid}"
    assert pvc["metadata"]["annotations"][ANN_STORAGE_PROVISIONER] == "rancher.io/local-path"
    pv = c.get("pv", f"pvc-{uid}")
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "rancher.io/local-path"
    assert pv["spec"]["hostPath"] == {
        "path": f"/var/local-path-provisioner/pvc-{uid}_default_data",
        "type": "DirectoryOrCreate",
    }
    assert pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-2"]}
    ]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert pv["spec"]["capacity"] == {"storage": "2Gi"} and pv["status"]["phase"] == "Bound"
    # the claim update that hands it to the provisioner syncs it once more: upstream shows "(x2 over 1s)" too
    assert set(events(c, "ExternalProvisioning")) == {
        "Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually "
        "by the system administrator. If volume creation is delayed, please verify that the provisioner is running "
        "and correctly registered."
    }
    assert events(c, "Provisioning") == ['External provisioner is provisioning volume for claim "default/data"']
    assert events(c, "ProvisioningSucceeded") == [f"Successfully provisioned volume pvc-{uid}"]


def test_deleting_a_claim_releases_a_retained_volume():
    c = kl.Cluster.demo(nodes=1)
    c.apply(PVS)
    c.apply(claim(size="2Gi"))
    c.run(1)
    c.delete("pvc", "data")
    c.run(1)
    assert c.list("pvc") == []
    pv = c.get("pv", "pv-5g")
    assert pv["status"]["phase"] == "Released"
    assert pv["spec"]["claimRef"]["name"] == "data"  # kept: an admin decides what to do with the data
    c.apply(claim("again", size="2Gi"))
    c.run(1)
    assert c.get("pvc", "again")["spec"]["volumeName"] == "pv-20g"  # a Released volume is not reused


def test_deleting_a_claim_deletes_a_provisioned_volume():
    c = kl.Cluster.demo(nodes=1)
    c.apply(claim(cls=None))
    c.run(1)
    c.api.patch("PersistentVolumeClaim", "data", "default", {"metadata": {"annotations": {ANN_SELECTED_NODE: "node-1"}}},
                user="kube-scheduler")  # fmt: skip
    c.run(5)
    assert len(c.list("pv")) == 1
    c.delete("pvc", "data")
    c.run(2)
    assert c.list("pv") == []


def test_delete_policy_on_a_hand_made_host_path_volume_fails_like_upstream():
    c = kl.Cluster.demo(nodes=1)
    c.apply(
        """
apiVersion: v1
kind: PersistentVolume
metadata: {name: scratch}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: manual
  hostPath: {path: /mnt/scratch}
"""
    )
    c.apply(claim(size="1Gi"))
    c.run(1)
    c.delete("pvc", "data")
    c.run(1)
    pv = c.get("pv", "scratch")
    assert pv["status"]["phase"] == "Failed"
    assert events(c, "VolumeFailedDelete") == [
        "host_path deleter only supports /tmp/.+ but received provided /mnt/scratch"
    ]


def test_claim_in_use_is_protected_until_its_pod_is_gone():
    sim = Sim(nodes=1)
    c = sim.c
    c.apply(PVS)
    c.apply(claim(size="2Gi"))
    c.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "db"},
            "spec": {
                "containers": [{"name": "db", "image": "postgres"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            },
        }
    )
    c.run(5)
    assert c.get("pvc", "data")["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    c.delete("pvc", "data")
    c.run(5)
    pvc = c.get("pvc", "data")
    assert pvc["metadata"].get("deletionTimestamp")  # Terminating while db uses it
    assert c.get("pv", "pv-5g")["status"]["phase"] == "Bound"
    c.delete("pod", "db")
    c.run(5)
    assert c.list("pvc") == []
    assert c.get("pv", "pv-5g")["status"]["phase"] == "Released"


def test_bound_volume_is_protected_from_deletion():
    c = kl.Cluster.demo(nodes=1)
    c.apply(PVS)
    c.apply(claim(size="2Gi"))
    c.run(1)
    c.delete("pv", "pv-5g")
    c.run(1)
    assert c.get("pv", "pv-5g")["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"
    c.delete("pvc", "data")
    c.run(1)
    assert [v["metadata"]["name"] for v in c.list("pv")] == ["pv-1g", "pv-20g"]


def test_claim_naming_a_too_small_volume_gets_volume_mismatch():
    c = kl.Cluster.demo(nodes=1)
    c.apply(PVS)
    c.apply(claim(size="2Gi", volumeName="pv-1g"))
    c.run(1)
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"
    assert events(c, "VolumeMismatch") == ['Cannot bind to requested volume "pv-1g": requested PV is too small']


def test_claim_naming_a_volume_binds_to_it():
    c = kl.Cluster.demo(nodes=1)
    c.apply(PVS)
    c.apply(claim(size="2Gi", volumeName="pv-20g"))
    c.run(1)
    pvc = c.get("pvc", "data")
    assert pvc["status"]["phase"] == "Bound" and pvc["spec"]["volumeName"] == "pv-20g"
    assert ANN_BOUND_BY_CONTROLLER not in pvc["metadata"]["annotations"]  # the user chose the volume


def test_claim_created_before_a_default_class_gets_it_retroactively():
    c = kl.Cluster.demo(nodes=1)
    c.delete("storageclass", "standard")
    c.apply(claim(cls=None))
    c.run(1)
    assert "storageClassName" not in c.get("pvc", "data")["spec"]
    c.apply(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "example.com/fast",
        }
    )
    c.run(1)
    assert c.get("pvc", "data")["spec"]["storageClassName"] == "fast"
    assert events(c, "ExternalProvisioning")[-1].startswith(
        "Waiting for a volume to be created either by the external provisioner 'example.com/fast'"
    )


def test_local_volume_with_node_affinity_binds_through_wait_for_first_consumer():
    c = kl.Cluster.demo(nodes=2)
    c.apply(
        """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-storage}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ssd-node-2}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: local-storage
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [node-2]}
"""
    )
    c.apply(claim(cls="local-storage", size="5Gi"))
    c.run(1)
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"
    assert events(c, "WaitForFirstConsumer") == ["waiting for first consumer to be created before binding"]
    # kube-scheduler's PreBind pre-binds the PV it chose for the pod's node
    from k8slearn.controlplane.volumebinding import bind_volume_to_claim

    pv, _ = bind_volume_to_claim(
        c.api.get("PersistentVolume", "ssd-node-2"), c.api.get("PersistentVolumeClaim", "data", "default")
    )
    c.api.replace_fields("PersistentVolume", "ssd-node-2", None, {"spec": pv["spec"], "metadata": pv["metadata"]},
                         user="kube-scheduler")  # fmt: skip
    c.run(1)
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"
    assert c.get("pvc", "data")["spec"]["volumeName"] == "ssd-node-2"


def test_same_seed_same_storage_events():
    def run() -> list:
        c = kl.Cluster.demo(nodes=1, seed=3)
        c.apply(PVS)
        c.apply(claim(size="2Gi"))
        c.apply(claim("other", cls=""))
        c.run(40)
        return c.events().to_csv(index=False)

    assert run() == run()
