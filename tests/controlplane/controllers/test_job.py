"""Job controller: parallelism, completions, pod-failure back-off, backoffLimit, conditions.

Upstream: pkg/controller/job/job_controller.go (manageJob, syncJob, pastBackoffLimitOnFailure)
and pkg/controller/job/backoff_utils.go (10 s doubling to 10 min).
"""

from __future__ import annotations

import pytest

from k8slearn.controlplane.controllers.job import job_finished, pod_failure_backoff


def _job(name: str, script: str, completions=1, parallelism=1, backoff_limit=6, **spec) -> dict:
    body = {
        "manualSelector": True,
        "selector": {"matchLabels": {"job": name}},
        "completions": completions,
        "parallelism": parallelism,
        "backoffLimit": backoff_limit,
        "template": {
            "metadata": {"labels": {"job": name}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox",
                                                                "command": ["sh", "-c", script]}]},
        },
    }  # fmt: skip
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": body}


def _job_events(c, name: str) -> list[tuple[float, str, str]]:
    events = c.events()
    rows = events[events.object == f"Job/{name}"]
    return list(zip(rows.time, rows.reason, rows.message))


def test_completions_and_parallelism(sim):
    c = sim.c
    c.apply(_job("pi", "sleep 5", completions=3, parallelism=2))
    c.run(2)
    assert c.get("job", "pi")["status"]["active"] == 2
    c.run(30)
    job = c.get("job", "pi")
    status = job["status"]
    assert job_finished(job) == "Complete"
    assert [(x["type"], x["reason"], x["message"]) for x in status["conditions"]] == [
        ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
        ("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
    ]
    assert status["succeeded"] == 3 and "active" not in status and status["completionTime"]
    assert status["ready"] == 0 and status["terminating"] == 0 and status["uncountedTerminatedPods"] == {}
    reasons = [r for _, r, _ in _job_events(c, "pi")]
    assert reasons.count("SuccessfulCreate") == 3 and reasons[-1] == "Completed"
    assert _job_events(c, "pi")[-1][2] == "Job completed"


def test_failures_back_off_then_the_job_fails(sim):
    c = sim.c
    c.apply(_job("flaky", "sleep 2; exit 1", backoff_limit=2))
    c.run(200)
    job = c.get("job", "flaky")
    assert job_finished(job) == "Failed"
    assert [(x["type"], x["reason"], x["message"]) for x in job["status"]["conditions"]] == [
        ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ]
    assert job["status"]["failed"] == 3  # backoffLimit 2: the third failure ends it
    creates = [t for t, r, _ in _job_events(c, "flaky") if r == "SuccessfulCreate"]
    # each pod runs 1 s after creation, fails 2 s later, is seen 1 s later (batch period),
    # then the replacement waits 10 s, then 20 s
    assert [b - a for a, b in zip(creates, creates[1:])] == [14, 24]
    last = _job_events(c, "flaky")[-1]
    assert last[1:] == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")


def test_work_queue_job_without_completions(sim):
    c = sim.c
    c.apply(_job("queue", "sleep 3", completions=None, parallelism=3))
    c.run(20)
    job = c.get("job", "queue")
    assert job_finished(job) == "Complete" and job["status"]["succeeded"] == 3


def test_active_deadline_seconds(sim):
    c = sim.c
    c.apply(_job("slow", "sleep 100", activeDeadlineSeconds=10))
    c.run(15)
    job = c.get("job", "slow")
    assert job_finished(job) == "Failed"
    assert job["status"]["conditions"][-1]["reason"] == "DeadlineExceeded"
    assert job["status"]["conditions"][-1]["message"] == "Job was active longer than specified deadline"


@pytest.mark.parametrize("failures,delay", [(0, 0), (1, 10), (2, 20), (4, 80), (7, 600), (20, 600)])
def test_pod_failure_backoff(failures, delay):
    assert pod_failure_backoff(failures) == delay


def test_a_job_with_the_generated_selector(sim):
    c = sim.c
    c.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
             "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                 {"name": "pi", "image": "perl", "command": ["sleep", "3"]}]}}}})  # fmt: skip
    c.run(10)
    job = c.get("job", "pi")
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"]["matchLabels"] == {"batch.kubernetes.io/controller-uid": uid}
    (pod,) = c.list("pods")
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert pod["metadata"]["name"].startswith("pi-")
    assert job_finished(job) == "Complete" and job["status"]["succeeded"] == 1
