"""Events: aggregation of repeats (client-go EventCorrelator), names, TTL, the occurrence log."""

from __future__ import annotations

import k8slearn as kl
from k8slearn.controlplane.events import EVENT_TTL


def make() -> tuple[kl.Cluster, dict]:
    c = kl.Cluster(seed=0)
    obj = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})
    return c, obj


def test_a_repeated_event_bumps_count_and_last_timestamp():
    c, obj = make()
    rec = c.recorder("kubelet", host="node-1")
    rec.warning(obj, "BackOff", "Back-off restarting failed container")
    c.run(20)
    rec.warning(obj, "BackOff", "Back-off restarting failed container")
    events = c.list("events")
    assert len(events) == 1
    ev = events[0]
    assert ev["count"] == 2
    assert (ev["firstTimestamp"], ev["lastTimestamp"]) == ("2026-01-01T00:00:00Z", "2026-01-01T00:00:20Z")
    assert ev["source"] == {"component": "kubelet", "host": "node-1"}
    assert ev["involvedObject"]["name"] == "cm"


def test_event_names_are_the_object_name_and_hex_unix_nanos():
    c, obj = make()
    c.recorder("default-scheduler").normal(obj, "Scheduled", "x")
    name = c.list("events")[0]["metadata"]["name"]
    prefix, nanos = name.split(".")
    assert prefix == "cm"
    assert int(nanos, 16) == 1767225600 * 10**9  # 2026-01-01T00:00:00Z as UnixNano


def test_different_messages_are_different_events_and_all_occurrences_are_logged():
    c, obj = make()
    rec = c.recorder("default-scheduler")
    rec.normal(obj, "A", "one")
    rec.normal(obj, "A", "two")
    rec.normal(obj, "A", "one")
    assert len(c.list("events")) == 2
    frame = c.events()
    assert list(frame["message"]) == ["one", "two", "one"]
    assert list(frame.columns[:5]) == ["time", "type", "reason", "object", "namespace"]


def test_events_expire_after_the_ttl():
    c, obj = make()
    c.recorder("x").normal(obj, "A", "one")
    c.run(EVENT_TTL + 1)
    assert c.list("events") == []
