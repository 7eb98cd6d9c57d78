"""``kubectl get``: columns per kind, pod STATUS/READY/RESTARTS, options and messages.

Expected texts follow k/k ``pkg/printers/internalversion/printers.go`` (1.36) and the
captures in /work/shared/golden-outputs.md sections 5, 9 and 10.
"""

from __future__ import annotations

import json

import pytest
import yaml
from kubectl_testkit import (
    cstatus,
    make_node,
    make_pod,
    new_cluster,
    running,
    terminated,
    travel,
    ts,
    waiting,
)

from k8slearn.kubectl import run
from k8slearn.kubectl.tables import pod_row


def _pod(statuses=None, *, phase="Running", init=(), init_statuses=None, containers=1, conditions=None,
         deleting=False, reason=None, extra_spec=None):  # fmt: skip
    spec = {"containers": [{"name": f"c{i}", "image": "x"} for i in range(containers)]}
    if init:
        spec["initContainers"] = [{"name": n, "image": "x", **cfg} for n, cfg in init]
    spec.update(extra_spec or {})
    status = {"phase": phase}
    if reason:
        status["reason"] = reason
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions:
        status["conditions"] = [{"type": k, "status": v} for k, v in conditions.items()]
    meta = {"name": "p", "creationTimestamp": ts(0)}
    if deleting:
        meta["deletionTimestamp"] = ts(30)
    return {"metadata": meta, "spec": spec, "status": status}


