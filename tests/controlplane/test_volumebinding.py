"""The pure volume rules: which PV a claim gets, and on which nodes a pod's volumes fit.

Conformance notes cite upstream: ``k8s.io/component-helpers/storage/volume/pv_helpers.go``
(FindMatchingVolume, CheckAccessModes, GetBindVolumeToClaim),
``pkg/controller/volume/persistentvolume/index.go`` (findByClaim: fewest access modes
first, smallest capacity), ``pkg/scheduler/framework/plugins/volumebinding/binder.go``
(GetPodVolumeClaims, FindPodVolumes, ConflictReason strings) and the VolumeZone plugin.
"""

from __future__ import annotations

import pytest

from k8slearn.controlplane import volumebinding as vb


def pv(name, size="1Gi", modes=("ReadWriteOnce",), cls="", phase="Available", labels=None, node=None, **spec):
    body = {"capacity": {"storage": size}, "accessModes": list(modes), "hostPath": {"path": f"/mnt/{name}"}}
    if cls:
        body["storageClassName"] = cls
    if node:
        body["nodeAffinity"] = {
            "required": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
                ]
            }
        }
    body.update(spec)
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": body, "status": {"phase": phase}}


def pvc(name="data", size="1Gi", modes=("ReadWriteOnce",), cls=None, uid="uid-1", ns="default", **spec):
    body = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        body["storageClassName"] = cls
    body.update(spec)
    return {"metadata": {"name": name, "namespace": ns, "uid": uid}, "spec": body, "status": {"phase": "Pending"}}


def node(name, zone=None):
    labels = {"kubernetes.io/hostname": name}
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    return {"metadata": {"name": name, "labels": labels}}


def sc(name, mode="WaitForFirstConsumer", provisioner="rancher.io/local-path", default=False, **extra):
    meta = {"name": name}
    if default:
        meta["annotations"] = {vb.ANN_DEFAULT_CLASS: "true"}
    return {"metadata": meta, "provisioner": provisioner, "volumeBindingMode": mode, **extra}


def pod(*claims, name="web"):
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": {
            "volumes": [{"name": f"v{i}", "persistentVolumeClaim": {"claimName": c}} for i, c in enumerate(claims)]
        },
    }


def names(v):
    return None if v is None else v["metadata"]["name"]


@pytest.mark.parametrize(
    "volumes, claim, expected",
    [
        pytest.param([pv("big", "10Gi"), pv("small", "2Gi"), pv("tiny", "500Mi")], pvc(size="1Gi"), "small",
                     id="the smallest volume that is large enough wins"),
        pytest.param([pv("a", "1Gi"), pv("b", "1Gi")], pvc(size="2Gi"), None, id="no volume is large enough"),
        pytest.param([pv("rox", "1Gi", modes=("ReadOnlyMany",))], pvc(), None, id="access modes must include the claim's"),
        pytest.param([pv("both", "1Gi", modes=("ReadWriteOnce", "ReadOnlyMany")), pv("rwo", "5Gi")], pvc(), "rwo",
                     id="volumes with fewer access modes are tried first, even if bigger"),
        pytest.param([pv("fast", "1Gi", cls="fast"), pv("plain", "5Gi")], pvc(cls=""), "plain",
                     id="a claim without class only binds volumes without class"),
        pytest.param([pv("fast", "1Gi", cls="fast"), pv("plain", "1Gi")], pvc(cls="fast"), "fast",
                     id="the class must match"),
        pytest.param([pv("bound", "1Gi", phase="Bound", claimRef={"name": "x", "namespace": "default"})], pvc(), None,
                     id="volumes bound to another claim are skipped"),
        pytest.param([pv("new", "1Gi", phase="")], pvc(), None, id="volumes not yet Available are skipped"),
        pytest.param([pv("ssd", "1Gi", labels={"disk": "ssd"}), pv("hdd", "1Gi", labels={"disk": "hdd"})],
                     pvc(selector={"matchLabels": {"disk": "ssd"}}), "ssd", id="the claim's selector filters volumes"),
        pytest.param([pv("block", "1Gi", volumeMode="Block"), pv("fs", "2Gi")], pvc(), "fs",
                     id="volumeMode must match (Filesystem by default)"),
        pytest.param([pv("big", "10Gi"), pv("mine", "10Gi", phase="Available",
                                           claimRef={"name": "data", "namespace": "default"})], pvc(), "mine",
                     id="a volume pre-bound to the claim wins"),
    ],
)  # fmt: skip
def test_best_match_for_claim(volumes, claim, expected):
    assert names(vb.find_best_match_for_claim(claim, volumes)) == expected


