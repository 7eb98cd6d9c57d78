"""Claims and volumes are cluster events: a pod waiting for a volume is retried when one appears.

Upstream: the VolumeBinding plugin registers PersistentVolumeClaim/PersistentVolume/StorageClass
add and update events (EventsToRegister), so the scheduling queue moves such pods out of the
unschedulable pool at once instead of after the 5-minute flush.
"""

from __future__ import annotations

import k8slearn as kl

CLAIM_AND_POD = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: ""
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers: [{name: db, image: redis:7, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
"""

VOLUME = """
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1}
spec:
  storageClassName: ""
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /mnt/pv-1}
"""


def test_a_pod_waiting_for_a_claim_is_scheduled_soon_after_a_volume_appears():
    c = kl.Cluster.demo(nodes=2, seed=3)
    c.apply(CLAIM_AND_POD)
    c.run(60)
    pod = c.get("pod", "db")
    assert not pod["spec"].get("nodeName")
    assert (
        "unbound immediate PersistentVolumeClaims" in c.events().query("reason == 'FailedScheduling'").message.iloc[-1]
    )
    c.apply(VOLUME)
    c.run(15)
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"
    assert c.get("pod", "db")["spec"].get("nodeName")


def test_the_kubelet_waits_for_the_claim_of_a_pod_bound_without_the_scheduler():
    """kubelet volume manager: `error processing PVC default/data: PVC is not bound` (FailedMount)."""
    c = kl.Cluster.demo(nodes=1, seed=3)
    c.apply(CLAIM_AND_POD.replace("spec:\n  containers", "spec:\n  nodeName: node-1\n  containers"))
    c.run(30)
    pod = c.get("pod", "db")
    assert pod["status"]["phase"] == "Pending"
    mounts = c.events().query("reason == 'FailedMount'")
    assert mounts.message.iloc[0] == (
        "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process "
        "volumes=[data]: error processing PVC default/data: PVC is not bound"
    )
    c.apply(VOLUME)
    c.run_until(lambda c: c.get("pod", "db")["status"]["phase"] == "Running", timeout=180)