# (sentence id, pod, now, READY, STATUS, RESTARTS) - printers.go printPod
POD_CASES = [
    ("pending pod without statuses shows its phase", _pod(phase="Pending"), 5, "0/1", "Pending", "0"),
    ("image not pulled yet shows ContainerCreating",
     _pod([cstatus("c0", waiting("ContainerCreating"))], phase="Pending"), 5, "0/1", "ContainerCreating", "0"),
    ("running and ready counts the container", _pod([cstatus("c0", running(1), ready=True)]), 5, "1/1", "Running", "0"),
    ("running but not ready stays Running (no NotReady without Completed)",
     _pod([cstatus("c0", running(1))], conditions={"Ready": "False"}), 5, "0/1", "Running", "0"),
    ("crash loop shows the waiting reason and the last restart age (golden 4.6: 2 (26s ago))",
     _pod([cstatus("c0", waiting("CrashLoopBackOff"), restarts=2,
                   last=terminated("Error", 1, started=18, finished=19))]), 45, "0/1", "CrashLoopBackOff",
     "2 (26s ago)"),
    ("a terminated container with exit 0 is Completed", _pod([cstatus("c0", terminated("Completed"))],
                                                             phase="Succeeded"), 49, "0/1", "Completed", "0"),
    ("a failed container is Error", _pod([cstatus("c0", terminated("Error", 1))], phase="Failed"), 5, "0/1", "Error",
     "0"),
    ("an OOM-killed container shows OOMKilled",
     _pod([cstatus("c0", terminated("OOMKilled", 137), restarts=1, last=terminated("OOMKilled", 137, finished=2))]),
     24, "0/1", "OOMKilled", "1 (22s ago)"),
    ("pull failure shows ErrImagePull", _pod([cstatus("c0", waiting("ErrImagePull"))], phase="Pending"), 2, "0/1",
     "ErrImagePull", "0"),
    ("pull back-off shows ImagePullBackOff", _pod([cstatus("c0", waiting("ImagePullBackOff"))], phase="Pending"), 40,
     "0/1", "ImagePullBackOff", "0"),
    ("a terminated container without reason shows ExitCode:N", _pod([cstatus("c0", terminated(None, 2))]), 5, "0/1",
     "ExitCode:2", "0"),
    ("a terminated container killed by a signal shows Signal:N",
     _pod([cstatus("c0", terminated(None, 137, signal=9))]), 5, "0/1", "Signal:9", "0"),
    ("containers are scanned last to first: the first container's reason wins",
     _pod([cstatus("c0", waiting("CrashLoopBackOff")), cstatus("c1", running(1), ready=True)], containers=2), 5,
     "1/2", "CrashLoopBackOff", "0"),
    ("Completed with a container still running becomes Running when the pod is Ready",
     _pod([cstatus("c0", running(1), ready=True), cstatus("c1", terminated("Completed"))], containers=2,
          conditions={"Ready": "True"}), 5, "1/2", "Running", "0"),
    ("Completed with a container still running becomes NotReady without the Ready condition",
     _pod([cstatus("c0", running(1), ready=True), cstatus("c1", terminated("Completed"))], containers=2,
          conditions={"Ready": "False"}), 5, "1/2", "NotReady", "0"),
    ("a pending deletion shows Terminating", _pod([cstatus("c0", running(1), ready=True)], deleting=True), 5, "1/1",
     "Terminating", "0"),
    ("a deleted pod on a lost node shows Unknown",
     _pod([cstatus("c0", running(1), ready=True)], deleting=True, reason="NodeLost"), 5, "1/1", "Unknown", "0"),
    ("a finished pod being deleted keeps its status",
     _pod([cstatus("c0", terminated("Completed"))], phase="Succeeded", deleting=True), 5, "0/1", "Completed", "0"),
    ("an init container still running shows Init:0/1",
     _pod(init=[("setup", {})], init_statuses=[cstatus("setup", running(1))], statuses=[
         cstatus("c0", waiting("PodInitializing"))], phase="Pending"), 5, "0/1", "Init:0/1", "0"),
    ("the second of two init containers running shows Init:1/2",
     _pod(init=[("a", {}), ("b", {})], init_statuses=[cstatus("a", terminated("Completed")), cstatus("b", running(2))],
          phase="Pending"), 5, "0/1", "Init:1/2", "0"),
    ("a failing init container shows Init:Error", _pod(init=[("setup", {})], init_statuses=[
        cstatus("setup", terminated("Error", 1), restarts=1, last=terminated("Error", 1, finished=3))], phase="Pending"),
     5, "0/1", "Init:Error", "1 (2s ago)"),
    ("an init container in back-off shows Init:CrashLoopBackOff",
     _pod(init=[("setup", {})], init_statuses=[cstatus("setup", waiting("CrashLoopBackOff"))], phase="Pending"), 5,
     "0/1", "Init:CrashLoopBackOff", "0"),
    ("an init container failing without reason shows Init:ExitCode:N",
     _pod(init=[("setup", {})], init_statuses=[cstatus("setup", terminated(None, 3))], phase="Pending"), 5, "0/1",
     "Init:ExitCode:3", "0"),
    ("after the init containers the app container waits with PodInitializing",
     _pod(init=[("setup", {})], init_statuses=[cstatus("setup", terminated("Completed"))],
          statuses=[cstatus("c0", waiting("PodInitializing"))], phase="Pending", conditions={"Initialized": "True"}),
     11, "0/1", "PodInitializing", "0"),
    ("a started sidecar counts as a container and as ready",
     _pod(init=[("proxy", {"restartPolicy": "Always"})],
          init_statuses=[cstatus("proxy", running(1), ready=True, started=True)],
          statuses=[cstatus("c0", running(2), ready=True)], conditions={"Initialized": "True", "Ready": "True"}),
     5, "2/2", "Running", "0"),
    ("a pod behind a scheduling gate shows SchedulingGated",
     {"metadata": {"name": "p", "creationTimestamp": ts(0)}, "spec": {"containers": [{"name": "c"}]},
      "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                                                       "reason": "SchedulingGated"}]}}, 5, "0/1", "SchedulingGated",
     "0"),
    ("restarts of all containers add up and the latest finish time wins",
     _pod([cstatus("c0", running(60), ready=True, restarts=1, last=terminated("Error", 1, finished=40)),
           cstatus("c1", running(60), ready=True, restarts=2, last=terminated("Error", 1, finished=50))],
          containers=2), 100, "2/2", "Running", "3 (50s ago)"),
]  # fmt: skip


@pytest.mark.parametrize(("pod", "now", "ready", "status", "restarts"), [c[1:] for c in POD_CASES],
                         ids=[c[0] for c in POD_CASES])  # fmt: skip
def test_pod_row_status_ready_and_restarts(pod, now, ready, status, restarts):
    row = pod_row(pod, now, False)
    assert row[1:4] == [ready, status, restarts]


def test_pod_wide_columns():
    pod = _pod([cstatus("c0", running(1), ready=True)])
    pod["spec"]["nodeName"] = "node-1"
    pod["status"]["podIPs"] = [{"ip": "10.42.0.7"}]
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"}]
    pod["status"]["conditions"] = [{"type": "example.com/lb", "status": "True"}]
    assert pod_row(pod, 20, True)[5:] == ["10.42.0.7", "node-1", "<none>", "1/1"]
    bare = _pod(phase="Pending")
    assert pod_row(bare, 5, True)[5:] == ["<none>", "<none>", "<none>", "<none>"]


@pytest.fixture
def cluster():
    c = new_cluster()
    make_node(c, "node-1")
    return c


def test_all_pod_statuses_in_one_table(cluster):
    """golden 10 ("All statuses in one table", a v1.37 capture), reproduced with faked statuses."""
    c = cluster
    ok = {"Ready": "True", "Initialized": "True"}
    make_pod(
        c,
        "lifecycle-crashloop",
        statuses=[
            cstatus("app", terminated("Error", 1, finished=7), restarts=2, last=terminated("Error", 1, finished=7))
        ],
    )
    make_pod(c, "lifecycle-failed", phase="Failed", statuses=[cstatus("app", terminated("Error", 1))])
    make_pod(c, "lifecycle-image-error", phase="Pending", statuses=[cstatus("app", waiting("ImagePullBackOff"))])
    make_pod(
        c,
        "lifecycle-init",
        init=("setup",),
        conditions=ok,
        init_statuses=[cstatus("setup", terminated("Completed"))],
        statuses=[cstatus("app", running(2), ready=True)],
    )
    make_pod(c, "lifecycle-liveness", conditions=ok, statuses=[cstatus("app", running(1), ready=True)])
    make_pod(
        c,
        "lifecycle-multi-container",
        containers=("a", "b"),
        conditions=ok,
        statuses=[cstatus("a", running(1), ready=True), cstatus("b", running(1), ready=True)],
    )
    make_pod(c, "lifecycle-pending", phase="Pending", node=None)
    for name in ("lifecycle-readiness", "lifecycle-running", "lifecycle-startup"):
        make_pod(c, name, conditions=ok, statuses=[cstatus("app", running(1), ready=True)])
    make_pod(c, "lifecycle-succeeded", phase="Succeeded", statuses=[cstatus("app", terminated("Completed"))])
    travel(c, 1)
    make_pod(c, "lifecycle-termination", conditions=ok, statuses=[cstatus("app", running(2), ready=True)])
    travel(c, 40)
    assert run(c, "get pods") == (
        "NAME                        READY   STATUS             RESTARTS      AGE\n"
        "lifecycle-crashloop         0/1     Error              2 (34s ago)   41s\n"
        "lifecycle-failed            0/1     Error              0             41s\n"
        "lifecycle-image-error       0/1     ImagePullBackOff   0             41s\n"
        "lifecycle-init              1/1     Running            0             41s\n"
        "lifecycle-liveness          1/1     Running            0             41s\n"
        "lifecycle-multi-container   2/2     Running            0             41s\n"
        "lifecycle-pending           0/1     Pending            0             41s\n"
        "lifecycle-readiness         1/1     Running            0             41s\n"
        "lifecycle-running           1/1     Running            0             41s\n"
        "lifecycle-startup           1/1     Running            0             41s\n"
        "lifecycle-succeeded         0/1     Completed          0             41s\n"
        "lifecycle-termination       1/1     Running            0             40s\n"
    )


def test_crashloop_table_from_a_real_capture(cluster):
    """golden 4.6 / 5.2: ``crashloop-pod   0/1     CrashLoopBackOff   2 (26s ago)   45s``."""
    make_pod(cluster, "crashloop-pod", statuses=[
        cstatus("python-app", waiting("CrashLoopBackOff"), restarts=2, last=terminated("Error", 1, finished=19))])  # fmt: skip
    travel(cluster, 45)
    assert run(cluster, "get pods") == (
        "NAME            READY   STATUS             RESTARTS      AGE\n"
        "crashloop-pod   0/1     CrashLoopBackOff   2 (26s ago)   45s\n"
    )


def test_pod_wide_table_from_a_real_capture(cluster):
    """golden 5.2 (modern ``-o wide`` capture)."""
    make_node(cluster, "saniya-k8s")
    make_pod(cluster, "errpull-pod", node="saniya-k8s", ip="10.42.0.7", conditions={"Ready": "True"},
             statuses=[cstatus("app", running(1), ready=True)])  # fmt: skip
    travel(cluster, 20)
    assert run(cluster, "get pods -o wide") == (
        "NAME          READY   STATUS    RESTARTS   AGE   IP          NODE         NOMINATED NODE   READINESS GATES\n"
        "errpull-pod   1/1     Running   0          20s   10.42.0.7   saniya-k8s   <none>           <none>\n"
    )


def test_terminating_pod_after_a_graceful_delete(cluster):
    make_pod(cluster, "web", statuses=[cstatus("app", running(1), ready=True)])
    travel(cluster, 48)
    cluster.api.delete("Pod", "web", "default")
    out = run(cluster, "get pods")
    assert out.splitlines()[1].split() == ["web", "1/1", "Terminating", "0", "48s"]


def test_empty_namespace_message_goes_to_stderr(cluster):
    """golden 5.1 / 7.5: ``No resources found in default namespace.`` on stderr, stdout empty."""
    out = run(cluster, "get pods")
    assert (out.stdout, out.stderr, out.exit_code) == ("", "No resources found in default namespace.\n", 0)
    out = run(cluster, "get pods -n test")
    assert out.stderr == "No resources found in test namespace.\n"
    out = run(cluster, "get pods -A")
    assert out.stderr == "No resources found\n"
    out = run(cluster, "get pv")
    assert out.stderr == "No resources found\n"


def test_nodes_status_roles_and_version():
    """printNode: Ready/NotReady/Unknown, ``,SchedulingDisabled``, roles from node-role labels (golden 5.3)."""
    c = new_cluster()
    make_node(c, "master", labels={"node-role.kubernetes.io/control-plane": ""})
    make_node(c, "worker1", unschedulable=True)
    make_node(c, "worker2", ready="False")
    make_node(c, "worker3", ready="Unknown", labels={"kubernetes.io/role": "edge"})
    make_node(c, "worker4", ready=None)
    travel(c, 107 * 60)
    assert run(c, "get nodes") == (
        "NAME      STATUS                     ROLES           AGE    VERSION\n"
        "master    Ready                      control-plane   107m   v1.36.0\n"
        "worker1   Ready,SchedulingDisabled   <none>          107m   v1.36.0\n"
        "worker2   NotReady                   <none>          107m   v1.36.0\n"
        "worker3   NotReady                   edge            107m   v1.36.0\n"
        "worker4   Unknown                    <none>          107m   v1.36.0\n"
    )
    assert run(c, "get node master -o wide") == (
        "NAME     STATUS   ROLES           AGE    VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE           "
        "KERNEL-VERSION     CONTAINER-RUNTIME\n"
        "master   Ready    control-plane   107m   v1.36.0   192.168.0.10   <none>        Ubuntu 24.04 LTS   "
        "6.8.0-45-generic   containerd://2.1.0\n"
    )


def _deployment(replicas=3, name="nginx-deployment"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}]},
            },
        },
    }


