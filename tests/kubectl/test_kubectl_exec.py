"""``kubectl exec``: upstream ``pkg/cmd/exec/exec.go`` messages and what a command in a container sees."""

from __future__ import annotations

import pytest

import k8slearn as kl

APP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {level: debug}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx
    env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level}}}]
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
  - name: side
    image: busybox
    command: ["sh", "-c", "touch /tmp/ready; sleep 3600"]
  volumes: [{name: cfg, configMap: {name: cfg}}]
"""


@pytest.fixture(scope="module")
def c() -> kl.Cluster:
    cluster = kl.Cluster.demo(nodes=1)
    cluster.apply(APP)
    cluster.run(20)
    return cluster


@pytest.mark.parametrize(
    "cmd,stdout,stderr,code",
    [
        ("exec web -c app -- printenv LEVEL", "debug\n", "", 0),
        ("exec web -- printenv LEVEL", "debug\n", 'Defaulted container "app" out of: app, side\n', 0),
        ("exec web -q -- printenv LEVEL", "debug\n", "", 0),
        ("exec web -c app -- cat /etc/cfg/level", "debug\n", "", 0),
        ("exec web -c app -- ls /var/run/secrets/kubernetes.io/serviceaccount", "ca.crt\nnamespace\ntoken\n", "", 0),
        ("exec web -c app -- cat /var/run/secrets/kubernetes.io/serviceaccount/namespace", "default\n", "", 0),
        ("exec web -c side -- ls /tmp", "ready\n", "", 0),
        ("exec web -c app -- sh -c 'echo $LEVEL on $HOSTNAME'", "debug on web\n", "", 0),
        ("exec web -c app -- cat /nope", "cat: /nope: No such file or directory\n",
         "command terminated with exit code 1\n", 1),
        ("exec web -c side -- sh -c 'exit 3'", "", "command terminated with exit code 3\n", 3),
    ],
    ids=["env from a ConfigMap key", "the first container by default", "quiet", "a mounted ConfigMap key",
         "the ServiceAccount volume", "the namespace file", "a file the process wrote", "sh -c with variables",
         "a failing command", "an exit code"],
)  # fmt: skip
def test_exec_runs_one_command_against_the_container(c, cmd, stdout, stderr, code):
    r = c.kubectl(cmd)
    assert (r.stdout, r.stderr, r.exit_code) == (stdout, stderr, code)


@pytest.mark.parametrize(
    "cmd,stderr",
    [
        ("exec web ls", "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
                        "See 'kubectl exec -h' for help and examples\n"),
        ("exec web", "error: you must specify at least one command for the container\n"),
        ("exec -- ls", "error: pod, type/name or --filename must be specified\n"),
        ("exec nope -- ls", 'Error from server (NotFound): pods "nope" not found\n'),
        ("exec web -c zz -- ls", "error: container zz is not valid for pod web out of: app, side\n"),
    ],
    ids=["no --", "no command", "no pod", "unknown pod", "unknown container"],
)  # fmt: skip
def test_exec_errors_use_kubectl_wording(c, cmd, stderr):
    r = c.kubectl(cmd)
    assert (r.stdout, r.stderr, r.exit_code) == ("", stderr, 1)


def test_exec_needs_a_running_container_on_a_bound_pod():
    c = kl.Cluster.demo(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
             "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "64"}}}]}})  # fmt: skip
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"},
             "spec": {"containers": [{"name": "app", "image": "nginx:no-such-tag"}]}})  # fmt: skip
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done"},
             "spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": "busybox", "command": ["true"]}]}})  # fmt: skip
    c.run(30)
    assert (
        c.kubectl("exec big -- ls").stderr == "Error from server (BadRequest): pod big does not have a host assigned\n"
    )
    assert c.kubectl("exec bad -- ls").stderr == 'error: unable to upgrade connection: container not found ("app")\n'
    assert c.kubectl("exec done -- ls").stderr == (
        "error: cannot exec into a container in a completed pod; current phase is Succeeded\n"
    )
    c.fail_node("node-1")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "late", "namespace": "default"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx"}]}})  # fmt: skip
    assert c.kubectl("exec late -- ls").stderr.endswith(":10250: connect: connection refused\n")


def test_programs_outside_the_shell_model_and_interactive_shells_say_so(c):
    assert '"nginx" is not simulated inside containers' in c.kubectl("exec web -c app -- nginx -v").stderr
    assert "interactive shells are not simulated" in c.kubectl("exec -it web -c app -- sh").stderr
