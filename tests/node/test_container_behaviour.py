"""The container behaviour model: command interpretation and ``k8slearn.io/`` annotations."""

from __future__ import annotations

import pytest
from nodetest import container, container_status, events_of, pod

from k8slearn.node.behaviour import annotation_problems, build_behaviour, curve_at, effective_argv, parse_curve
from k8slearn.node.images import DEFAULT_REGISTRY, parse_image
from k8slearn.node.shell import ShellContext, run_argv


def _behaviour(c: dict, annotations: dict | None = None, env: dict | None = None):
    ref = parse_image(c["image"])
    return build_behaviour(container=c, annotations=annotations or {}, env=env or {},
                           config=DEFAULT_REGISTRY.config_of(ref), repository=ref.name)  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "exit_at", "code"),
    [
        (["sh", "-c", "exit 3"], 0.0, 3),
        (["sleep", "30"], 30.0, 0),
        (["sh", "-c", "sleep 5; exit 1"], 5.0, 1),
        (["/bin/sh", "-c", "echo hi && sleep 2m && false"], 120.0, 1),
        (["sh", "-c", "false || exit 4"], 0.0, 4),
        (["sleep", "infinity"], None, 0),
        (["my-server", "--port=8080"], None, 0),
    ],
    ids=["sh -c exit 3 exits with 3", "sleep 30 exits 0 after 30 s", "sleep then fail", "minutes and &&",
         "|| runs on failure", "sleep infinity never exits", "an unknown program runs until stopped"],
)  # fmt: skip
def test_commands_decide_when_and_how_the_process_exits(argv, exit_at, code):
    program = run_argv(argv, ShellContext())
    assert program.exit_at == exit_at
    if exit_at is not None:
        assert program.exit_code == code


def test_command_and_args_combine_like_the_runtime():
    config = DEFAULT_REGISTRY.config_of(parse_image("nginx"))
    assert effective_argv({"image": "nginx"}, config, {}) == ("/docker-entrypoint.sh", "nginx", "-g", "daemon off;")
    assert effective_argv({"args": ["nginx", "-T"]}, config, {}) == ("/docker-entrypoint.sh", "nginx", "-T")
    assert effective_argv({"command": ["sleep"], "args": ["$(T)"]}, config, {"T": "5"}) == ("sleep", "5")
    assert effective_argv({"command": ["echo", "$$(T)"]}, config, {"T": "5"}) == ("echo", "$(T)")


@pytest.mark.parametrize(
    ("image", "env", "exits", "code"),
    [
        ("busybox:1.36", {}, True, 0),
        ("python:3.12", {}, True, 0),
        ("postgres:16", {}, True, 1),
        ("postgres:16", {"POSTGRES_PASSWORD": "x"}, False, 0),
        ("nginx:1.27", {}, False, 0),
        ("redis:7", {}, False, 0),
    ],
    ids=["busybox runs sh without a terminal and exits 0", "python's REPL exits at once",
         "postgres without a password exits 1", "postgres with a password serves", "nginx serves", "redis serves"],
)  # fmt: skip
def test_images_without_a_command_run_their_own_program(image, env, exits, code):
    b = _behaviour({"name": "c", "image": image}, env=env)
    assert (b.exit_at is not None) == exits
    if exits:
        assert b.exit_code == code


def test_postgres_logs_its_real_complaint(cluster):
    cluster.create(pod("db", [container("postgres", "postgres:16")]))
    cluster.run(30)
    logs = cluster.kubelet("node-1").logs("db", container="postgres")
    assert logs.startswith("Error: Database is uninitialized and superuser password is not specified.\n")
    assert container_status(cluster, "db")["state"]["waiting"]["reason"] == "CrashLoopBackOff"


def test_curves_interpolate_and_stay_flat_after_the_last_point():
    points = parse_curve("100m@0,500m@60", "cpu")
    assert [curve_at(points, t) for t in (0, 30, 60, 600)] == [pytest.approx(0.1), pytest.approx(0.3), 0.5, 0.5]


def test_per_container_annotations_win_over_pod_wide_ones():
    annotations = {"k8slearn.io/cpu": "100m", "k8slearn.io/cpu.sidecar": "10m"}
    assert _behaviour({"name": "app", "image": "nginx"}, annotations).cpu_at(0) == pytest.approx(0.1)
    assert _behaviour({"name": "sidecar", "image": "nginx"}, annotations).cpu_at(0) == pytest.approx(0.01)


def test_annotations_shape_the_process():
    b = _behaviour({"name": "app", "image": "nginx"},
                   {"k8slearn.io/exit-after": "45", "k8slearn.io/exit-code": "3", "k8slearn.io/startup-seconds": "8",
                    "k8slearn.io/liveness-fails-after": "30-90", "k8slearn.io/logs": "hello\n@5 later"})  # fmt: skip
    assert (b.exit_at, b.exit_code, b.up_at, b.liveness_fail) == (45.0, 3, 8.0, (30.0, 90.0))
    assert [line for _, line in b.log_lines(10) if line in ("hello", "later")] == ["hello", "later"]


def test_unknown_and_invalid_annotations_are_reported():
    problems = annotation_problems({"k8slearn.io/cpuu": "1", "k8slearn.io/cpu.ghost": "1", "other.io/x": "1"}, ["app"])
    assert [p[0] for p in problems] == ["UnknownAnnotation", "UnknownAnnotation"]
    assert problems[0][1].startswith('annotation "k8slearn.io/cpu.ghost" names container "ghost"')
    assert problems[1][1].startswith('unknown annotation "k8slearn.io/cpuu" ignored')
    b = _behaviour({"name": "app", "image": "nginx"}, {"k8slearn.io/memory": "lots"})
    assert b.problems and b.problems[0][0] == "InvalidAnnotation"


def test_an_unknown_annotation_is_a_warning_event(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")], annotations={"k8slearn.io/startup-secs": "5"}))
    cluster.run(2)
    warnings = [e for e in events_of(cluster, "web") if e[1] == "UnknownAnnotation"]
    assert warnings and warnings[0][0] == "Warning" and '"k8slearn.io/startup-secs"' in warnings[0][2]


def test_a_loop_prints_periodically_and_files_follow_the_script():
    program = run_argv(["sh", "-c", "while true; do echo tick; touch /tmp/a; sleep 5; rm /tmp/a; sleep 5; done"],
                       ShellContext())  # fmt: skip
    assert program.exit_at is None
    assert [t for t, _ in program.log_lines(25)] == [0.0, 10.0, 20.0]
    assert [program.file_exists("/tmp/a", t) for t in (1, 6, 11, 16)] == [True, False, True, False]
