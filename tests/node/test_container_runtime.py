"""The container runtime: image pulls and their back-off, pull policies, OOM kills.

Upstream: ``pkg/kubelet/images/image_manager.go`` (``Pulling image %q``, ``Successfully
pulled image %q in %v (%v including waiting). Image size: %v bytes.``, ``Back-off pulling
image %q`` plus the previous error since 1.32, ``Container image %q is not present with
pull policy of Never``), ``pkg/kubelet/kuberuntime/kuberuntime_container.go``
(``Error: %v``), containerd's resolver errors, and the "Assign Memory Resources" task page
(OOMKilled, exit 137).
"""

from __future__ import annotations

import pytest
from nodetest import container, container_status, events_of, pod

from k8slearn.node.images import InvalidImageName, parse_image, pull_seconds
from k8slearn.node.timefmt import go_duration


@pytest.mark.parametrize(
    ("image", "full"),
    [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("bitnami/redis", "docker.io/bitnami/redis:latest"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("localhost:5000/app:v1", "localhost:5000/app:v1"),
    ],
    ids=["a short name is a Docker Hub library image", "a tag is kept", "a user repository on Docker Hub",
         "a registry host is kept", "a host with a port is a registry"],
)  # fmt: skip
def test_image_names_normalize_like_containerd(image, full):
    assert parse_image(image).full == full


def test_an_uppercase_repository_is_an_invalid_reference():
    with pytest.raises(InvalidImageName, match="repository name must be lowercase"):
        parse_image("Nginx:1.27")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.5, "500ms"), (1.9480812, "1.948s"), (10, "10s"), (80, "1m20s"), (300, "5m0s"), (3725, "1h2m5s")],
)
def test_durations_print_like_go(seconds, text):
    assert go_duration(seconds) == text


def test_a_pull_reports_its_time_and_size(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(5)
    seconds = go_duration(pull_seconds(70_545_214))
    assert ("Normal", "Pulled", f'Successfully pulled image "nginx:1.27" in {seconds} ({seconds} including waiting). '
            "Image size: 70545214 bytes.") in events_of(cluster, "web")  # fmt: skip
    images = cluster.get("node", "node-1")["status"]["images"]
    cluster.run(10)  # the next node status update lists the image (ImageLocality reads it)
    images = cluster.get("node", "node-1")["status"]["images"]
    assert any("docker.io/library/nginx:1.27" in i["names"] and i["sizeBytes"] == 70_545_214 for i in images)


def test_if_not_present_uses_the_image_already_on_the_node(cluster):
    cluster.create(pod("a", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    cluster.create(pod("b", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    assert (
        "Normal",
        "Pulled",
        'Container image "busybox:1.36" already present on machine and can be accessed by the pod',
    ) in events_of(cluster, "b")


def test_an_unknown_tag_is_err_image_pull_then_image_pull_back_off(cluster):
    cluster.create(pod("bad", [container("app", "nginx:this-image-does-not-exist")]))
    cluster.run(1.6)  # sandbox at +1 s, the failed resolve takes 0.5 s
    cs = container_status(cluster, "bad")
    error = (
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:this-image-does-'
        'not-exist": failed to resolve reference "docker.io/library/nginx:this-image-does-not-exist": '
        "docker.io/library/nginx:this-image-does-not-exist: not found"
    )
    assert cs["state"]["waiting"] == {"reason": "ErrImagePull", "message": error}
    assert cs["image"] == "nginx:this-image-does-not-exist" and cs["imageID"] == ""
    cluster.run(2)
    cs = container_status(cluster, "bad")
    assert cs["state"]["waiting"] == {
        "reason": "ImagePullBackOff",
        "message": f'Back-off pulling image "nginx:this-image-does-not-exist": ErrImagePull: {error}',
    }
    events = events_of(cluster, "bad")
    assert events[:6] == [
        ("Normal", "Pulling", 'Pulling image "nginx:this-image-does-not-exist"'),
        ("Warning", "Failed", f'Failed to pull image "nginx:this-image-does-not-exist": {error}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
        ("Normal", "BackOff", 'Back-off pulling image "nginx:this-image-does-not-exist"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]


def test_pull_attempts_back_off_10s_doubling_to_300s(cluster):
    cluster.create(pod("bad", [container("app", "nginx:no-such-tag")]))
    cluster.run(2000)
    pulls = [r.time for r in cluster.event_log.records if r.name == "bad" and r.reason == "Pulling"]
    fails = [r.time for r in cluster.event_log.records if r.name == "bad" and r.message == "Error: ErrImagePull"]
    waits = [round(p - f, 3) for f, p in zip(fails, pulls[1:])]
    assert waits[:7] == [10, 20, 40, 80, 160, 300, 300]


def test_an_unknown_repository_is_pull_access_denied(cluster):
    cluster.create(pod("bad", [container("app", "ngnix")]))
    cluster.run(2)
    msg = container_status(cluster, "bad")["state"]["waiting"]["message"]
    assert msg.endswith(
        "pull access denied, repository does not exist or may require authorization: server message: "
        "insufficient_scope: authorization failed"
    )


def test_pull_policy_never_without_the_image_is_err_image_never_pull(cluster):
    cluster.create(pod("never", [container("app", "redis:7", imagePullPolicy="Never")]))
    cluster.run(3)
    message = 'Container image "redis:7" is not present with pull policy of Never'
    assert container_status(cluster, "never")["state"]["waiting"] == {"reason": "ErrImageNeverPull", "message": message}
    assert ("Warning", "ErrImageNeverPull", message) in events_of(cluster, "never")


def test_an_invalid_image_name(cluster):
    cluster.create(pod("inv", [container("app", "Nginx")]))
    cluster.run(3)
    assert container_status(cluster, "inv")["state"]["waiting"]["reason"] == "InvalidImageName"


def test_memory_over_the_limit_is_an_oom_kill_with_exit_137(cluster):
    """The docs' memory-demo-2: stress allocates 250M under a 100Mi limit."""
    cluster.create(
        pod(
            "memory-demo-2",
            [container("memory-demo-2-ctr", "polinux/stress", command=["stress"],
                       args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
                       resources={"limits": {"memory": "100Mi"}, "requests": {"memory": "50Mi"}})],
        )
    )  # fmt: skip
    cluster.run(5)
    cs = container_status(cluster, "memory-demo-2")
    terminated = cs["state"].get("terminated") or cs["lastState"].get("terminated")
    assert terminated["exitCode"] == 137 and terminated["reason"] == "OOMKilled"
    node_events = [
        (r.reason, r.message) for r in cluster.event_log.records if r.kind == "Node" and r.reason == "SystemOOM"
    ]
    assert node_events and node_events[0][1].startswith("System OOM encountered, victim process: stress, pid: ")


def test_a_memory_curve_crossing_the_limit_kills_at_the_crossing(cluster):
    cluster.create(
        pod("leak", [container("app", "nginx:1.27", resources={"limits": {"memory": "200Mi"}})],
            annotations={"k8slearn.io/memory": "100Mi@0,300Mi@100"})
    )  # fmt: skip
    cluster.run(10)
    started = cluster.kubelet("node-1").pod_worker("leak").slots[0].current.started_at
    cluster.run(60)
    history = cluster.kubelet("node-1").container_history("leak")
    assert history[0]["reason"] == "OOMKilled"
    assert history[0]["finished"] == pytest.approx(started + 50)
