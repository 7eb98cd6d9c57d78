"""``kubectl describe`` layouts against golden-outputs.md section 4 (and 5.5 / 10 for services).

The golden samples were captured with older kubectl releases; where kubectl 1.36's
``pkg/describe/describe.go`` prints a line differently, the expected text says so next
to the change. Time stamps are in the simulator's zone (``+0000``); they have the same
width as the captured ``-0500`` ones, so the alignment under test is unchanged.
"""

from __future__ import annotations

import pytest
from kubectl_testkit import cstatus, make_pod, new_cluster, running, terminated, travel, ts, waiting

from k8slearn.kubectl import run
from k8slearn.kubectl.describe import describe_object, describe_probe, pod_qos_class
from k8slearn.kubectl.printers import format_rfc1123z

TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def _golden_pod() -> dict:
    """The pod of golden 4.1 (Debug Running Pods page), as a Kubernetes object."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "nginx-deployment-67d4bdd6f5-w6kd7",
            "namespace": "default",
            "uid": "0e0b5d2f-9f6b-4d6c-9a8e-2f1c0a1b2c3d",
            "creationTimestamp": ts(0),
            "labels": {"app": "nginx", "pod-template-hash": "67d4bdd6f5"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "nginx-deployment-67d4bdd6f5",
                    "uid": "rs-uid",
                    "controller": True,
                }
            ],
        },  # fmt: skip
        "spec": {
            "priority": 0,
            "nodeName": "kube-worker-1",
            "containers": [
                {
                    "name": "nginx",
                    "image": "nginx",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {
                        "limits": {"cpu": "500m", "memory": "128Mi"},
                        "requests": {"cpu": "500m", "memory": "128Mi"},
                    },
                    "volumeMounts": [
                        {
                            "name": "kube-api-access-bgsgp",
                            "readOnly": True,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        }
                    ],
                }  # fmt: skip
            ],
            "volumes": [
                {
                    "name": "kube-api-access-bgsgp",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                            {
                                "downwardAPI": {
                                    "items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]
                                }
                            },
                        ]  # fmt: skip
                    },
                }
            ],
            "tolerations": TOLERATIONS,
        },
        "status": {
            "phase": "Running",
            "hostIP": "192.168.0.113",
            "podIP": "10.88.0.3",
            "podIPs": [{"ip": "10.88.0.3"}, {"ip": "2001:db8::1"}],
            "startTime": ts(0),
            "qosClass": "Guaranteed",
            "conditions": [
                {"type": t, "status": "True"} for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": "nginx",
                    "containerID": "containerd://5403af59a2b46ee5a23fb0ae4b1e077f7ca5c5fb7af16e1ab21c00e0e616462a",
                    "image": "docker.io/library/nginx:latest",
                    "imageID": "docker.io/library/nginx@sha256:"
                    "2834dc507516af02784808c5f48b7cbe38b8ed5d0f4837f16e78d00deb7e7767",
                    "state": {"running": {"startedAt": ts(4)}},
                    "ready": True,
                    "restartCount": 0,
                }
            ],
        },
    }


# golden 4.1, with the 1.36 rendering of the projected config map
# (describe.go printProjectedVolumeSource: "Optional:  false" replaces "ConfigMapOptional:  <nil>").
GOLDEN_POD = """\
Name:         nginx-deployment-67d4bdd6f5-w6kd7
Namespace:    default
Priority:     0
Node:         kube-worker-1/192.168.0.113
Start Time:   Thu, 01 Jan 2026 00:00:00 +0000
Labels:       app=nginx
              pod-template-hash=67d4bdd6f5
Annotations:  <none>
Status:       Running
IP:           10.88.0.3
IPs:
  IP:           10.88.0.3
  IP:           2001:db8::1
