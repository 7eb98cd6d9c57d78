"""The writing and the other commands: apply, create, delete, label, annotate, taint, expose, run,
logs, top, events, api-resources, version, cluster-info (golden-outputs.md 5.8, 6.3, 9.4, 11)."""

from __future__ import annotations

import pytest
from kubectl_testkit import cstatus, make_node, make_pod, new_cluster, running

import k8slearn.node.cadvisor as cadvisor
from k8slearn.kubectl import run

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  replicas: 3
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  selector: {app: nginx}
  ports: [{port: 80}]
"""


@pytest.fixture
def cluster():
    return new_cluster()


def test_apply_prints_created_unchanged_configured(cluster, tmp_path, monkeypatch):
    """golden 6.3 (apply.go operations): ``deployment.apps/nginx-deployment created``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(DEPLOYMENT)
    assert run(cluster, "apply -f app.yaml") == "deployment.apps/nginx-deployment created\nservice/nginx created\n"
    assert run(cluster, "kubectl apply -f app.yaml") == (
        "deployment.apps/nginx-deployment unchanged\nservice/nginx unchanged\n"
    )
    (tmp_path / "app.yaml").write_text(DEPLOYMENT.replace("replicas: 3", "replicas: 5"))
    assert run(cluster, "apply -f app.yaml").startswith("deployment.apps/nginx-deployment configured\n")
    assert cluster.api.get("Deployment", "nginx-deployment", "default")["spec"]["replicas"] == 5
    assert run(cluster, "apply -f app.yaml --dry-run=client") == (
        "deployment.apps/nginx-deployment configured (dry run)\nservice/nginx configured (dry run)\n"
    )


