"""A delivery pipeline: promote one release through environments, stage by stage.

Notes
-----
Each :class:`Stage` deploys to one environment, in order:

1. **policy**: the rendered manifests are checked against the layered
   :class:`~k8slearn.delivery.policy.Policy`; a violation blocks the stage (state
   ``Blocked``) and stops the pipeline before anything reaches the cluster;
2. **approval** (if the stage asks for one): the run waits (``Waiting for approval``)
   until :meth:`PipelineRun.approve` names an approver;
3. **deploy**: ``kubectl apply`` of the manifests on the environment's cluster;
4. **rollout**: ``kubectl rollout status --timeout=...`` runs that cluster's clock in
   virtual time until the rollout succeeds, exceeds its progress deadline or times
   out (state ``Failed``, pipeline stopped);
5. **soak** (optional): the cluster runs ``soak`` more seconds and the pods must all
   stay Ready without a restart: the gate before the next environment.

A stopped pipeline leaves the failed rollout where it is: rolling back
(``kubectl rollout undo``) is a person's decision here, as it is in most pipelines
unless a progressive-delivery controller (Argo Rollouts, Flagger) is added.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from .release import WORKLOAD_KINDS, Release

if TYPE_CHECKING:
    from .environments import Fleet
    from .policy import Policy, PolicyReport

__all__ = ["Stage", "StageResult", "Pipeline", "PipelineRun", "STATES"]

#: Stage states, in the order a stage can pass through them.
STATES = ("Not started", "Blocked", "Waiting for approval", "Deploying", "Succeeded", "Failed")


@dataclass(frozen=True)
class Stage:
    """Deploy to ``environment``; optionally after an approval, and with a soak period after it."""

    environment: str
    approval: bool = False
    soak: float = 0.0
    timeout: float = 600.0


@dataclass
class StageResult:
    """What happened in one stage (times are the environment cluster's virtual seconds)."""

    stage: Stage
    state: str = "Not started"
    started: float | None = None
    finished: float | None = None
    message: str = ""
    report: PolicyReport | None = None
    rollout: str = ""
    approved_by: str = ""

    @property
    def duration(self) -> float | None:
        """Virtual seconds from the deploy to the end of the stage (None until it ends)."""
        if self.started is None or self.finished is None:
            return None
        return round(self.finished - self.started, 6)


class Pipeline:
    """Stages over a fleet, with an optional policy.

    Examples
    --------
    >>> import k8slearn as kl
    >>> from k8slearn.delivery import Environment, Fleet, Release
    >>> fleet = Fleet({"staging": kl.Cluster.demo(nodes=1)})
    >>> fleet.add_environment(Environment("staging", "staging", "shop"))
    >>> app = {
    ...     "apiVersion": "apps/v1",
    ...     "kind": "Deployment",
    ...     "metadata": {"name": "web"},
    ...     "spec": {
    ...         "selector": {"matchLabels": {"app": "web"}},
    ...         "template": {
    ...             "metadata": {"labels": {"app": "web"}},
    ...             "spec": {"containers": [{"name": "web", "image": "x"}]},
    ...         },
    ...     },
    ... }
    >>> run = Pipeline(fleet, [Stage("staging")]).run(Release("web", app, "nginx:1.27"))
    >>> run.state, run.results[0].state
    ('Succeeded', 'Succeeded')
    """

    def __init__(self, fleet: Fleet, stages: list[Stage], policy: Policy | None = None) -> None:
        for s in stages:
            fleet[s.environment]  # an unknown environment fails here, not halfway through a run
        self.fleet = fleet
        self.stages = list(stages)
        self.policy = policy

    def run(self, release: Release, approvals: Mapping[str, str] | None = None) -> PipelineRun:
        """Start a run of ``release`` and advance it as far as it goes.

        ``approvals`` maps environment -> approver for stages that need one.
        """
        run = PipelineRun(self, release, dict(approvals or {}))
        run.advance()
        return run

    def check(self, release: Release, environment: str) -> PolicyReport | None:
        """The policy report of ``release`` in ``environment`` (None without a policy)."""
        if self.policy is None:
            return None
        env = self.fleet[environment]
        return self.policy.check(release.render(env.namespace), release.app, env.name, env.cluster)


@dataclass
class PipelineRun:
    """One release going through the pipeline: per-stage results and a log."""

    pipeline: Pipeline
    release: Release
    approvals: dict[str, str] = field(default_factory=dict)
    results: list[StageResult] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.results:
            self.results = [StageResult(s) for s in self.pipeline.stages]

    @property
    def state(self) -> str:
        """``Succeeded``, ``Failed``, ``Blocked``, ``Waiting for approval`` or ``Running``."""
        states = [r.state for r in self.results]
        for s in ("Failed", "Blocked", "Waiting for approval"):
            if s in states:
                return s
        return "Succeeded" if all(s == "Succeeded" for s in states) else "Running"

    @property
    def current(self) -> StageResult | None:
        """The first stage that has not succeeded."""
        return next((r for r in self.results if r.state != "Succeeded"), None)

    def approve(self, environment: str, by: str) -> str:
        """Record ``by``'s approval for ``environment`` and continue; returns the run state."""
        if not by:
            raise ValueError("an approval names the approver")
        self.approvals[environment] = by
        return self.advance()

    def advance(self) -> str:
        """Run stages until one stops the pipeline or all succeeded; returns the run state."""
        for result in self.results:
            if result.state == "Succeeded":
                continue
            if result.state in ("Failed", "Blocked"):
                break
            self._run_stage(result)
            if result.state != "Succeeded":
                break
        return self.state

    def _say(self, env: str, cluster: Any, text: str) -> None:
        self.log.append(f"[{env} t={_t(cluster.now)}s] {text}")

    def _run_stage(self, result: StageResult) -> None:
        stage = result.stage
        fleet = self.pipeline.fleet
        env = fleet[stage.environment]
        cluster = fleet.clusters[env.cluster]
        manifests = self.release.render(env.namespace)
        say = lambda text: self._say(env.name, cluster, text)  # noqa: E731

        if result.report is None and self.pipeline.policy is not None:
            report = self.pipeline.policy.check(manifests, self.release.app, env.name, env.cluster)
            result.report = report
            if not report.allowed:
                result.state = "Blocked"
                result.message = report.text()
                n = len(report.denied)
                say(f"policy: denied ({n} violation{'s' if n != 1 else ''}); the pipeline stops")
                return
            waived = f", {len(report.waived)} waived by exceptions" if report.waived else ""
            say(f"policy: passed{waived}")
        if stage.approval and not result.approved_by:
            approver = self.approvals.get(env.name, "")
            if not approver:
                if result.state != "Waiting for approval":
                    say("waiting for approval")
                result.state = "Waiting for approval"
                result.message = f"{env.name} needs an approval: run.approve({env.name!r}, by=...)"
                return
            result.approved_by = approver
            say(f"approved by {approver}")

        result.state = "Deploying"
        result.started = cluster.now
        try:
            applied = cluster.apply(manifests)
        except ApiError as err:
            self._fail(result, cluster, say, err.kubectl().strip())
            return
        say("kubectl apply: " + ", ".join(repr(applied).splitlines()))
        for obj in manifests:
            if obj.get("kind") not in WORKLOAD_KINDS:
                continue
            ref = f"{obj['kind'].lower()}/{obj['metadata']['name']}"
            out = cluster.kubectl(f"rollout status {ref} -n {env.namespace} --timeout={_t(stage.timeout)}s")
            result.rollout = str(out)
            last = str(out).strip().splitlines()[-1] if str(out).strip() else ""
            say(f"kubectl rollout status {ref}: {last}")
            if out.exit_code != 0:
                self._fail(result, cluster, say, last)
                return
        if stage.soak:
            before = _restarts(cluster, manifests, env.namespace)
            cluster.run(stage.soak)
            ready, total, restarts = _health(cluster, manifests, env.namespace)
            grew = restarts - before
            line = f"soak {_t(stage.soak)} s: {ready}/{total} pods ready, {grew} restarts"
            say(line)
            if ready < total or grew > 0:
                self._fail(result, cluster, say, f"health gate failed: {line}")
                return
        result.state = "Succeeded"
        result.finished = cluster.now
        result.message = f"{self.release} running in {env.name}"

    def _fail(self, result: StageResult, cluster: Any, say: Any, message: str) -> None:
        result.state = "Failed"
        result.finished = cluster.now
        result.message = message
        say("stage failed; the pipeline stops")

    def frame(self) -> Any:
        """One row per stage: environment, cluster, state, duration, approver, message (first line)."""
        import pandas as pd

        rows = []
        for r in self.results:
            env = self.pipeline.fleet[r.stage.environment]
            rows.append({"stage": r.stage.environment, "cluster": env.cluster, "state": r.state,
                         "duration (s)": r.duration, "approved by": r.approved_by or "",
                         "message": r.message.splitlines()[0] if r.message else ""})  # fmt: skip
        return pd.DataFrame(rows, columns=["stage", "cluster", "state", "duration (s)", "approved by", "message"])

    def __repr__(self) -> str:
        stages = " -> ".join(f"{r.stage.environment}: {r.state}" for r in self.results)
        return f"<PipelineRun {self.release} {self.state}: {stages}>"


def _t(seconds: float) -> str:
    text = f"{seconds:.1f}".rstrip("0").rstrip(".")
    return text or "0"


def _pods(cluster: Any, manifests: list[dict], namespace: str) -> list[dict]:
    pods: list[dict] = []
    for obj in manifests:
        if obj.get("kind") not in WORKLOAD_KINDS:
            continue
        labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        if labels:
            pods.extend(p for p in cluster.api.list("Pod", namespace, selector=dict(labels))
                        if not p["metadata"].get("deletionTimestamp"))  # fmt: skip
    return pods


def _restarts(cluster: Any, manifests: list[dict], namespace: str) -> int:
    return sum(cs.get("restartCount", 0) for p in _pods(cluster, manifests, namespace)
               for cs in (p.get("status") or {}).get("containerStatuses") or ())  # fmt: skip


def _health(cluster: Any, manifests: list[dict], namespace: str) -> tuple[int, int, int]:
    from ..api.objects import pod_is_ready

    pods = _pods(cluster, manifests, namespace)
    return sum(1 for p in pods if pod_is_ready(p)), len(pods), _restarts(cluster, manifests, namespace)