def test_deployment_and_replicaset_columns():
    """golden 5.4 (Deployments concept page): READY UP-TO-DATE AVAILABLE; DESIRED CURRENT READY."""
    c = new_cluster()
    c.api.create(_deployment())
    c.api.replace_status("Deployment", "nginx-deployment", "default",
                         {"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3},
                         user="test")  # fmt: skip
    rs = _deployment()
    rs.update(kind="ReplicaSet", metadata={"name": "nginx-deployment-75675f5897"})
    c.api.create(rs)
    c.api.replace_status("ReplicaSet", rs["metadata"]["name"], "default", {"replicas": 3, "readyReplicas": 3},
                         user="test")  # fmt: skip
    travel(c, 18)
    assert run(c, "get deployments") == (
        "NAME               READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx-deployment   3/3     3            3           18s\n"
    )
    assert run(c, "get rs") == (
        "NAME                          DESIRED   CURRENT   READY   AGE\n"
        "nginx-deployment-75675f5897   3         3         3       18s\n"
    )
    assert run(c, "get deploy -o wide").splitlines()[1].split() == [
        "nginx-deployment", "3/3", "3", "3", "18s", "nginx", "nginx:1.14.2", "app=nginx"]  # fmt: skip


def test_daemonset_and_job_columns():
    """printers.go: DaemonSet DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR; Job STATUS COMPLETIONS DURATION."""
    c = new_cluster()
    c.api.create({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "node-exporter"},
        "spec": {"selector": {"matchLabels": {"app": "ne"}}, "template": {
            "metadata": {"labels": {"app": "ne"}}, "spec": {"containers": [{"name": "ne", "image": "prom/ne"}]}}},
    })  # fmt: skip
    c.api.replace_status("DaemonSet", "node-exporter", "default", {
        "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberReady": 1, "updatedNumberScheduled": 1,
        "numberAvailable": 1, "numberMisscheduled": 0}, user="test")  # fmt: skip
    c.api.create({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"completions": 2, "manualSelector": True, "selector": {"matchLabels": {"job": "pi"}},
                 "template": {"metadata": {"labels": {"job": "pi"}}, "spec": {
                     "restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}},
    })  # fmt: skip
    travel(c, 15)
    c.api.replace_status("Job", "pi", "default", {"startTime": ts(0), "succeeded": 1, "active": 1}, user="test")
    assert run(c, "get ds") == (
        "NAME            DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\n"
        "node-exporter   1         1         1       1            1           <none>          15s\n"
    )
    assert run(c, "get jobs") == (
        "NAME   STATUS    COMPLETIONS   DURATION   AGE\npi     Running   1/2           15s        15s\n"
    )
    travel(c, 10)
    c.api.replace_status("Job", "pi", "default", {
        "startTime": ts(0), "completionTime": ts(20), "succeeded": 2,
        "conditions": [{"type": "Complete", "status": "True"}]}, user="test")  # fmt: skip
    assert run(c, "get job pi").splitlines()[1].split() == ["pi", "Complete", "2/2", "20s", "25s"]


def _service(name, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}  # fmt: skip


def test_service_types_and_ports():
    """printService / getServiceExternalIP / makePortString: ``80/TCP``, ``80:30080/TCP``, ``<pending>``, None."""
    c = new_cluster()
    c.api.create(_service("web", clusterIP="10.96.100.10"))
    c.api.create(_service("np", type="NodePort", clusterIP="10.96.100.11",
                          ports=[{"port": 80, "nodePort": 30080}]))  # fmt: skip
    c.api.create(_service("lb", type="LoadBalancer", clusterIP="10.96.100.12",
                          ports=[{"port": 8080, "nodePort": 30163}]))  # fmt: skip
    c.api.create(_service("headless", clusterIP="None"))
    c.api.create(_service("dns", clusterIP="10.96.100.13", ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                                   {"name": "dns-tcp", "port": 53}]))  # fmt: skip
    travel(c, 21)
    assert run(c, "get svc") == (
        "NAME         TYPE           CLUSTER-IP     EXTERNAL-IP   PORT(S)          AGE\n"
        "dns          ClusterIP      10.96.100.13   <none>        53/UDP,53/TCP    21s\n"
        "headless     ClusterIP      None           <none>        80/TCP           21s\n"
        "kubernetes   ClusterIP      10.96.0.1      <none>        443/TCP          21s\n"
        "lb           LoadBalancer   10.96.100.12   <pending>     8080:30163/TCP   21s\n"
        "np           NodePort       10.96.100.11   <none>        80:30080/TCP     21s\n"
        "web          ClusterIP      10.96.100.10   <none>        80/TCP           21s\n"
    )
    c.api.replace_status("Service", "lb", "default", {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}},
                         user="test")  # fmt: skip
    assert run(c, "get svc lb -o wide").splitlines()[1].split() == [
        "lb", "LoadBalancer", "10.96.100.12", "203.0.113.7", "8080:30163/TCP", "21s", "app=lb"]  # fmt: skip


