"""Checks for lesson 09 (autoscaling): each returns ✅ with a one-line why, or ❌ with a hint.

- :func:`ex1` the replica count the HPA's formula gives for given usage;
- :func:`ex2` an HPA manifest for the Deployment ``api``, applied;
- :func:`ex3` a scale-down stabilization window of at most a minute;
- :func:`ex4` why an HPA never scales, read from its conditions.

Used in: 09_autoscaling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4", "EX1_USAGE_M", "EX1_REQUEST_M", "EX1_TARGET"]

#: Exercise 9.1: three pods, each requesting 200m, using these millicores, against a 50 % target.
EX1_USAGE_M = (180, 160, 200)
EX1_REQUEST_M = 200
EX1_TARGET = 50


def _ex1_expected() -> tuple[int, int]:
    utilization = sum(EX1_USAGE_M) * 100 // (EX1_REQUEST_M * len(EX1_USAGE_M))
    return math.ceil(len(EX1_USAGE_M) * utilization / EX1_TARGET), utilization


@check
def ex1(answer: Any) -> Feedback:
    """Exercise 9.1: desired replicas = ceil(current × utilization / target)."""
    expected, utilization = _ex1_expected()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return fail("Answer with a number of replicas (an int).")
    if answer == expected:
        return passed(
            f"Utilization is {utilization} % of the request ({sum(EX1_USAGE_M)}m of "
            f"{EX1_REQUEST_M * len(EX1_USAGE_M)}m), {utilization / EX1_TARGET:g}× the target: ceil(3 × "
            f"{utilization}/{EX1_TARGET}) = {expected} pods."
        )
    if answer == len(EX1_USAGE_M) * utilization / EX1_TARGET:
        return fail("The HPA never runs a fraction of a pod: it rounds the product *up* (ceil).")
    if answer == len(EX1_USAGE_M):
        return fail(
            f"The usage is {utilization / EX1_TARGET:g}× the target, far outside the 10 % tolerance: the HPA does act."
        )
    if answer == math.floor(len(EX1_USAGE_M) * utilization / EX1_TARGET):
        return fail("Close: the HPA rounds up, never down, so the pods end up at or below the target.")
    return fail(
        "Utilization is total usage / total requests in percent (an integer); multiply the current replicas by "
        "utilization/target and round up."
    )


def _first(answer: Any, kind: str) -> Mapping | None:
    objects = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    for obj in objects:
        if isinstance(obj, Mapping) and obj.get("kind") == kind:
            return obj
    return None


@check
def ex2(answer: Any) -> Feedback:
    """Exercise 9.2: an HPA scaling Deployment ``api`` between 2 and 6 pods at 70 % CPU, applied."""
    if isinstance(answer, str):
        return fail("That is manifest text: apply it (answer = c.apply(hpa)) and keep what c.apply returns.")
    hpa = _first(answer, "HorizontalPodAutoscaler")
    if hpa is None:
        return fail(
            "Keep what c.apply(...) returns for your HorizontalPodAutoscaler manifest (kind: HorizontalPodAutoscaler)."
        )
    if not (hpa.get("metadata") or {}).get("resourceVersion"):
        return fail("This HPA was not stored: apply it with c.apply and keep the result.")
    if hpa.get("apiVersion") != "autoscaling/v2":
        return fail("Use apiVersion autoscaling/v2: it has the metrics list with target types.")
    spec = hpa.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    if (ref.get("kind"), ref.get("name")) != ("Deployment", "api"):
        return fail("spec.scaleTargetRef names what to scale: kind Deployment, name api (apiVersion apps/v1).")
    if (spec.get("minReplicas"), spec.get("maxReplicas")) != (2, 6):
        return fail(
            f"minReplicas/maxReplicas are {spec.get('minReplicas')}/{spec.get('maxReplicas')}; the task says 2 and 6."
        )
    metrics = spec.get("metrics") or []
    cpu = [m for m in metrics if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"]
    if not cpu:
        return fail("Add a metric of type Resource with resource.name cpu.")
    target = (cpu[0].get("resource") or {}).get("target") or {}
    if target.get("type") != "Utilization" or target.get("averageUtilization") != 70:
        return fail(
            "The target is a percentage of the pods' CPU request: target: {type: Utilization, averageUtilization: 70}. "
            "(An HPA without metrics defaults to 80 %.)"
        )
    return passed(
        "horizontalpodautoscaler.autoscaling/api stored: every 15 s the controller compares the pods' CPU use with "
        "70 % of their request and keeps the Deployment between 2 and 6 replicas."
    )


@check
def ex3(answer: Any) -> Feedback:
    """Exercise 9.3: the HPA ``web`` with ``behavior.scaleDown.stabilizationWindowSeconds`` ≤ 60."""
    hpa = _first(answer, "HorizontalPodAutoscaler")
    if hpa is None:
        return fail('Answer with the stored HPA: answer = c.get("hpa", "web") after your change.')
    spec = hpa.get("spec") or {}
    down = (spec.get("behavior") or {}).get("scaleDown") or {}
    window = down.get("stabilizationWindowSeconds")
    if window is None:
        return fail(
            "Without spec.behavior.scaleDown.stabilizationWindowSeconds the controller uses its flag, 300 s. "
            "Set it in spec.behavior.scaleDown."
        )
    if not isinstance(window, int) or window > 60:
        return fail(f"The window is {window} s; the task asks for at most 60 s.")
    if down.get("selectPolicy") == "Disabled":
        return fail("selectPolicy: Disabled turns scale-down off entirely; leave it Max (the default).")
    return passed(
        f"The HPA now takes the highest recommendation of only the last {window} s, so a drop in load shrinks the "
        "Deployment within about a minute (and a short dip can now cost you pods you need a moment later)."
    )


@check
def ex4(answer: Any) -> Feedback:
    """Exercise 9.4: the reason of the ScalingActive condition of an HPA over pods without CPU requests."""
    if not isinstance(answer, str):
        return fail("Answer with the Reason column of the ScalingActive row of kubectl describe hpa batch (a string).")
    if answer.strip() == "FailedGetResourceMetric":
        return passed(
            "Utilization is usage divided by request: a container without a CPU request has no denominator, so the "
            "HPA reports 'missing request for cpu' and does not scale until you set resources.requests.cpu."
        )
    if answer.strip() in ("ValidMetricFound", "ReadyForNewScale", "DesiredWithinRange", "SucceededGetScale"):
        return fail("That is a reason of a healthy HPA. Look at the ScalingActive row: its Status is False.")
    if "missing request" in answer:
        return fail("That is the message; answer with the one-word Reason next to it.")
    return fail("Run c.kubectl('describe hpa batch') and read the ScalingActive line of the Conditions table.")