def test_delay_binding_leaves_unbound_volumes_to_the_scheduler():
    volumes = [pv("local-1", "1Gi", cls="local", node="node-1")]
    assert vb.find_best_match_for_claim(pvc(cls="local"), volumes, delay_binding=True) is None
    assert names(vb.find_best_match_for_claim(pvc(cls="local"), volumes, delay_binding=False)) == "local-1"


def test_matching_volume_on_a_node_checks_node_affinity_and_exclusions():
    volumes = [pv("on-1", "1Gi", cls="local", node="node-1"), pv("on-2", "1Gi", cls="local", node="node-2")]
    claim = pvc(cls="local")
    assert names(vb.find_matching_volume(claim, volumes, node=node("node-2"))) == "on-2"
    assert vb.find_matching_volume(claim, volumes, node=node("node-2"), excluded={"on-2"}) is None


def test_bind_volume_to_claim_sets_claim_ref_and_marks_controller_binding():
    claim = pvc()
    claim["metadata"]["resourceVersion"] = "7"
    new, dirty = vb.bind_volume_to_claim(pv("a"), claim)
    assert dirty
    assert new["spec"]["claimRef"] == {
        "kind": "PersistentVolumeClaim", "namespace": "default", "name": "data", "uid": "uid-1",
        "apiVersion": "v1", "resourceVersion": "7",
    }  # fmt: skip
    assert new["metadata"]["annotations"] == {vb.ANN_BOUND_BY_CONTROLLER: "yes"}
    again, dirty = vb.bind_volume_to_claim(new, claim)
    assert not dirty


def test_user_prebound_volume_only_gets_the_uid():
    volume = pv("a", claimRef={"name": "data", "namespace": "default"})
    new, dirty = vb.bind_volume_to_claim(volume, pvc())
    assert dirty and new["spec"]["claimRef"]["uid"] == "uid-1"
    assert vb.ANN_BOUND_BY_CONTROLLER not in new["metadata"].get("annotations", {})


@pytest.mark.parametrize(
    "classes, expected",
    [
        pytest.param([sc("a"), sc("b")], None, id="no default class"),
        pytest.param([sc("a"), sc("b", default=True)], "b", id="the annotated class"),
        pytest.param(
            [
                {**sc("old", default=True), "metadata": {"name": "old", "creationTimestamp": "2026-01-01T00:00:00Z",
                                                         "annotations": {vb.ANN_DEFAULT_CLASS: "true"}}},
                {**sc("new", default=True), "metadata": {"name": "new", "creationTimestamp": "2026-01-01T00:01:00Z",
                                                         "annotations": {vb.ANN_DEFAULT_CLASS: "true"}}},
            ],
            "new",
            id="with several defaults the newest wins",
        ),
    ],
)  # fmt: skip
def test_default_storage_class(classes, expected):
    assert names(vb.default_storage_class(classes)) == expected


def test_pod_volume_claims_sorts_claims_and_reports_missing_ones():
    classes = {"standard": sc("standard"), "now": sc("now", mode="Immediate")}
    bound = pvc("bound", cls="now", volumeName="pv-1")
    bound["metadata"]["annotations"] = {vb.ANN_BIND_COMPLETED: "yes"}
    claims = {"bound": bound, "later": pvc("later", cls="standard"), "now": pvc("now", cls="now")}
    result = vb.pod_volume_claims(pod("bound", "later", "now"), claims, classes)
    assert [c["metadata"]["name"] for c in result.bound] == ["bound"]
    assert [c["metadata"]["name"] for c in result.unbound_delay_binding] == ["later"]
    assert [c["metadata"]["name"] for c in result.unbound_immediate] == ["now"]
    with pytest.raises(vb.VolumeError, match='^persistentvolumeclaim "gone" not found$'):
        vb.pod_volume_claims(pod("gone"), claims, classes)
    deleting = pvc("bye")
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    with pytest.raises(vb.VolumeError, match='^persistentvolumeclaim "bye" is being deleted$'):
        vb.pod_volume_claims(pod("bye"), {"bye": deleting}, classes)