def test_endpoints_print_at_most_three_and_warn_about_deprecation():
    """formatEndpoints: three ``ip:port`` then `` + N more...``; 1.33+ apiservers warn (golden 5.5)."""
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "hostnames"}, "subsets": [
        {"addresses": [{"ip": f"10.244.0.{i}"} for i in range(5, 10)], "ports": [{"port": 9376}]}]})  # fmt: skip
    c.api.create({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "empty"}})
    travel(c, 32 * 60)
    out = run(c, "get endpoints")
    assert out.stderr == "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
    assert out.stdout == (
        "NAME         ENDPOINTS                                                     AGE\n"
        "empty        <none>                                                        32m\n"
        "hostnames    10.244.0.5:9376,10.244.0.6:9376,10.244.0.7:9376 + 2 more...   32m\n"
        "kubernetes   192.168.0.2:6443                                              32m\n"
    )
    assert str(out).startswith("Warning: v1 Endpoints is deprecated")


def test_endpointslices_columns():
    """printEndpointSlice (golden 5.5: ``NAME ADDRESSTYPE PORTS ENDPOINTS AGE``)."""
    c = new_cluster()
    c.api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": "my-nginx-7vzhx", "labels": {"kubernetes.io/service-name": "my-nginx"}},
                  "addressType": "IPv4", "ports": [{"port": 80, "protocol": "TCP", "name": ""}],
                  "endpoints": [{"addresses": ["10.244.2.5"]}, {"addresses": ["10.244.3.4"]}]})  # fmt: skip
    travel(c, 21)
    assert run(c, "get endpointslices") == (
        "NAME             ADDRESSTYPE   PORTS   ENDPOINTS               AGE\n"
        "kubernetes       IPv4          6443    192.168.0.2             21s\n"
        "my-nginx-7vzhx   IPv4          80      10.244.2.5,10.244.3.4   21s\n"
    )