def test_apply_a_folder_and_stdin(cluster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n")
    (tmp_path / "m" / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n")
    assert run(cluster, "apply -f m") == "namespace/team-a created\nconfigmap/cfg created\n"
    out = run(cluster, "apply -f -", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: piped}\n")
    assert out == "configmap/piped created\n"
    assert run(cluster, "apply -f -").stderr.startswith("error: no objects passed to apply")
    assert run(cluster, "apply -f nope.yaml").stderr == 'error: the path "nope.yaml" does not exist\n'


def test_apply_namespace_flag_and_a_conflicting_object(cluster):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: kube-system}\n"
    out = run(cluster, "apply -f - -n default", stdin=manifest)
    assert out.stderr == (
        'error: the namespace from the provided object "kube-system" does not match the namespace "default". '
        "You must pass '--namespace=kube-system' to perform this operation.\n"
    )
    out = run(cluster, "apply -f - -n kube-system", stdin=manifest.replace(", namespace: kube-system", ""))
    assert out == "configmap/cfg created\n"
    assert cluster.api.get_or_none("ConfigMap", "cfg", "kube-system") is not None


def test_create_generators(cluster):
    assert run(cluster, "create deployment web --image=nginx --replicas=2 --port=80") == "deployment.apps/web created\n"
    d = cluster.api.get("Deployment", "web", "default")
    assert d["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert d["spec"]["template"]["spec"]["containers"][0]["name"] == "nginx"
    assert d["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert run(cluster, "create ns team-a") == "namespace/team-a created\n"
    assert run(cluster, "create configmap cfg --from-literal=a=1 --from-literal=b=2") == "configmap/cfg created\n"
    assert cluster.api.get("ConfigMap", "cfg", "default")["data"] == {"a": "1", "b": "2"}
    assert run(cluster, "create secret generic s --from-literal=password=s3cr3t") == "secret/s created\n"
    assert cluster.api.get("Secret", "s", "default")["data"] == {"password": "czNjcjN0"}
    out = run(cluster, "create ns team-a")
    assert out.stderr == 'Error from server (AlreadyExists): namespaces "team-a" already exists\n'


def test_run_creates_one_pod_labelled_run_name(cluster):
    """generate/versioned BasicPod: label ``run=<name>``, container named like the pod, args after ``--``."""
    assert run(cluster, "run tmp --image=busybox --restart=Never -- sleep 3600") == "pod/tmp created\n"
    pod = cluster.api.get("Pod", "tmp", "default")
    assert pod["metadata"]["labels"] == {"run": "tmp"}
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["containers"][0]["name"] == "tmp"
    assert pod["spec"]["containers"][0]["args"] == ["sleep", "3600"]
    assert run(cluster, "run x").stderr == 'error: required flag(s) "image" not set\n'


def test_expose_takes_selector_ports_and_labels_from_the_deployment(cluster):
    cluster.apply(DEPLOYMENT.split("---")[0])
    assert run(
        cluster, "expose deployment nginx-deployment --port=8080 --target-port=80 --type=NodePort --name=web"
    ) == ("service/web exposed\n")
    svc = cluster.api.get("Service", "web", "default")
    assert svc["spec"]["selector"] == {"app": "nginx"}
    assert svc["spec"]["ports"][0]["port"] == 8080 and svc["spec"]["ports"][0]["targetPort"] == 80
    assert svc["spec"]["type"] == "NodePort"
    assert run(cluster, "expose deployment nginx-deployment") == "service/nginx-deployment exposed\n"
    assert cluster.api.get("Service", "nginx-deployment", "default")["spec"]["ports"][0]["port"] == 80
    assert run(cluster, "expose ns default").stderr == "error: cannot expose a Namespace\n"


def test_delete_messages_name_the_namespace_since_1_34(cluster):
    """golden 6.3 (delete.go PrintObj, kubectl >= 1.34)."""
    make_node(cluster, "node-1")
    make_pod(cluster, "nginx", statuses=[cstatus("app", running(1), ready=True)])
    assert run(cluster, "delete pod nginx") == 'pod "nginx" deleted from default namespace\n'
    assert cluster.api.get("Pod", "nginx", "default")["metadata"]["deletionTimestamp"]
    run(cluster, "create ns team-a")
    assert run(cluster, "delete ns team-a") == 'namespace "team-a" deleted\n'
    cluster.apply(DEPLOYMENT)
    assert run(cluster, "delete deploy nginx-deployment") == (
        'deployment.apps "nginx-deployment" deleted from default namespace\n'
    )


def test_force_delete_warns_first(cluster):
    """golden 6.3: the warning on stderr, then ``force deleted`` (delete_test.go)."""
    make_node(cluster, "node-1")
    make_pod(cluster, "nginx")
    out = run(cluster, "delete pod nginx --grace-period=0 --force")
    assert out.stderr == (
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been "
        "terminated. The resource may continue to run on the cluster indefinitely.\n"
    )
    assert out.stdout == 'pod "nginx" force deleted from default namespace\n'
    assert str(out).startswith("Warning: Immediate deletion")
    assert cluster.api.get_or_none("Pod", "nginx", "default") is None


def test_delete_by_selector_all_and_missing(cluster):
    make_node(cluster, "node-1")
    for name in ("web-0", "web-1", "db-0"):
        make_pod(cluster, name, labels={"app": name.split("-")[0]}, node=None, phase="Pending")
    assert run(cluster, "delete pod -l app=web") == (
        'pod "web-0" deleted from default namespace\npod "web-1" deleted from default namespace\n'
    )
    assert run(cluster, "delete pods -l app=none") == "No resources found\n"
    assert run(cluster, "delete pods --all") == 'pod "db-0" deleted from default namespace\n'
    out = run(cluster, "delete pod nope")
    assert (out.stderr, out.exit_code) == ('Error from server (NotFound): pods "nope" not found\n', 1)
    assert run(cluster, "delete pod nope --ignore-not-found") == "No resources found\n"  # delete.go: found == 0
    assert run(cluster, "delete").stderr.startswith("error: You must provide one or more resources")
    assert (
        run(cluster, "delete pods --all -l a=b").stderr == "error: cannot set --all and --selector at the same time\n"
    )
    assert run(cluster, "delete pod x --force --grace-period=5").stderr == (
        "error: --force and --grace-period greater than 0 cannot be specified together\n"
    )
    assert run(cluster, "delete pod x --cascade=sideways").stderr == (
        'error: invalid cascade value (sideways). Must be "background", "foreground", or "orphan".\n'
    )


def test_delete_cascade_orphan_keeps_the_dependents(cluster):
    cluster.apply(DEPLOYMENT.split("---")[0])
    cluster.run(2)
    assert cluster.api.list("ReplicaSet", "default")
    out = run(cluster, "delete deployment nginx-deployment --cascade=orphan")
    assert out == 'deployment.apps "nginx-deployment" deleted from default namespace\n'
    cluster.run(5)
    assert cluster.api.get_or_none("Deployment", "nginx-deployment", "default") is None
    assert cluster.api.list("ReplicaSet", "default"), "orphaned ReplicaSets stay"


def test_label_and_annotate(cluster):
    make_node(cluster, "node-1")
    make_pod(cluster, "web", labels={"app": "web"})
    assert run(cluster, "label pod web tier=fe") == "pod/web labeled\n"
    assert run(cluster, "label pod web tier=be").stderr == (
        "error: 'tier' already has a value (fe), and --overwrite is false\n"
    )
    assert run(cluster, "label pod web tier=be --overwrite") == "pod/web labeled\n"
    assert run(cluster, "label pod web tier=be") == "pod/web not labeled\n"
    assert run(cluster, "label pod web tier- x-") == 'label "x" not found.\npod/web unlabeled\n'
    assert run(cluster, "label pod web a=b app-") == "pod/web modified\n"
    assert run(cluster, "label pod web 'bad=x y'").stderr.startswith('error: invalid label value: "bad=x y": ')
    assert cluster.api.get("Pod", "web", "default")["metadata"]["labels"] == {"a": "b"}
    assert run(cluster, "annotate pod web owner=team-a") == "pod/web annotated\n"
    assert run(cluster, "annotate pod web owner=team-b").stderr == (
        "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value "
        "(team-a)\n"
    )
    assert run(cluster, "annotate pod web owner-") == "pod/web annotated\n"
    assert run(cluster, "label nodes --all zone=a") == "node/node-1 labeled\n"


def test_taint_add_remove_and_errors():
    """golden 11 (taint/utils.go): tainted, untainted, modified and the --overwrite error."""
    c = new_cluster()
    make_node(c, "node1")
    assert run(c, "taint nodes node1 key1=value1:NoSchedule") == "node/node1 tainted\n"
    assert c.api.get("Node", "node1")["spec"]["taints"] == [{"key": "key1", "value": "value1", "effect": "NoSchedule"}]
    assert run(c, "taint nodes node1 key1=value1:NoSchedule").stderr == (
        "error: node node1 already has key1 taint(s) with same effect(s) and --overwrite is false\n"
    )
    assert run(c, "taint nodes node1 key1=value2:NoSchedule --overwrite") == "node/node1 modified\n"
    assert run(c, "taint nodes node1 key1=value1:NoSchedule-") == "node/node1 untainted\n"
    assert "taints" not in c.api.get("Node", "node1")["spec"]
    assert run(c, "taint nodes node1 key1:NoSchedule-").stderr == 'error: taint "key1:NoSchedule" not found\n'
    assert run(c, "taint nodes node1 key1=v:Sometimes").stderr == (
        "error: invalid taint effect: Sometimes, unsupported taint effect\n"
    )
    assert run(c, "taint pods web a=b:NoSchedule").stderr == (
        "error: invalid resource type pods, only node types are supported\n"
    )
    text = run(c, "describe node node1")
    assert "Taints:             <none>\n" in text


def test_logs_default_container_note_and_kubelet_text(cluster, monkeypatch):
    """logsforobject.go: ``Defaulted container "app" out of: app, sidecar`` on stderr."""
    c = new_cluster()
    c.add_node("node-1")
    make_pod(c, "web", node="node-1", containers=("app", "sidecar"))
    host = c.hosts["node-1"]
    calls = []

    def fake_logs(pod_name, namespace="default", container=None, previous=False, tail=None):
        calls.append((pod_name, namespace, container, previous, tail))
        return "line 1\nline 2"

    monkeypatch.setattr(host.kubelet, "logs", fake_logs, raising=False)
    out = run(c, "logs web --tail 2 -p")
    assert out.stderr == 'Defaulted container "app" out of: app, sidecar\n'
    assert out.stdout == "line 1\nline 2\n"
    assert calls == [("web", "default", "app", True, 2)]
    assert run(c, "logs web -c sidecar").stderr == ""
    assert run(c, "logs web -c nope").stderr == "error: container nope is not valid for pod web out of: app, sidecar\n"
    assert run(c, "logs nope").stderr == 'Error from server (NotFound): pods "nope" not found\n'
    c.fail_node("node-1")  # the API server cannot reach the kubelet any more
    assert run(c, "logs web -c app").stderr == (
        'Error from server: Get "https://192.168.0.10:10250/containerLogs/default/web/app": '
        "dial tcp 192.168.0.10:10250: connect: connection refused\n"
    )


def test_top_formats_usage_like_metrics_printer(cluster, monkeypatch):
    """golden 5.8: ``%vm``, ``%vMi``, ``%d%%`` of allocatable, a tab after every cell."""
    make_node(cluster, "node-1", cpu="4", memory="8Gi")
    make_node(cluster, "node-2", cpu="4", memory="8Gi")
    make_pod(cluster, "web", node="node-1")
    node_usage = [{"metadata": {"name": "node-1"}, "usage": {"cpu": "316m", "memory": "1512Mi"}}]
    pod_usage = [{"metadata": {"name": "web", "namespace": "default"},
                  "containers": [{"name": "app", "usage": {"cpu": "1m", "memory": "4Mi"}},
                                 {"name": "log", "usage": {"cpu": "2500u", "memory": "1048575"}}]}]  # fmt: skip
    monkeypatch.setattr(cadvisor, "node_metrics", lambda c: node_usage)
    monkeypatch.setattr(cadvisor, "pod_metrics", lambda c, namespace=None: pod_usage)
    assert run(cluster, "top nodes") == (
        "NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n"
        "node-1   316m         7%          1512Mi          18%         \n"
        "node-2   <unknown>    <unknown>   <unknown>       <unknown>   \n"
    )
    assert run(cluster, "top pods") == ("NAME   CPU(cores)   MEMORY(bytes)   \nweb    4m           4Mi             \n")
    assert run(cluster, "top pod web --containers") == (
        "POD   NAME   CPU(cores)   MEMORY(bytes)   \n"
        "web   app    1m           4Mi             \n"
        "web   log    3m           0Mi             \n"
    )


def test_top_without_samples(cluster, monkeypatch):
    monkeypatch.setattr(cadvisor, "node_metrics", lambda c: [])
    monkeypatch.setattr(cadvisor, "pod_metrics", lambda c, namespace=None: [])
    assert run(cluster, "top nodes").stderr == "error: metrics not available yet\n"
    assert run(cluster, "top pods").stderr == "No resources found in default namespace.\n"
    make_node(cluster, "node-1")
    make_pod(cluster, "web")
    assert run(cluster, "top pods").stderr == "error: metrics not available yet\n"
    assert (
        run(cluster, "top foo").stderr == "error: unknown command \"foo\"\nSee 'kubectl top -h' for help and examples\n"
    )


def test_top_reads_the_simulated_metrics_pipeline():
    c = new_cluster()
    c.add_node("node-1")
    c.run(30)
    out = run(c, "top nodes")
    assert out.splitlines()[0] == "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   "
    assert out.splitlines()[1].startswith("node-1   ")


def test_events_command_sorts_by_time_and_aggregates():
    """golden 9.4 (events_test.go with --all-namespaces): ``20m (x3 over 30m)`` and ``Kind/name``."""
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "foo"}})
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "otherfoo"}})
    deployments = {}
    for ns in ("foo", "otherfoo"):
        deployments[ns] = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": "bar", "namespace": ns, "uid": f"uid-{ns}"}}  # fmt: skip
    rec = c.recorder("deployment-controller")
    msg = "Scaled up replica set bar-002 from 0 to 1"
    timeline = [(0, "foo", "Normal"), (120, "foo", "Warning"), (300, "foo", "Normal"), (300, "otherfoo", "Normal"),
                (420, "foo", "Warning"), (600, "foo", "Normal"), (600, "otherfoo", "Normal"),
                (720, "foo", "Warning"), (900, "otherfoo", "Normal")]  # fmt: skip
    for t, ns, type_ in timeline:
        c.clock.now = t
        rec.event(deployments[ns], type_, "ScalingReplicaSet", msg)
    c.clock.now = 1800
    assert run(c, "events -A") == (
        "NAMESPACE   LAST SEEN           TYPE      REASON              OBJECT           MESSAGE\n"
        "foo         20m (x3 over 30m)   Normal    ScalingReplicaSet   Deployment/bar   "
        "Scaled up replica set bar-002 from 0 to 1\n"
        "foo         18m (x3 over 28m)   Warning   ScalingReplicaSet   Deployment/bar   "
        "Scaled up replica set bar-002 from 0 to 1\n"
        "otherfoo    15m (x3 over 25m)   Normal    ScalingReplicaSet   Deployment/bar   "
        "Scaled up replica set bar-002 from 0 to 1\n"
    )
    # without the header the NAMESPACE column is as wide as "otherfoo" + 3
    assert run(c, "events -A --no-headers").splitlines()[0].startswith("foo        20m (x3 over 30m)   Normal")
    warnings = run(c, "events -n foo --types=Warning").splitlines()
    assert len(warnings) == 2 and warnings[1].split()[4] == "Warning"
    assert run(c, "events").stderr == "No events found in default namespace.\n"
    assert run(c, "events -n foo --for deployment/bar").count("Deployment/bar") == 2