def _find(claims, node_name, volumes, classes):
    result = vb.pod_volume_claims(pod(*claims), {c["metadata"]["name"]: c for c in claims.values()}, classes)
    return vb.find_pod_volumes(result, node(node_name), {v["metadata"]["name"]: v for v in volumes}, classes)


def test_wait_for_first_consumer_finds_local_volumes_on_their_node_only():
    classes = {"local": sc("local", provisioner=vb.NOT_SUPPORTED_PROVISIONER)}
    claims = {"data": pvc("data", cls="local")}
    volumes = [pv("disk-2", "5Gi", cls="local", node="node-2")]
    found, reasons = _find(claims, "node-2", volumes, classes)
    assert reasons == [] and [(c["metadata"]["name"], v["metadata"]["name"]) for c, v in found.static_bindings] == [
        ("data", "disk-2")
    ]
    found, reasons = _find(claims, "node-1", volumes, classes)
    assert reasons == ["node(s) didn't find available persistent volumes to bind"]


def test_wait_for_first_consumer_provisions_when_no_volume_matches():
    classes = {"standard": sc("standard")}
    found, reasons = _find({"data": pvc("data", cls="standard")}, "node-1", [], classes)
    assert reasons == [] and [c["metadata"]["name"] for c in found.dynamic_provisions] == ["data"]


def test_claims_with_a_selected_node_fit_only_that_node():
    classes = {"standard": sc("standard")}
    claim = pvc("data", cls="standard")
    claim["metadata"]["annotations"] = {vb.ANN_SELECTED_NODE: "node-2"}
    assert _find({"data": claim}, "node-1", [], classes)[1] == [vb.ERR_REASON_BIND_CONFLICT]
    assert _find({"data": claim}, "node-2", [], classes)[1] == []


def test_allowed_topologies_restrict_provisioning():
    classes = {
        "zonal": sc(
            "zonal",
            allowedTopologies=[
                {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["zone-a"]}]}
            ],
        )
    }
    claims = {"data": pvc("data", cls="zonal")}
    result = vb.pod_volume_claims(pod("data"), claims, classes)
    assert vb.find_pod_volumes(result, node("n1", zone="zone-a"), {}, classes)[1] == []
    assert vb.find_pod_volumes(result, node("n2", zone="zone-b"), {}, classes)[1] == [vb.ERR_REASON_BIND_CONFLICT]