def test_configmaps_secrets_namespaces_leases_and_priorityclasses():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nginxconfigmap"},
                  "data": {"default.conf": "server {}"}})  # fmt: skip
    c.api.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "type": "Opaque",
                  "data": {"user": "YWRtaW4=", "password": "czNjcjN0"}})  # fmt: skip
    travel(c, 114)
    assert run(c, "get configmaps") == "NAME             DATA   AGE\nnginxconfigmap   1      114s\n"
    assert run(c, "get secrets") == "NAME   TYPE     DATA   AGE\ndb     Opaque   2      114s\n"
    assert run(c, "get ns default") == "NAME      STATUS   AGE\ndefault   Active   114s\n"
    assert run(c, "get pc") == (
        "NAME                      VALUE        GLOBAL-DEFAULT   AGE\n"
        "system-cluster-critical   2000000000   false            114s\n"
        "system-node-critical      2000001000   false            114s\n"
    )


def test_storage_tables_use_the_volumeattributesclass_columns():
    """golden 5.7: PV and PVC tables with ``VOLUMEATTRIBUTESCLASS`` ``<unset>``; sc ``(default)``."""
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "app-pv"},
                  "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteMany"],
                           "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "sc-001",
                           "hostPath": {"path": "/data"}}})  # fmt: skip
    c.api.replace_status("PersistentVolume", "app-pv", None, {"phase": "Available"}, user="test")
    c.api.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                  "metadata": {"name": "fast",
                               "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                  "provisioner": "k8s.io/minikube-hostpath"})  # fmt: skip
    c.api.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                  "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}},
                           "storageClassName": "fast", "volumeName": "pvc-99657db9"}})  # fmt: skip
    c.api.replace_status("PersistentVolumeClaim", "data", "default", {
        "phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}, user="test")  # fmt: skip
    travel(c, 12)
    assert run(c, "get pv").stdout == (
        "NAME     CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM   STORAGECLASS   "
        "VOLUMEATTRIBUTESCLASS   REASON   AGE\n"
        "app-pv   2Gi        RWX            Retain           Available           sc-001         "
        "<unset>                          12s\n"
    )
    assert run(c, "get pvc").stdout == (
        "NAME   STATUS   VOLUME         CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\n"
        "data   Bound    pvc-99657db9   5Gi        RWO            fast           <unset>                 12s\n"
    )
    assert run(c, "get sc fast").stdout == (
        "NAME             PROVISIONER                RECLAIMPOLICY   VOLUMEBINDINGMODE   ALLOWVOLUMEEXPANSION   AGE\n"
        "fast (default)   k8s.io/minikube-hostpath   Delete          Immediate           false                  12s\n"
    )


def _hpa(metrics_status=None):
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "php-apache"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"},
                 "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": 50}}}]},
    }  # fmt: skip


