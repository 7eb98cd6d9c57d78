"""Self-checking exercises of lesson 07 (rolling updates).

Each check returns ✅ with a one-line why or ❌ with a hint; none raises. Checks that
take a strategy or a kubectl command replay it in a fresh cluster.

Used in: 07_rolling_updates.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "shop_cluster", "rollout_extremes"]


@check
def ex1(answer: Any) -> Feedback:
    """``(most pods at once, fewest available)`` for 5 replicas with the default 25% / 25%."""
    try:
        most, fewest = (int(x) for x in answer)
    except (TypeError, ValueError):
        return fail("Answer with two numbers: (most pods at once, fewest available pods).")
    if (most, fewest) == (7, 4):
        return passed(
            "maxSurge 25% of 5 = 1.25 rounds up to 2 (5 + 2 = 7); maxUnavailable rounds down to 1 (5 - 1 = 4)."
        )
    if most == 6:
        return fail("maxSurge is rounded UP: 25% of 5 is 1.25, so how many extra pods may run?")
    if fewest == 3:
        return fail("maxUnavailable is rounded DOWN: 25% of 5 is 1.25, so how many pods may be missing?")
    return fail("Compute maxSurge and maxUnavailable from 25% of 5 replicas, then add and subtract them.")


def rollout_extremes(strategy: dict, replicas: int = 10, seed: int = 0) -> tuple[int, int]:
    """Run an image update with ``strategy``; returns (most non-terminating pods, fewest Ready pods)."""
    import k8slearn as kl

    c = kl.Cluster.demo(nodes=3, seed=seed)
    c.apply({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "check"},
        "spec": {
            "replicas": replicas,
            "strategy": strategy,
            "selector": {"matchLabels": {"app": "check"}},
            "template": {"metadata": {"labels": {"app": "check"}},
                         "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
        },
    })  # fmt: skip
    c.run_until(lambda c: (c.get("deploy", "check").get("status") or {}).get("availableReplicas", 0) == replicas, 600)
    seen = {"most": 0, "fewest": replicas}

    def look(_: Any) -> None:
        pods = [p for p in c.api.list("Pod", "default") if not p["metadata"].get("deletionTimestamp")]
        ready = sum(
            1 for p in pods if any(x.get("type") == "Ready" and x.get("status") == "True"
                                   for x in (p.get("status") or {}).get("conditions") or [])
        )  # fmt: skip
        seen["most"] = max(seen["most"], len(pods))
        seen["fewest"] = min(seen["fewest"], ready)

    c.clock.hooks.append(look)
    c.kubectl("set image deployment/check web=nginx:1.28")
    c.kubectl("rollout status deployment/check --timeout=10m")
    c.clock.hooks.remove(look)
    return seen["most"], seen["fewest"]


@check
def ex2(answer: Any) -> Feedback:
    """A strategy for 10 replicas: never fewer than 10 Ready pods, never more than 12 pods."""
    if isinstance(answer, dict) and answer.get("type") == "Recreate":
        return fail("Recreate stops every old pod before it starts a new one: for a while nothing is Ready. Use "
                    "RollingUpdate and choose maxSurge and maxUnavailable.")  # fmt: skip
    if not isinstance(answer, dict) or answer.get("type", "RollingUpdate") != "RollingUpdate":
        return fail('Give a strategy dict: {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": ..., '
                    '"maxUnavailable": ...}}.')  # fmt: skip
    from ..api.errors import ApiError

    try:
        most, fewest = rollout_extremes(answer)
    except ApiError as err:
        return fail(f"The API server refused it: {err}")
    except TimeoutError:
        return fail("The rollout never finished: with maxSurge 0 and maxUnavailable 0 nothing could move.")
    if fewest < 10:
        return fail(f"At one point only {fewest} pods were Ready: which setting keeps every old pod until a new one "
                    "is ready?")  # fmt: skip
    if most > 12:
        return fail(f"At one point {most} pods ran: which setting limits the extra pods during the update?")
    extra = most - 10
    return passed(f"At most {most} pods, never fewer than {fewest} Ready: maxUnavailable 0 keeps capacity, paid "
                  f"for with at most {extra} extra pod{'s' if extra != 1 else ''} during the update.")  # fmt: skip


def shop_cluster(seed: int = 0) -> Any:
    """The lesson's ``shop`` Deployment after three rollouts (nginx 1.25 -> 1.26 -> 1.27)."""
    import k8slearn as kl

    c = kl.Cluster.demo(nodes=3, seed=seed)
    c.apply({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "shop"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {"metadata": {"labels": {"app": "shop"}},
                         "spec": {"containers": [{"name": "shop", "image": "nginx:1.25"}]}},
        },
    })  # fmt: skip
    c.kubectl("rollout status deployment/shop")
    for image in ("nginx:1.26", "nginx:1.27"):
        c.kubectl(f"set image deployment/shop shop={image}")
        c.kubectl("rollout status deployment/shop")
    return c


@check
def ex3(answer: Any) -> Feedback:
    """One kubectl command that brings ``shop`` back to the revision that ran nginx:1.25."""
    command = str(answer).strip()
    if command.startswith("kubectl "):
        command = command[len("kubectl ") :]
    c = shop_cluster()
    out = c.kubectl(command)
    if out.exit_code != 0:
        return fail(f"kubectl said: {str(out).strip()}")
    c.kubectl("rollout status deployment/shop")
    d = c.get("deploy", "shop")
    image = d["spec"]["template"]["spec"]["containers"][0]["image"]
    if image != "nginx:1.25":
        return fail(f"shop now runs {image}. `kubectl rollout history deployment/shop` lists the revisions; "
                    "undo goes to the previous one unless you say --to-revision.")  # fmt: skip
    revision = d["metadata"]["annotations"].get("deployment.kubernetes.io/revision")
    tail = "" if "undo" in command else " (`rollout undo --to-revision=1` does the same without retyping the image)"
    return passed(f"shop runs nginx:1.25 again, as revision {revision}: the old ReplicaSet got the next number{tail}.")