def test_api_resources_version_and_cluster_info(cluster):
    """apiresources.go: sorted by group then name; version.go; clusterinfo.go."""
    lines = run(cluster, "api-resources").splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert lines[1].split() == ["configmaps", "cm", "v1", "true", "ConfigMap"]
    assert [line.split()[0] for line in lines[1:]].index("daemonsets") > [line.split()[0] for line in lines[1:]].index(
        "services"
    )
    assert "deployments    deploy" not in run(cluster, "api-resources --namespaced=false")
    assert (
        run(cluster, "api-resources --api-group=apps -o name")
        == "daemonsets.apps\ndeployments.apps\nreplicasets.apps\n"
    )
    assert run(cluster, "version") == "Client Version: v1.36.0\nKustomize Version: v5.8.1\nServer Version: v1.36.0\n"
    info = run(cluster, "cluster-info")
    assert info.startswith("Kubernetes control plane is running at https://")
    assert info.endswith("\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")


def test_global_flags_before_the_command_stay_out_of_container_args(cluster):
    run(cluster, "create ns foo")
    assert run(cluster, "-n foo create deployment web --image=nginx") == "deployment.apps/web created\n"
    assert run(cluster, "kubectl --namespace=foo run tmp --image=busybox -- sleep 1") == "pod/tmp created\n"
    assert cluster.api.get("Pod", "tmp", "foo")["spec"]["containers"][0]["args"] == ["sleep", "1"]
    assert run(cluster, "--bogus get pods").stderr == "error: unknown flag: --bogus\nSee 'kubectl --help' for usage.\n"