def test_hpa_targets_column():
    """golden 5.6: ``cpu: <unknown>/50%`` before the first sample, ``cpu: 49%/50%`` after."""
    c = new_cluster()
    c.api.create(_hpa())
    c.api.replace_status("HorizontalPodAutoscaler", "php-apache", "default", {"currentReplicas": 1, "desiredReplicas": 1},
                         user="test")  # fmt: skip
    travel(c, 16)
    assert run(c, "get hpa") == (
        "NAME         REFERENCE               TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\n"
        "php-apache   Deployment/php-apache   cpu: <unknown>/50%   1         10        1          16s\n"
    )
    c.api.replace_status("HorizontalPodAutoscaler", "php-apache", "default", {
        "currentReplicas": 9, "desiredReplicas": 9, "currentMetrics": [{"type": "Resource", "resource": {
            "name": "cpu", "current": {"averageUtilization": 49, "averageValue": "98m"}}}]}, user="test")  # fmt: skip
    travel(c, 5 * 60 + 23)
    assert run(c, "get hpa") == (
        "NAME         REFERENCE               TARGETS        MINPODS   MAXPODS   REPLICAS   AGE\n"
        "php-apache   Deployment/php-apache   cpu: 49%/50%   1         10        9          5m39s\n"
    )


def test_events_table_is_not_sorted_by_time():
    """printEvent (golden 9.3): LAST SEEN TYPE REASON OBJECT MESSAGE in the server's (name) order."""
    c = new_cluster()
    make_node(c, "minikube")
    pod = make_pod(c, "hello-node-7c97b7fcf5-wmwdw", node="minikube")
    travel(c, 9)
    c.recorder("kubelet", "minikube").normal(
        pod, "Pulled", "Successfully pulled image", field_path="spec.containers{x}"
    )
    travel(c, 70)
    node = c.api.get("Node", "minikube")
    c.recorder("node-controller").normal(
        node, "RegisteredNode", "Node minikube event: Registered Node minikube in Controller"
    )
    travel(c, 5)
    out = run(c, "get events")
    assert out == (
        "LAST SEEN   TYPE     REASON           OBJECT                            MESSAGE\n"
        "75s         Normal   Pulled           pod/hello-node-7c97b7fcf5-wmwdw   Successfully pulled image\n"
        "5s          Normal   RegisteredNode   node/minikube                     "
        "Node minikube event: Registered Node minikube in Controller\n"
    )
    wide = run(c, "get events -o wide").splitlines()
    import re

    assert re.split(r"\s{2,}", wide[0]) == [
        "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]  # fmt: skip
    assert "spec.containers{x}" in wide[1] and "kubelet, minikube" in wide[1]
    by_time = run(c, "get events --sort-by=.lastTimestamp").splitlines()
    assert [line.split()[2] for line in by_time[1:]] == ["Pulled", "RegisteredNode"]


# -- options -----------------------------------------------------------------------------


@pytest.fixture
def web(cluster):
    for i, (app, tier) in enumerate((("web", "fe"), ("web", "fe"), ("db", "be"))):
        make_pod(cluster, f"{app}-{i}", labels={"app": app, "tier": tier}, conditions={"Ready": "True"},
                 statuses=[cstatus("app", running(1), ready=True)], ip=f"10.244.0.{10 + i}")  # fmt: skip
    make_pod(cluster, "sys", namespace="kube-system", labels={"k8s-app": "dns"})
    travel(cluster, 30)
    return cluster


def test_label_selector_and_label_columns(web):
    """``-l``, ``-L`` (upper-cased last path segment) and ``--show-labels`` (tableprinter.go)."""
    assert run(web, "get pods -l app=web -L tier --show-labels") == (
        "NAME    READY   STATUS    RESTARTS   AGE   TIER   LABELS\n"
        "web-0   1/1     Running   0          30s   fe     app=web,tier=fe\n"
        "web-1   1/1     Running   0          30s   fe     app=web,tier=fe\n"
    )
    assert run(web, "get pods -l 'app in (db)' --no-headers") == "db-2   1/1   Running   0     30s\n"


def test_all_namespaces_adds_a_namespace_column(web):
    lines = run(web, "get pods -A").splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["default", "db-2"], ["default", "web-0"], ["default", "web-1"], ["kube-system", "sys"]]  # fmt: skip