def test_bound_claims_must_use_volumes_whose_node_affinity_matches():
    classes = {"local": sc("local", provisioner=vb.NOT_SUPPORTED_PROVISIONER)}
    claim = pvc("data", cls="local", volumeName="disk-1")
    claim["metadata"]["annotations"] = {vb.ANN_BIND_COMPLETED: "yes"}
    volumes = [pv("disk-1", cls="local", node="node-1", phase="Bound")]
    assert _find({"data": claim}, "node-1", volumes, classes)[1] == []
    assert _find({"data": claim}, "node-2", volumes, classes)[1] == [
        "node(s) didn't match PersistentVolume's node affinity"
    ]
    assert _find({"data": claim}, "node-1", [], classes)[1] == [
        "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    ]


def test_volume_zone_compares_pv_and_node_zone_labels():
    claim = pvc("data", cls="", volumeName="disk")
    volume = pv("disk", labels={"topology.kubernetes.io/zone": "zone-a__zone-b"})
    claims, volumes = {"data": claim}, {"disk": volume}
    assert vb.volume_zone_reasons(pod("data"), node("n1", zone="zone-b"), claims, volumes, {}) == []
    assert vb.volume_zone_reasons(pod("data"), node("n2", zone="zone-c"), claims, volumes, {}) == [
        "node(s) had no available volume zone"
    ]
    assert vb.volume_zone_reasons(pod("data"), node("n3"), claims, volumes, {}) == []


def test_read_write_once_pod_claims_allow_one_pod():
    claim = pvc("data", modes=("ReadWriteOncePod",))
    other = pod("data", name="first")
    other["spec"]["nodeName"] = "node-1"
    other["status"] = {"phase": "Running"}
    assert vb.rwop_conflict(pod("data", name="second"), {"data": claim}, lambda name: [other])
    assert not vb.rwop_conflict(other, {"data": claim}, lambda name: [other])


def test_node_volume_limits_count_csi_volumes_per_driver():
    def csi_pv(name):
        return {"metadata": {"name": name}, "spec": {"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": name}}}

    def bound(name, volume, ns="default"):
        return (ns, name), {"metadata": {"name": name, "namespace": ns}, "spec": {"volumeName": volume}}

    claims = dict([bound("a", "pv-a"), bound("b", "pv-b"), bound("c", "pv-c", ns="other")])
    volumes = {n: csi_pv(n) for n in ("pv-a", "pv-b", "pv-c")}
    limited = {"metadata": {"name": "n1"}, "status": {"allocatable": {"attachable-volumes-csi-ebs.csi.aws.com": "2"}}}
    running = [pod("a", name="first"), {**pod("c", name="third"), "metadata": {"name": "third", "namespace": "other"}}]
    assert vb.node_volume_limit_reasons(pod("b", name="second"), limited, running, claims, volumes) == [
        "node(s) exceed max volume count"
    ]
    assert vb.node_volume_limit_reasons(pod("b", name="second"), limited, running[:1], claims, volumes) == []
    assert vb.node_volume_limit_reasons(pod("b"), {"metadata": {"name": "n2"}}, running, claims, volumes) == []


# -- end to end: kube-scheduler's volume plugins with the binder and the provisioner ---------

import k8slearn as kl  # noqa: E402

LOCAL = """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ssd-node-3}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: local
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [node-3]}
"""


def claim_manifest(name, cls=None, size="1Gi", modes=("ReadWriteOnce",)):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def pod_manifest(name, *claims):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27"}],
            "volumes": [{"name": f"v{i}", "persistentVolumeClaim": {"claimName": c}} for i, c in enumerate(claims)],
        },
    }


def failed_scheduling(c, pod_name):
    frame = c.events()
    return list(frame[(frame["reason"] == "FailedScheduling") & (frame["object"] == f"Pod/{pod_name}")]["message"])


def test_scheduler_provisions_on_the_node_it_picks():
    c = kl.Cluster.demo(nodes=3)
    c.apply(claim_manifest("notes"))
    c.apply(pod_manifest("writer", "notes"))
    c.run(10)
    pod, pvc = c.get("pod", "writer"), c.get("pvc", "notes")
    node = pod["spec"]["nodeName"]
    assert pod["status"]["phase"] == "Running" and pvc["status"]["phase"] == "Bound"
    assert pvc["metadata"]["annotations"][vb.ANN_SELECTED_NODE] == node
    pv = c.get("pv", pvc["spec"]["volumeName"])
    assert vb.check_node_affinity(pv, c.get("node", node))
    # the next pod using the claim must follow the volume to its node
    c.delete("pod", "writer")
    c.run(40)
    c.apply(pod_manifest("reader", "notes"))
    c.run(10)
    assert c.get("pod", "reader")["spec"]["nodeName"] == node


def test_local_volume_decides_where_the_pod_runs():
    c = kl.Cluster.demo(nodes=3)
    c.apply(LOCAL)
    c.apply(claim_manifest("fast", cls="local", size="5Gi"))
    c.apply(pod_manifest("db", "fast"))
    c.run(10)
    assert c.get("pod", "db")["spec"]["nodeName"] == "node-3"
    assert c.get("pvc", "fast")["spec"]["volumeName"] == "ssd-node-3"
    assert c.get("pv", "ssd-node-3")["status"]["phase"] == "Bound"