Controlled By:  ReplicaSet/nginx-deployment-67d4bdd6f5
Containers:
  nginx:
    Container ID:   containerd://5403af59a2b46ee5a23fb0ae4b1e077f7ca5c5fb7af16e1ab21c00e0e616462a
    Image:          nginx
    Image ID:       docker.io/library/nginx@sha256:2834dc507516af02784808c5f48b7cbe38b8ed5d0f4837f16e78d00deb7e7767
    Port:           80/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      Thu, 01 Jan 2026 00:00:04 +0000
    Ready:          True
    Restart Count:  0
    Limits:
      cpu:     500m
      memory:  128Mi
    Requests:
      cpu:        500m
      memory:     128Mi
    Environment:  <none>
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-bgsgp (ro)
Conditions:
  Type              Status
  Initialized       True 
  Ready             True 
  ContainersReady   True 
  PodScheduled      True 
Volumes:
  kube-api-access-bgsgp:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    Optional:                false
    DownwardAPI:             true
QoS Class:                   Guaranteed
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  34s   default-scheduler  Successfully assigned default/nginx-deployment-67d4bdd6f5-w6kd7 to kube-worker-1
  Normal  Pulling    31s   kubelet            Pulling image "nginx"
  Normal  Pulled     30s   kubelet            Successfully pulled image "nginx" in 1.146417389s
  Normal  Created    30s   kubelet            Created container nginx
  Normal  Started    30s   kubelet            Started container nginx
