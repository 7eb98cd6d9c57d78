"""NodePorts (PreFilter, Filter): a ``hostPort`` can be used by one pod per node.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/nodeports``: a port bound on ``0.0.0.0``
conflicts with the same protocol and port on any address, a port on one address
conflicts with the same address or ``0.0.0.0``.
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status

__all__ = ["NodePorts", "NAME", "ERR_REASON", "host_ports", "port_conflict", "fits_ports"]

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_FAIL = Status.unschedulable(ERR_REASON)
_ALL_IPS = "0.0.0.0"


def host_ports(pod: Mapping) -> list[tuple[str, str, int]]:
    """``(hostIP, protocol, hostPort)`` of every container port with a hostPort."""
    out = []
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            hp = p.get("hostPort") or 0
            if hp > 0:
                out.append((p.get("hostIP") or _ALL_IPS, p.get("protocol") or "TCP", int(hp)))
    return out


def port_conflict(used: Mapping[tuple[str, int], Mapping[str, int]], ip: str, protocol: str, port: int) -> bool:
    """Whether ``ip:port/protocol`` is taken on a node whose used ports are ``used``.

    Examples
    --------
    >>> used = {("TCP", 80): {"0.0.0.0": 1}}
    >>> port_conflict(used, "10.0.0.1", "TCP", 80), port_conflict(used, "0.0.0.0", "UDP", 80)
    (True, False)
    """
    if port <= 0:
        return False
    ips = used.get((protocol, port))
    if not ips:
        return False
    if ip == _ALL_IPS:
        return True
    return _ALL_IPS in ips or ip in ips


def fits_ports(wanted: Sequence[tuple[str, str, int]], used: Mapping) -> bool:
    """True when none of the wanted host ports is in use."""
    return not any(port_conflict(used, ip, proto, port) for ip, proto, port in wanted)


_KEY = "PreFilter" + NAME


class NodePorts(Plugin):
    """PreFilter and Filter plugin for host ports."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        ports = host_ports(pod)
        if not ports:
            return None, Status.skip()
        state.write(_KEY, ports)
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        wanted = state.read(_KEY)
        if wanted is None:
            wanted = host_ports(pod)
        return None if fits_ports(wanted, node_info.used_ports) else _FAIL

    def events_to_register(self) -> list:
        def pod_deleted(pod: Mapping, old, new) -> bool:
            return bool(host_ports(old or {})) if old is not None else True

        return [
            (ClusterEvent("Pod", ActionType.DELETE), pod_deleted),
            (ClusterEvent("Node", ActionType.ADD), None),
        ]