def test_names_and_type_slash_name(web):
    assert run(web, "get pod web-0").splitlines()[1].split()[0] == "web-0"
    assert run(web, "get pod/web-0 pod/db-2").splitlines()[1:] == [
        "web-0   1/1     Running   0          30s", "db-2    1/1     Running   0          30s"]  # fmt: skip
    out = run(web, "get pods web-0 nope")
    assert out.stdout.splitlines()[1].startswith("web-0")
    assert out.stderr == 'Error from server (NotFound): pods "nope" not found\n'
    assert out.exit_code == 1


def test_several_types_print_kind_prefixes_and_a_blank_line(web):
    """golden 5.1 TestNoBlankLinesForGetMultipleTableResource: ``pod/..`` then a blank line, ``service/..``.

    The prefix depends on the kinds actually printed (get.go ``multipleGVKsRequested(infos)``):
    when no Service matches, the pods print without ``pod/``.
    """
    out = run(web, "get pods,svc -l app=web")
    assert out == (
        "NAME    READY   STATUS    RESTARTS   AGE\n"
        "web-0   1/1     Running   0          30s\n"
        "web-1   1/1     Running   0          30s\n"
    )
    out = run(web, "get pods,services")
    assert out.stdout.startswith("NAME        READY   STATUS    RESTARTS   AGE\npod/db-2    1/1")
    assert out.stdout.split("\n\n")[1].startswith("NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP")
    assert "service/kubernetes" in out.stdout


