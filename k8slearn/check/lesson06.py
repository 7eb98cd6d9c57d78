"""Checks for lesson 06 - Services and kube-proxy.

Each check takes the student's answer (and, where the answer depends on the cluster in
front of them, that cluster) and returns a :class:`~k8slearn.check.core.Feedback`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .core import check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "ex4"]


def _as_fraction(answer: Any) -> Fraction:
    if isinstance(answer, str):
        return Fraction(answer.strip()).limit_denominator(1000)
    return Fraction(float(answer)).limit_denominator(1000)


@check
def ex1(answer: Any) -> Any:
    """The ``--probability`` on the second rule of a 4-endpoint service: 1/3."""
    try:
        value = _as_fraction(answer)
    except (TypeError, ValueError, ZeroDivisionError):
        return fail('Answer with one number, e.g. 0.25, or a string such as "0.25" or "1/4".')
    if value == Fraction(1, 3):
        return passed(
            "The first rule keeps 1/4 of all connections; the second sees the other 3/4 and must take "
            "1/4 of the total, so 1/4 ÷ 3/4 = 1/3 - kube-proxy writes 0.3333333333."
        )
    if value == Fraction(1, 4):
        return fail(
            "1/4 is each endpoint's share of *all* connections, but the second rule only sees the connections "
            "the first rule let through. What fraction of those must it take?"
        )
    if value == Fraction(1, 2):
        return fail("1/2 sits on the third rule (two endpoints left). Count the endpoints still left at rule two.")
    return fail("Rule i (counting from 0) of n carries 1/(n-i). Which i is the second rule, and what is n?")


@check
def ex2(answer: Any, cluster: Any = None, service: str = "web", namespace: str = "default") -> Any:
    """The KUBE-SVC chain name of a Service's (first) port, computed by hand."""
    from ..node.proxy.model import service_ports

    if cluster is None:
        return fail("Pass your cluster too: check.lesson06.ex2(answer, c).")
    svc = cluster.api.get("Service", service, namespace)
    sp = service_ports(svc)[0]
    want = f"KUBE-SVC-{sp.hash}"
    got = str(answer).strip()
    if got == want:
        return passed(f"{want} = base32(sha256('{sp.name_string}{sp.proto}'))[:16] - the same on every node.")
    if got == sp.hash:
        return fail("Right hash! The chain name also has the prefix: KUBE-SVC-<hash>.")
    if want in cluster.kube_proxy(next(iter(cluster.hosts))).rules():
        hint = (
            f"Hash the service port name plus the lower-case protocol, '{sp.name_string}{sp.proto}' "
            "(no ':port' for an unnamed port), with sha256, base32-encode it and keep 16 characters."
        )
        return fail(hint)
    return fail("Compare with the chain name in c.kube_proxy('node-1').rules(service='web').")


@check
def ex3(answer: Any, cluster: Any = None, service: str = "web-local", namespace: str = "default") -> Any:
    """The nodes whose NodePort delivers traffic for an ``externalTrafficPolicy: Local`` Service."""
    from ..node.dataplane import resolve_entry

    if cluster is None:
        return fail("Pass your cluster too: check.lesson06.ex3(answer, c).")
    entry = resolve_entry(cluster, service, "nodeport", namespace)
    want = []
    for node in cluster.nodes():
        shares = cluster.kube_proxy(node).shares(service, namespace, entry="nodeport")
        if sum(shares.values()) > 0:
            want.append(node)
    got = sorted({str(n) for n in (answer if isinstance(answer, (list, tuple, set)) else [answer])})
    if got == sorted(want):
        names = " and ".join([", ".join(want[:-1]), want[-1]]) if len(want) > 1 else "".join(want)
        verb = "run" if len(want) > 1 else "runs"
        return passed(
            f"Only {names} {verb} a ready pod behind '{service}'; the other nodes DROP NodePort traffic "
            f"(port {entry.dport}) because externalTrafficPolicy: Local never forwards to another node."
        )
    extra = sorted(set(got) - set(want))
    if extra:
        return fail(
            f"{', '.join(extra)} has no ready local endpoint: its KUBE-EXTERNAL-SERVICES chain drops the traffic. "
            "Look at the NODE column of kubectl get pods -o wide."
        )
    return fail("Some node with a ready local pod is missing. Which nodes run a ready pod of the Service?")


@check
def ex4(answer: Any, cluster: Any = None, name: str = "web.shop", namespace: str = "default") -> Any:
    """What a DNS name resolves to from a pod in ``namespace``."""
    if cluster is None:
        return fail("Pass your cluster too: check.lesson06.ex4(answer, c).")
    want = cluster.resolve(name, namespace=namespace)
    if isinstance(answer, str):
        got = [answer]
    elif isinstance(answer, (list, tuple, set)) and all(isinstance(a, str) for a in answer):
        got = list(answer)
    else:
        return fail('Answer with a list of addresses as strings, e.g. ["10.96.1.2"].')
    if sorted(got) == sorted(want):
        return passed(
            f"'{name}' has fewer than 5 dots, so the resolver tries the search path first: "
            f"{name}.{namespace}.svc.cluster.local (no such name), then {name}.svc.cluster.local - found."
        )
    svc = name.split(".")[0]
    if "." in name and sorted(got) == sorted(cluster.resolve(svc, namespace=namespace)):
        return fail(
            f"That is Service '{svc}' in namespace {namespace}, where the question is asked from. The part after "
            f"the dot, '{name.split('.', 1)[1]}', names another namespace."
        )
    return fail(
        f"'{name}' is <service>.<namespace>. Find the ClusterIP of Service '{svc}' in that namespace "
        "(or, for a headless Service, its ready pod IPs)."
    )
