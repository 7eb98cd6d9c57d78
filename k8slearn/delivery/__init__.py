"""Delivery on top of Kubernetes: releases promoted through clusters, checked by a layered policy.

A small model of what a delivery platform such as Devtron adds over several clusters:

- :mod:`.environments`: environments (a namespace on a cluster) and the fleet of clusters;
- :mod:`.release`: a release (manifests + one image), pinned by digest on request;
- :mod:`.rules` and :mod:`.policy`: manifest rules, set in layers (global -> cluster ->
  environment -> application) with exceptions, reported like kubectl;
- :mod:`.pipeline`: stages that check the policy, wait for an approval, deploy, wait
  for ``kubectl rollout status`` in virtual time, and soak before promotion;
- :mod:`.dashboard`: the application's state across clusters;
- :mod:`.demo`: the seeded scenario of lesson 11.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from .dashboard import AppDashboard, app_events, app_status, rollout_state
from .environments import Environment, Fleet
from .pipeline import Pipeline, PipelineRun, Stage, StageResult
from .policy import Policy, PolicyException, PolicyLayer, PolicyReport, Setting
from .release import Release
from .rules import RULES, Violation

__all__ = [
    "Environment",
    "Fleet",
    "Release",
    "RULES",
    "Violation",
    "Policy",
    "PolicyLayer",
    "PolicyException",
    "PolicyReport",
    "Setting",
    "Stage",
    "StageResult",
    "Pipeline",
    "PipelineRun",
    "rollout_state",
    "app_status",
    "app_events",
    "AppDashboard",
]
