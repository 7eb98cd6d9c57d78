"""Scenario "wrong-selector": a Service selects no pods, so it has no endpoints and rejects traffic.

The pods run and are Ready, but the Service's ``spec.selector`` matches none of them. The
endpoints controllers find nothing to list (``kubectl get endpoints`` prints ``<none>``),
kube-proxy writes a ``REJECT`` rule for a Service without endpoints, and every connection
to the ClusterIP is refused (``ICMP port unreachable``).

Variants
--------
0. A typo in the label value (``app: webb``).
1. The wrong label key (``name: web`` where the pods carry ``app: web``).
2. One label too many: the selector also asks for ``version: v2``, the pods are ``v1``.

The expected answer is a selector that matches every pod of the Deployment and no other
pod; the remedy applies the Service with that selector.

Used in: 10_capstone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..check.core import Feedback, fail, passed
from ._kit import APPS, deployment, new_cluster, node_names, pods_of, ready_endpoint_ips, service, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "SelectorScenario", "make", "parse_selector_answer"]

NAME = "wrong-selector"
VARIANTS = ("typo in a label value", "wrong label key", "one label too many")
_TIERS = ("frontend", "backend", "cache")


def parse_selector_answer(answer: Any) -> dict[str, str]:
    """A Service selector from a dict or a ``"app=web,tier=frontend"`` string."""
    if isinstance(answer, Mapping):
        return {str(k): str(v) for k, v in answer.items()}
    out = {}
    for part in str(answer).replace(" ", "").split(","):
        if not part:
            continue
        key, sep, value = part.replace("==", "=").partition("=")
        if not sep:
            raise ValueError(f"{part!r} is not key=value")
        out[key] = value
    return out


def _typo(rng: Any, word: str) -> str:
    choices = [word + "s", word + "-svc", word[:-1] if len(word) > 3 else word + "x"]
    if len(word) > 2:
        i = rng.randrange(len(word) - 1)
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if swapped != word:
            choices.append(swapped)
    return rng.choice(choices)


@dataclass(eq=False, repr=False)
class SelectorScenario(Scenario):
    """A Service whose selector matches no pod."""

    app: str = ""
    service_name: str = ""
    manifest: dict | None = None

    def _matching(self, selector: Mapping[str, str]) -> tuple[set[str], set[str]]:
        """(names of the app's pods the selector misses, names of other pods it catches)."""
        api = self.cluster.api
        deploy = api.get("Deployment", self.app, "default")
        ours = {p["metadata"]["name"] for p in pods_of(self.cluster, deploy)}
        chosen = {p["metadata"]["name"] for p in api.list("Pod", "default", dict(selector))}
        return ours - chosen, chosen - ours

    def check_diagnosis(self, answer: Any) -> Feedback:
        selector = parse_selector_answer(answer)
        if not selector:
            return fail("An empty selector is not what you want: a Service with no selector gets no endpoints at all. "
                        f"Which labels do the {self.app} pods carry? c.kubectl('get pods --show-labels')")  # fmt: skip
        missed, extra = self._matching(selector)
        if missed:
            return fail(
                f"{selector} misses the {self.app} pods (e.g. {sorted(missed)[0]}). Compare it with their labels: "
                "c.kubectl('get pods --show-labels'); every key=value of the selector must be on the pod."
            )
        if extra:
            return fail(
                f"{selector} also catches {sorted(extra)[0]}, which is not a {self.app} pod: its traffic would land "
                "there too. Add a label only the right pods carry."
            )
        return passed(
            f"{selector} matches exactly the {self.app} pods. The Service asked for {self.expected['wrong']}, which "
            "no pod carries, so the endpoints controllers listed no address and kube-proxy rejected every connection."
        )

    def problems(self, cluster: Any) -> list[str]:
        out = workload_problems(cluster, self.app)
        deploy = cluster.api.get_or_none("Deployment", self.app, "default")
        if deploy is None:
            return out
        want = sorted(p["status"].get("podIP", "") for p in pods_of(cluster, deploy))
        got = ready_endpoint_ips(cluster, self.service_name)
        if got != want:
            shown = ",".join(got) or "<none>"
            out.append(f"Service {self.service_name} has endpoints {shown}, the {self.app} pods are {','.join(want)}.")
        return out

    def remedy(self, cluster: Any) -> None:
        fixed = dict(self.manifest)
        fixed["spec"] = dict(fixed["spec"], selector=dict(self.expected["selector"]))
        cluster.apply(fixed)

    def healed_message(self) -> str:
        return (
            f"Service {self.service_name} selects the {self.app} pods; the endpoints controllers list their IPs and "
            "kube-proxy forwards to them."
        )


def make(seed: int, variant: int | None = None) -> SelectorScenario:
    """Build the broken cluster: a Service whose selector matches none of its app's pods."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    (app, image, port), (decoy, decoy_image, decoy_port) = rng.sample(APPS, 2)
    tier = rng.choice(_TIERS)
    labels = {"app": app, "tier": tier}
    if v == 2:
        labels["version"] = "v1"
    nodes = node_names(rng, rng.randint(2, 4))
    c = new_cluster(seed, nodes)

    if v == 0:
        wrong = {"app": _typo(rng, app), "tier": tier}
    elif v == 1:
        wrong = {"name": app, "tier": tier}
    else:
        wrong = {"app": app, "tier": tier, "version": "v2"}
    svc_name = rng.choice((app, f"{app}-svc"))
    svc = service(svc_name, wrong, 80, port)
    app_deploy = deployment(app, image, replicas=rng.randint(2, 3), labels=labels, port=port)
    decoy_deploy = deployment(decoy, decoy_image, replicas=rng.randint(1, 2), labels={"app": decoy, "tier": tier},
                              port=decoy_port)  # fmt: skip
    c.apply([app_deploy, decoy_deploy, svc])
    c.run(30)

    right = {"app": app, "tier": tier} if v == 2 else dict(labels)
    return SelectorScenario(
        name=NAME,
        title=f"Service {svc_name} answers nobody",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"The {app} pods are Running, yet every request to Service {svc_name} is refused. What selector should "
            f'the Service have? Answer with a dict: answer = {{"app": ...}} (all the labels you would select on)'
        ),
        expected={"selector": right, "wrong": wrong, "service": svc_name},
        hints=(
            f"c.kubectl('get endpoints {svc_name}') shows which pod addresses the Service sends to; "
            f"c.kubectl('describe service {svc_name}') shows its Selector:.",
            "c.kubectl('get pods --show-labels') lists every pod's labels: a pod is selected only if it carries "
            "every key=value of the selector.",
            f"Pick labels all the {app} pods carry and the other pods do not (tier={tier} alone also matches the "
            f"{decoy} pods).",
        ),
        symptom="no endpoints",
        commands=("kubectl get endpoints", "kubectl describe service", "kubectl get pods --show-labels"),
        solution=(
            f"print(c.kubectl('describe service {svc_name}'))   # Selector: "
            + ",".join(f"{k}={val}" for k, val in wrong.items())
            + "\nprint(c.kubectl('get pods --show-labels'))\n"
            f"answer = {right!r}\n"
            "# the fix: apply the Service with that selector\n"
            f"svc = c.get('service', '{svc_name}')\n"
            "svc['spec']['selector'] = answer\n"
            "c.update(svc)"
        ),
        heal_timeout=120.0,
        app=app,
        service_name=svc_name,
        manifest=svc,
    )