"""  # noqa: W291 - the Conditions rows end in a space, as in the source ("%v \t%v \n")


def test_describe_pod_matches_the_golden_layout():
    """golden 4.1: block alignment, Controlled By, container fields, conditions, volumes, tolerations, events."""
    c = new_cluster()
    pod = _golden_pod()
    scheduler = c.recorder("default-scheduler")
    kubelet = c.recorder("kubelet", "kube-worker-1")
    scheduler.normal(
        pod, "Scheduled", "Successfully assigned default/nginx-deployment-67d4bdd6f5-w6kd7 to kube-worker-1"
    )
    travel(c, 3)
    kubelet.normal(pod, "Pulling", 'Pulling image "nginx"')
    travel(c, 1)
    kubelet.normal(pod, "Pulled", 'Successfully pulled image "nginx" in 1.146417389s')
    kubelet.normal(pod, "Created", "Created container nginx")
    kubelet.normal(pod, "Started", "Started container nginx")
    travel(c, 30)
    assert describe_object(c, pod) == GOLDEN_POD


def test_describe_pod_through_the_api(tmp_path):
    """The command path: service account line (1.24+), events with the field path prefix (1.36 describe.go)."""
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    make_pod(c, "web", labels={"app": "web"}, conditions={"Ready": "True"},
             statuses=[cstatus("app", running(1), ready=True, containerID="containerd://abc", imageID="sha")])  # fmt: skip
    pod = c.api.get("Pod", "web", "default")
    c.recorder("kubelet", "node-1").normal(pod, "Started", "Container started", field_path="spec.containers{app}")
    for _ in range(3):
        travel(c, 10)
        c.recorder("kubelet", "node-1").warning(pod, "Unhealthy", "Readiness probe failed: HTTP probe failed")
    travel(c, 10)
    out = run(c, "describe pod web")
    assert out.exit_code == 0
    lines = out.splitlines()
    assert lines[:5] == [
        "Name:             web",
        "Namespace:        default",
        "Priority:         0",
        "Service Account:  default",
        "Node:             node-1/",
    ]
    assert lines[-2:] == [
        "  Normal   Started    40s                kubelet  spec.containers{app}: Container started",
        "  Warning  Unhealthy  10s (x3 over 30s)  kubelet  Readiness probe failed: HTTP probe failed",
    ]
    assert "Events:\n  Type     Reason     Age                From     Message\n" in out


def token_volume(c, pod: str) -> str:
    """The ``kube-api-access-*`` volume the ServiceAccount admission plugin gave ``pod``."""
    return next(v["name"] for v in c.api.get("Pod", pod, "default")["spec"]["volumes"] if "projected" in v)


def test_describe_pod_states_probes_and_environment():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    probe_cfg = {
        "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5},
        "readinessProbe": {"tcpSocket": {"port": 80}},
        "startupProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
        "env": [
            {"name": "MODE", "value": "prod"},
            {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}}},
            {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password", "optional": True}}},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        ],
        "envFrom": [{"configMapRef": {"name": "common"}}, {"prefix": "DB_", "secretRef": {"name": "db"}}],
        "command": ["sh", "-c"],
        "args": ["echo hi"],
    }
    make_pod(c, "web", container_extra=probe_cfg, ip="10.244.1.5", statuses=[
        cstatus("app", waiting("CrashLoopBackOff"), restarts=3,
                last=terminated("OOMKilled", 137, started=10, finished=20))])  # fmt: skip
    travel(c, 60)
    text = run(c, "describe pod web")
    assert (
        "    State:          Waiting\n"
        "      Reason:       CrashLoopBackOff\n"
        "    Last State:     Terminated\n"
        "      Reason:       OOMKilled\n"
        "      Exit Code:    137\n"
        "      Started:      Thu, 01 Jan 2026 00:00:10 +0000\n"
        "      Finished:     Thu, 01 Jan 2026 00:00:20 +0000\n"
        "    Ready:          False\n"
        "    Restart Count:  3\n"
    ) in text
    assert "    Command:\n      sh\n      -c\n    Args:\n      echo hi\n" in text
    # the probe lines continue the block of "Restart Count:" (consecutive tabbed lines)
    assert (
        "    Restart Count:  3\n"
        "    Liveness:       exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3\n"
        "    Readiness:      tcp-socket :80 delay=0s timeout=1s period=10s #success=1 #failure=3\n"
        "    Startup:        http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n"
    ) in text
    assert (
        "    Environment Variables from:\n"
        "      common  ConfigMap                 Optional: false\n"
        "      db      Secret with prefix 'DB_'  Optional: false\n"
        "    Environment:\n"
        "      MODE:      prod\n"
        "      LEVEL:     <set to the key 'level' of config map 'cfg'>  Optional: false\n"
        "      PASSWORD:  <set to the key 'password' in secret 'db'>    Optional: true\n"
        "      POD_IP:    10.244.1.5 (v1:status.podIP)\n"
        "    Mounts:\n"
        f"      /var/run/secrets/kubernetes.io/serviceaccount from {token_volume(c, 'web')} (ro)\n"
    ) in text


def test_describe_probe_formats():
    """describe.go DescribeProbe (1.36: ``#success``/``#failure``)."""
    assert describe_probe({"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 0,
                           "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}) == (
        "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"
    )  # fmt: skip
    assert describe_probe({"exec": {"command": ["cat", "/tmp/healthy"]}}).startswith("exec [cat /tmp/healthy] delay=0s")
    assert describe_probe({"tcpSocket": {"port": "http"}}).startswith("tcp-socket :http delay=0s")


def test_describe_terminating_pod_shows_how_long_and_the_grace_period():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    make_pod(c, "web", statuses=[cstatus("app", running(1), ready=True)])
    c.api.delete("Pod", "web", "default")
    travel(c, 5)
    text = run(c, "describe pod web")
    assert "Status:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s\n" in text


def test_describe_pod_with_init_containers_and_an_empty_event_list():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    make_pod(c, "web", init=("setup",), phase="Pending", init_statuses=[cstatus("setup", running(1))],
             statuses=[cstatus("app", waiting("PodInitializing"))])  # fmt: skip
    text = run(c, "describe pod web")
    assert "Init Containers:\n  setup:\n" in text
    assert text.index("Init Containers:") < text.index("\nContainers:\n")
    # "Events:\t<none>" continues the block of the volumes and tolerations above it (golden 4.1: 29 columns)
    assert text.endswith(
        "                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
        "Events:                      <none>\n"
    )


# golden 4.9 (Debug Cluster page), node "kube-worker-1"; kubectl 1.36 no longer prints "Kube-Proxy Version:".
GOLDEN_NODE = """\
Name:               kube-worker-1
Roles:              <none>
Labels:             beta.kubernetes.io/arch=amd64
                    beta.kubernetes.io/os=linux
                    kubernetes.io/arch=amd64
                    kubernetes.io/hostname=kube-worker-1
                    kubernetes.io/os=linux
Annotations:        kubeadm.alpha.kubernetes.io/cri-socket: /run/containerd/containerd.sock
                    node.alpha.kubernetes.io/ttl: 0
                    volumes.kubernetes.io/controller-managed-attach-detach: true
CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000
Taints:             node.kubernetes.io/unreachable:NoExecute
                    node.kubernetes.io/unreachable:NoSchedule
Unschedulable:      false
Lease:
  HolderIdentity:  kube-worker-1
  AcquireTime:     <unset>
  RenewTime:       Thu, 01 Jan 2026 00:26:39 +0000
Conditions:
  Type                 Status    LastHeartbeatTime                 LastTransitionTime                Reason              Message
  ----                 ------    -----------------                 ------------------                ------              -------
  NetworkUnavailable   False     Thu, 01 Jan 2026 00:22:43 +0000   Thu, 01 Jan 2026 00:22:43 +0000   WeaveIsUp           Weave pod has set this
  MemoryPressure       Unknown   Thu, 01 Jan 2026 00:26:10 +0000   Thu, 01 Jan 2026 00:27:22 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
  DiskPressure         Unknown   Thu, 01 Jan 2026 00:26:10 +0000   Thu, 01 Jan 2026 00:27:22 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
  PIDPressure          Unknown   Thu, 01 Jan 2026 00:26:10 +0000   Thu, 01 Jan 2026 00:27:22 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
  Ready                Unknown   Thu, 01 Jan 2026 00:26:10 +0000   Thu, 01 Jan 2026 00:27:22 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
Addresses:
  InternalIP:  192.168.0.113
  Hostname:    kube-worker-1
Capacity:
  cpu:                2
  ephemeral-storage:  15372232Ki
  hugepages-2Mi:      0
  memory:             2025188Ki
  pods:               110
Allocatable:
  cpu:                2
  ephemeral-storage:  14167048988
  hugepages-2Mi:      0
  memory:             1922788Ki
  pods:               110
System Info:
  Machine ID:                 9384e2927f544209b5d7b67474bbf92b
  System UUID:                aa829ca9-73d7-064d-9019-df07404ad448
  Boot ID:                    5a295a03-aaca-4340-af20-1327fa5dab5c
  Kernel Version:             5.13.0-28-generic
  OS Image:                   Ubuntu 21.10
  Operating System:           linux
  Architecture:               amd64
  Container Runtime Version:  containerd://1.5.9
  Kubelet Version:            v1.23.3
Non-terminated Pods:          (4 in total)
  Namespace                   Name                                 CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----                                 ------------  ----------  ---------------  -------------  ---
  default                     nginx-deployment-67d4bdd6f5-cx2nz    500m (25%)    500m (25%)  128Mi (6%)       128Mi (6%)     23m
  default                     nginx-deployment-67d4bdd6f5-w6kd7    500m (25%)    500m (25%)  128Mi (6%)       128Mi (6%)     23m
  kube-system                 kube-proxy-dnxbz                     0 (0%)        0 (0%)      0 (0%)           0 (0%)         28m
  kube-system                 weave-net-gjxxp                      100m (5%)     0 (0%)      200Mi (10%)      0 (0%)         28m
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource           Requests     Limits
  --------           --------     ------
  cpu                1100m (55%)  1 (50%)
  memory             456Mi (24%)  256Mi (13%)
  ephemeral-storage  0 (0%)       0 (0%)
  hugepages-2Mi      0 (0%)       0 (0%)
Events:              <none>
"""


def _golden_node() -> dict:
    def cond(type_, status, beat, moved, reason, message):
        return {"type": type_, "status": status, "lastHeartbeatTime": ts(beat), "lastTransitionTime": ts(moved),
                "reason": reason, "message": message}  # fmt: skip

    unknown = ("Unknown", 1570, 1642, "NodeStatusUnknown", "Kubelet stopped posting node status.")
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": "kube-worker-1",
            "uid": "node-uid",
            "creationTimestamp": ts(0),
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": "kube-worker-1",
                "kubernetes.io/os": "linux",
            },
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },  # fmt: skip
        "spec": {
            "taints": [
                {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
            ]
        },  # fmt: skip
        "status": {
            "conditions": [
                cond("NetworkUnavailable", "False", 1363, 1363, "WeaveIsUp", "Weave pod has set this"),
                cond("MemoryPressure", *unknown),
                cond("DiskPressure", *unknown),
                cond("PIDPressure", *unknown),
                cond("Ready", *unknown),
            ],
            "addresses": [
                {"type": "InternalIP", "address": "192.168.0.113"},
                {"type": "Hostname", "address": "kube-worker-1"},
            ],
            "capacity": {
                "cpu": "2",
                "ephemeral-storage": "15372232Ki",
                "hugepages-2Mi": "0",
                "memory": "2025188Ki",
                "pods": "110",
            },
            "allocatable": {
                "cpu": "2",
                "ephemeral-storage": "14167048988",
                "hugepages-2Mi": "0",
                "memory": "1922788Ki",
                "pods": "110",
            },
            "nodeInfo": {
                "machineID": "9384e2927f544209b5d7b67474bbf92b",
                "systemUUID": "aa829ca9-73d7-064d-9019-df07404ad448",
                "bootID": "5a295a03-aaca-4340-af20-1327fa5dab5c",
                "kernelVersion": "5.13.0-28-generic",
                "osImage": "Ubuntu 21.10",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "containerRuntimeVersion": "containerd://1.5.9",
                "kubeletVersion": "v1.23.3",
                "kubeProxyVersion": "v1.23.3",
            },
        },  # fmt: skip
    }