@pytest.mark.parametrize(
    "objects, pod_claims, message",
    [
        pytest.param([], ["ghost"], '0/3 nodes are available: persistentvolumeclaim "ghost" not found.',
                     id="a missing claim fits nowhere"),
        pytest.param([claim_manifest("now", cls="")], ["now"],
                     "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
                     id="an unbound claim without a class fits nowhere"),
        pytest.param([claim_manifest("big", cls="local", size="50Gi")], ["big"],
                     "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind.",
                     id="no local volume large enough and no provisioner"),
    ],
)  # fmt: skip
def test_failed_scheduling_messages(objects, pod_claims, message):
    c = kl.Cluster.demo(nodes=3)
    c.apply(LOCAL)
    for obj in objects:
        c.apply(obj)
    c.apply(pod_manifest("app", *pod_claims))
    c.run(5)
    assert c.get("pod", "app")["spec"].get("nodeName") is None
    (first, *_) = failed_scheduling(c, "app")
    assert first.startswith(message), first


def test_bound_local_volume_on_a_busy_node_keeps_the_pod_pending():
    c = kl.Cluster.demo(nodes=3)
    c.apply(LOCAL)
    c.apply(claim_manifest("fast", cls="local", size="5Gi"))
    c.apply(pod_manifest("db", "fast"))
    c.run(10)
    c.api.patch("Node", "node-3", None, {"spec": {"unschedulable": True}})
    c.delete("pod", "db")
    c.run(40)
    c.apply(pod_manifest("db2", "fast"))
    c.run(5)
    (first, *_) = failed_scheduling(c, "db2")
    assert first.startswith(
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match PersistentVolume's node affinity."
    ), first


def test_volume_zone_keeps_pods_in_the_zone_of_their_volume():
    c = kl.Cluster(seed=0)
    for i, zone in enumerate(("zone-a", "zone-b", "zone-b"), start=1):
        c.add_node(f"node-{i}", labels={"topology.kubernetes.io/zone": zone})
    c.run(5)
    c.apply(
        """
apiVersion: v1
kind: PersistentVolume
metadata:
  name: disk-a
  labels: {topology.kubernetes.io/zone: zone-a}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  csi: {driver: pd.csi.storage.gke.io, volumeHandle: disk-a}
"""
    )
    c.apply(claim_manifest("data", cls=""))
    c.run(2)
    c.apply(pod_manifest("app", "data"))
    c.run(5)
    assert c.get("pod", "app")["spec"]["nodeName"] == "node-1"
    c.api.patch("Node", "node-1", None, {"spec": {"unschedulable": True}})
    c.apply(pod_manifest("app2", "data"))
    c.run(5)
    (first, *_) = failed_scheduling(c, "app2")
    assert first.startswith(
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had no available volume zone."
    ), first


def test_read_write_once_pod_claim_serves_one_pod():
    c = kl.Cluster.demo(nodes=2)
    c.apply(claim_manifest("solo", modes=("ReadWriteOncePod",)))
    c.apply(pod_manifest("first", "solo"))
    c.run(10)
    assert c.get("pod", "first")["status"]["phase"] == "Running"
    c.apply(pod_manifest("second", "solo"))
    c.run(5)
    (first, *_) = failed_scheduling(c, "second")
    assert first.startswith(
        "0/2 nodes are available: node has pod using PersistentVolumeClaim with the same name and "
        "ReadWriteOncePod access mode."
    ), first


def test_node_volume_limits_cap_csi_volumes_per_node():
    c = kl.Cluster(seed=0)
    c.add_node("node-1", capacity={"attachable-volumes-csi-ebs.csi.aws.com": "1"})
    c.run(5)
    for name in ("a", "b"):
        c.apply(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": f"ebs-{name}"},
                "spec": {
                    "capacity": {"storage": "5Gi"},
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "",
                    "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": f"vol-{name}"},
                    "claimRef": {"namespace": "default", "name": name},
                },
            }
        )
        c.apply(claim_manifest(name, cls=""))
    c.run(2)
    c.apply(pod_manifest("first", "a"))
    c.run(5)
    assert c.get("pod", "first")["spec"]["nodeName"] == "node-1"
    c.apply(pod_manifest("second", "b"))
    c.run(5)
    (first, *_) = failed_scheduling(c, "second")
    assert first.startswith("0/1 nodes are available: 1 node(s) exceed max volume count."), first