def test_get_all_lists_workload_kinds(web):
    out = run(web, "get all").stdout
    assert out.startswith("NAME        READY   STATUS    RESTARTS   AGE\npod/db-2 ")
    assert "\n\nNAME                 TYPE" in out and "service/kubernetes" in out


def test_output_name_yaml_json(web):
    assert run(web, "get pods -l app=web -o name") == "pod/web-0\npod/web-1\n"
    single = json.loads(run(web, "get pod web-0 -o json"))
    assert single["kind"] == "Pod" and single["metadata"]["name"] == "web-0"
    listed = run(web, "get pods -l app=db -o json")
    doc = json.loads(listed)
    assert list(doc) == ["apiVersion", "items", "kind", "metadata"]
    assert doc["kind"] == "List" and doc["metadata"] == {"resourceVersion": ""}
    assert listed.startswith('{\n    "apiVersion": "v1",\n    "items": [\n        {\n')
    text = run(web, "get pod web-0 -o yaml")
    assert text.startswith('apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: "2026-01-01T00:00:00Z"\n')
    assert '  - status: "True"\n    type: Ready\n' in text
    assert yaml.safe_load(text)["metadata"]["labels"] == {"app": "web", "tier": "fe"}
    empty = json.loads(run(web, "get pods -l app=none -o json"))
    assert empty["items"] == []


def test_jsonpath_and_custom_columns(web):
    assert run(web, "get pods -o jsonpath={.items[*].metadata.name}") == "db-2 web-0 web-1"
    text = run(web, 'get pods -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}\'')
    assert text == "db-2\t10.244.0.12\nweb-0\t10.244.0.10\nweb-1\t10.244.0.11\n"
    assert run(web, "get pods -l app=web -o jsonpath-as-json={.items[*].metadata.name}") == (
        '[\n    "web-0",\n    "web-1"\n]\n'
    )
    assert run(web, "get pods -o jsonpath").stderr == "error: template format specified but no template given\n"
    cond = run(web, """get pod web-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'""")
    assert cond == "True"
    assert run(
        web, "get pods -l app=web -o custom-columns=NAME:.metadata.name,IP:.status.podIP,NODE:.spec.nodeName"
    ) == ("NAME    IP            NODE\nweb-0   10.244.0.10   node-1\nweb-1   10.244.0.11   node-1\n")


def test_sort_by_and_field_selector(web):
    out = run(web, "get pods --sort-by=.status.podIP")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["web-0", "web-1", "db-2"]
    out = run(web, "get pods --field-selector=metadata.name=db-2")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["db-2"]
    out = run(web, "get pods --sort-by=.spec.nope")
    assert out.stderr == 'error: couldn\'t find any field with path "{.spec.nope}" in the list of objects\n'


def test_big_clusters_are_printed_in_one_pass():
    """150,000 pods is the scale target: the row code must not rescan or re-parse per row (brief)."""
    from k8slearn.api.resources import resolve
    from k8slearn.kubectl.builder import Info
    from k8slearn.kubectl.output import print_tables

    res = resolve("pods")
    pods = [Info(res, _pod([cstatus("c0", running(1), ready=True)])) for _ in range(2000)]
    text = print_tables(pods, 60, all_namespaces=False)
    assert text.count("\n") == 2001