def test_describe_node_matches_the_golden_layout():
    """golden 4.9: labels, annotations, taints sorted by effect, lease, conditions, capacity, pods, allocation."""
    c = new_cluster()
    node = _golden_node()
    c.api.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                  "metadata": {"name": "kube-worker-1", "namespace": "kube-node-lease"},
                  "spec": {"holderIdentity": "kube-worker-1", "renewTime": c.clock.micro_timestamp(1599)}})  # fmt: skip
    sized = {
        "resources": {"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}}
    }
    for name in ("kube-proxy-dnxbz", "weave-net-gjxxp"):
        extra = {"resources": {"requests": {"cpu": "100m", "memory": "200Mi"}}} if name.startswith("weave") else {}
        make_pod(c, name, namespace="kube-system", node="kube-worker-1", container_extra=extra)
    travel(c, 5 * 60)
    for name in ("nginx-deployment-67d4bdd6f5-w6kd7", "nginx-deployment-67d4bdd6f5-cx2nz"):
        make_pod(c, name, node="kube-worker-1", container_extra=sized)
    make_pod(c, "finished", node="kube-worker-1", phase="Succeeded", container_extra=sized)
    travel(c, 23 * 60)
    assert describe_object(c, node) == GOLDEN_NODE


def _deployment(c, name="nginx-deployment", image="nginx:1.16.1"):
    return c.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": "nginx"}, "annotations": {
            "kubernetes.io/change-cause": "kubectl set image deployment/nginx-deployment nginx=nginx:1.16.1"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}}, "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]}}},
    })  # fmt: skip


