"""Helpers for the node-agent tests: pods bound by ``spec.nodeName``, status and event readers."""

from __future__ import annotations

from typing import Any

import k8slearn as kl


def pod(name: str, containers: list[dict], node: str = "node-1", annotations: dict | None = None, **spec: Any) -> dict:
    """A pod bound to ``node`` with ``spec.nodeName`` (no scheduler involved)."""
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"nodeName": node, "containers": containers, **spec},
    }


def container(name: str = "app", image: str = "busybox:1.36", command: list[str] | None = None, **extra: Any) -> dict:
    out: dict[str, Any] = {"name": name, "image": image}
    if command is not None:
        out["command"] = command
    out.update(extra)
    return out


def status_of(c: kl.Cluster, name: str, namespace: str = "default") -> dict:
    return c.api.get("Pod", name, namespace).get("status") or {}


def container_status(c: kl.Cluster, name: str, index: int = 0) -> dict:
    return status_of(c, name)["containerStatuses"][index]


def events_of(c: kl.Cluster, name: str) -> list[tuple[str, str, str]]:
    """``(type, reason, message)`` of every event about pod ``name``, in order."""
    return [(r.type, r.reason, r.message) for r in c.event_log.records if r.kind == "Pod" and r.name == name]


def wait_for(c: kl.Cluster, predicate: Any, timeout: float = 120) -> None:
    c.run_until(lambda cl: predicate(), timeout=timeout)
