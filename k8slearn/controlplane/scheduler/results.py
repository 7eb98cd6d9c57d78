"""Scheduling results as data: the simulator-shaped record and the explain table.

``Scheduler.last_result(pod)`` answers with the same keys and JSON shapes that
kube-scheduler-simulator's debuggable scheduler writes as pod annotations
(``kube-scheduler-simulator.sigs.k8s.io/filter-result`` ...), so a result here can be
compared with one from the simulator. ``Scheduler.explain(pod)`` answers with a
DataFrame: one row per node, the filter verdict and each score plugin's normalized score.

Notes
-----
Shapes follow ``kubernetes-sigs/kube-scheduler-simulator``
(``simulator/scheduler/plugin/resultstore/store.go``): ``filter-result`` is node ->
plugin -> ``"passed"`` or the status message; ``score-result`` holds raw scores and
``finalscore-result`` normalized scores times the plugin weight, both as strings.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .algorithm import CycleRecord
from .framework import ScoreResult, Status

__all__ = [
    "ANNOTATION_PREFIX",
    "PASSED",
    "SUCCESS_MESSAGE",
    "PREEMPTION_VICTIM",
    "record_to_result",
    "as_annotations",
    "explain_frame",
]

ANNOTATION_PREFIX = "kube-scheduler-simulator.sigs.k8s.io/"
PASSED = "passed"
SUCCESS_MESSAGE = "success"
PREEMPTION_VICTIM = "preemption victim"


def _status_text(status: Status | None) -> str:
    if status is None or status.is_success:
        return SUCCESS_MESSAGE
    return status.message


def record_to_result(record: CycleRecord) -> dict[str, Any]:
    """The annotations kube-scheduler-simulator would write, as decoded JSON values."""
    prefilter_status = {}
    prefilter_result = {}
    for plugin, (status, result) in record.prefilter.items():
        prefilter_status[plugin] = _status_text(status)
        if result is not None and not result.all_nodes:
            prefilter_result[plugin] = sorted(result.node_names)
    filter_result: dict[str, dict[str, str]] = {}
    order = record.filter_plugins
    for name in record.feasible:
        filter_result[name] = {p: PASSED for p in order}
    for name, status in record.node_to_status.items():
        row = {}
        for p in order:
            if p == status.plugin:
                row[p] = status.message
                break
            row[p] = PASSED
        filter_result[name] = row
    postfilter: dict[str, dict[str, str]] = {}
    if record.postfilter is not None:
        plugins, nominated, nodes = record.postfilter
        for n in nodes:
            postfilter[n] = {}
        if nominated:
            postfilter.setdefault(nominated, {})
            for p in plugins:
                postfilter[nominated][p] = PREEMPTION_VICTIM
    score: dict[str, dict[str, str]] = {}
    final: dict[str, dict[str, str]] = {}
    s: ScoreResult | None = record.scores
    if s is not None:
        for i, node in enumerate(s.nodes):
            score[node] = {p: str(int(s.raw[p][i])) for p in s.plugins}
            final[node] = {p: str(int(s.normalized[p][i]) * s.weights.get(p, 1)) for p in s.plugins}
    out = {
        "prefilter-result-status": prefilter_status,
        "prefilter-result": prefilter_result,
        "filter-result": filter_result,
        "postfilter-result": postfilter,
        "prescore-result": {
            p: _status_text(st) if st is None or not st.is_skip else "" for p, st in record.prescore.items()
        },
        "score-result": score,
        "finalscore-result": final,
        "reserve-result": dict(record.reserve),
        "permit-result": dict(record.permit),
        "permit-result-timeout": {},
        "prebind-result": dict(record.prebind),
        "bind-result": dict(record.bind),
        "selected-node": record.selected,
    }
    return {ANNOTATION_PREFIX + k: v for k, v in out.items()}


def as_annotations(result: Mapping[str, Any]) -> dict[str, str]:
    """JSON-encode a :func:`record_to_result` dict the way the simulator stores it (sorted keys)."""
    out = {}
    for k, v in result.items():
        out[k] = v if isinstance(v, str) else json.dumps(v, sort_keys=True, separators=(",", ":"))
    return out


def explain_frame(
    node_names: list[str],
    feasible: set[str],
    diagnosis: Any,
    score_plugins: list[str],
    scores: ScoreResult | None,
    weights: Mapping[str, int],
) -> Any:
    """The explain table: index node, ``filter``, one column per score plugin, ``total``.

    ``filter`` is ``"ok"`` or the reason(s) the node was filtered out (joined with
    ", "); score columns hold each plugin's normalized 0-100 score before weighting (NaN
    where the plugin skipped the pod or the node was filtered out); ``total`` is the
    weighted sum.
    """
    import numpy as np
    import pandas as pd

    pos = {n: i for i, n in enumerate(scores.nodes)} if scores is not None else {}
    columns: dict[str, list[Any]] = {"filter": []}
    for p in score_plugins:
        columns[p] = []
    columns["total"] = []
    for name in node_names:
        columns["filter"].append("ok" if name in feasible else diagnosis.status_of(name).message)
        i = pos.get(name)
        for p in score_plugins:
            ok = i is not None and scores is not None and p in scores.normalized
            columns[p].append(float(scores.normalized[p][i]) if ok else np.nan)
        columns["total"].append(float(scores.total[i]) if (i is not None and scores is not None) else np.nan)
    frame = pd.DataFrame(columns, index=pd.Index(node_names, name="node"))
    frame.attrs["weights"] = dict(weights)
    return frame