def _replicaset(c, deploy, name, image, replicas):
    template = {"metadata": {"labels": {"app": "nginx", "pod-template-hash": name.rsplit("-", 1)[1]}},
                "spec": {"containers": [{"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]}}  # fmt: skip
    c.api.create({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "labels": template["metadata"]["labels"], "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": deploy["metadata"]["name"],
             "uid": deploy["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": template["metadata"]["labels"]},
                 "template": template},
    })  # fmt: skip
    c.api.replace_status("ReplicaSet", name, "default", {"replicas": replicas}, user="test")


# golden 4.7 (third sample), rendered by 1.36 describe.go: annotations print "key: value", the pod
# template lists Node-Selectors and Tolerations (as in the 4.8 fixture) so its block is one column wider,
# the condition type cell ends in a space ("%v \t%v\t%v"), and OldReplicaSets lists every old ReplicaSet.
GOLDEN_DEPLOYMENT = """\
Name:                   nginx-deployment
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 app=nginx
Annotations:            deployment.kubernetes.io/revision: 4
                        kubernetes.io/change-cause: kubectl set image deployment/nginx-deployment nginx=nginx:1.16.1
Selector:               app=nginx
Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=nginx
  Containers:
   nginx:
    Image:         nginx:1.16.1
    Port:          80/TCP
    Host Port:     0/TCP
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  nginx-deployment-75675f5897 (0/0 replicas created)
NewReplicaSet:   nginx-deployment-c4747d96c (3/3 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  12m   deployment-controller  Scaled up replica set nginx-deployment-75675f5897 from 0 to 3
  Normal  ScalingReplicaSet  11m   deployment-controller  Scaled up replica set nginx-deployment-c4747d96c from 0 to 1
"""


def test_describe_deployment_matches_the_golden_layout():
    c = new_cluster()
    d = _deployment(c)
    c.api.patch("Deployment", "nginx-deployment", "default",
                {"metadata": {"annotations": {"deployment.kubernetes.io/revision": "4"}}})  # fmt: skip
    c.api.replace_status("Deployment", "nginx-deployment", "default", {
        "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                       {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]},
        user="test")  # fmt: skip
    _replicaset(c, d, "nginx-deployment-75675f5897", "nginx:1.14.2", 0)
    travel(c, 1)
    _replicaset(c, d, "nginx-deployment-c4747d96c", "nginx:1.16.1", 3)
    events = c.recorder("deployment-controller")
    events.normal(d, "ScalingReplicaSet", "Scaled up replica set nginx-deployment-75675f5897 from 0 to 3")
    travel(c, 60)
    events.normal(d, "ScalingReplicaSet", "Scaled up replica set nginx-deployment-c4747d96c from 0 to 1")
    travel(c, 11 * 60 + 5)
    deployment = c.api.get("Deployment", "nginx-deployment", "default")
    assert describe_object(c, deployment) == GOLDEN_DEPLOYMENT


def test_describe_deployment_without_replicasets_has_no_replicaset_lines():
    c = new_cluster()
    _deployment(c)
    text = run(c, "describe deploy nginx-deployment")
    assert "OldReplicaSets" not in text
    assert text.endswith("  Tolerations:     <none>\nEvents:            <none>\n")


# golden 5.5 (connect-applications-service page) rendered by 1.36 describe.go: newer clusters set
# internalTrafficPolicy, so the key column is 26 wide, as in the golden 10 capture
# ("Selector:                 app=myapp,slot=blue"); "Port:" has two columns.
GOLDEN_SERVICE = """\
Name:                     my-nginx
Namespace:                default
Labels:                   run=my-nginx
Annotations:              <none>
Selector:                 run=my-nginx
Type:                     ClusterIP
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.0.162.149
IPs:                      10.0.162.149
Port:                     <unset>  80/TCP
TargetPort:               80/TCP
Endpoints:                10.244.2.5:80,10.244.3.4:80
Session Affinity:         None
Internal Traffic Policy:  Cluster
Events:                   <none>
"""


def test_describe_service_matches_the_golden_layout():
    c = new_cluster()
    svc = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "my-nginx", "namespace": "default", "uid": "svc-uid", "labels": {"run": "my-nginx"}},
        "spec": {"selector": {"run": "my-nginx"}, "type": "ClusterIP", "ipFamilyPolicy": "SingleStack",
                 "ipFamilies": ["IPv4"], "clusterIP": "10.0.162.149", "clusterIPs": ["10.0.162.149"],
                 "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}], "sessionAffinity": "None",
                 "internalTrafficPolicy": "Cluster"},
    }  # fmt: skip
    c.api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": "my-nginx-7vzhx", "labels": {"kubernetes.io/service-name": "my-nginx"}},
                  "addressType": "IPv4", "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
                  "endpoints": [{"addresses": ["10.244.2.5"], "conditions": {"ready": True}},
                                {"addresses": ["10.244.3.4"], "conditions": {"ready": True}},
                                {"addresses": ["10.244.9.9"], "conditions": {"ready": False}}]})  # fmt: skip
    assert describe_object(c, svc) == GOLDEN_SERVICE


def test_describe_secret_shows_sizes_not_values():
    """describe.go describeSecret: ``password:  8 bytes``."""
    c = new_cluster()
    out = run(c, "create secret generic db --from-literal=password=s3cr3t!! --from-literal=user=admin")
    assert out == "secret/db created\n"
    assert run(c, "describe secret db") == (
        "Name:         db\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\n"
        "Type:  Opaque\n\nData\n====\npassword:  8 bytes\nuser:      5 bytes\n"
    )


def test_describe_configmap_namespace_and_replicaset():
    c = new_cluster()
    run(c, "create configmap cfg --from-literal=level=debug")
    assert run(c, "describe cm cfg").startswith("Name:         cfg\nNamespace:    default\n")
    assert run(c, "describe ns default") == (
        "Name:         default\nLabels:       kubernetes.io/metadata.name=default\nAnnotations:  <none>\n"
        "Status:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n"
    )
    d = _deployment(c)
    _replicaset(c, d, "nginx-deployment-c4747d96c", "nginx:1.16.1", 3)
    text = run(c, "describe rs nginx-deployment-c4747d96c")
    assert "Controlled By:  Deployment/nginx-deployment\n" in text
    assert "Replicas:       3 current / 3 desired\n" in text
    assert "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" in text


def test_describe_name_prefix_and_errors():
    """cmd/describe: an unknown name is a prefix; no match is the NotFound error; no type is the 7.5 text."""
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    make_pod(c, "web-1")
    make_pod(c, "web-2")
    text = run(c, "describe pods web")
    assert text.count("Name:             web-") == 2 and "Events:" not in text
    out = run(c, "describe pods db")
    assert (out.stderr, out.exit_code) == ('Error from server (NotFound): pods "db" not found\n', 1)
    out = run(c, "describe")
    assert out.stderr == (
        'error: You must specify the type of resource to describe. Use "kubectl api-resources" for a complete '
        "list of supported resources.\n"
    )
    both = run(c, "describe pods")  # Fprintf("\n\n%s") after a text that ends in a newline
    assert both.count("300s\n\n\nName:             web-2\n") == 1


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ({}, "BestEffort"),
        ({"requests": {"cpu": "100m"}}, "Burstable"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}}, "Burstable"),
    ],
    ids=[
        "no resources is BestEffort",
        "requests only is Burstable",
        "equal limits is Guaranteed",
        "lower requests is Burstable",
    ],  # fmt: skip
)
def test_qos_class_is_computed_when_the_status_has_none(resources, qos):
    """kubectl pkg/util/qos ComputePodQOS."""
    pod = {"spec": {"containers": [{"name": "a", "resources": resources}]}, "status": {}}
    assert pod_qos_class(pod) == qos


def test_rfc1123z_in_describe_uses_the_virtual_epoch():
    assert format_rfc1123z(ts(0)) == "Thu, 01 Jan 2026 00:00:00 +0000"
