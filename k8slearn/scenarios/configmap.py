"""Scenario "missing-configmap": a container cannot start, or keeps crashing, for want of a config value.

The container takes one setting from a ConfigMap through ``env[].valueFrom.configMapKeyRef``.
The kubelet resolves it each time it creates the container:

- a missing ConfigMap or key (``optional`` unset) stops it before the start: the container
  waits with reason ``CreateContainerConfigError`` and the kubelet's ``Failed`` event
  says ``Error: configmap "<name>" not found`` or ``Error: couldn't find key <key> in
  ConfigMap <namespace>/<name>``;
- with ``optional: true`` the variable is simply left unset: the container starts, the
  program finds no value, exits 1, and the kubelet restarts it with a growing back-off
  (``CrashLoopBackOff``); only ``kubectl logs --previous`` tells why.

Variants
--------
0. The ConfigMap does not exist (a similarly named one does).
1. The ConfigMap exists but lacks the key.
2. The key is missing and the reference is ``optional: true``: a crash loop.

The expected answer is the ConfigMap's name and the key; the remedy writes the key into
the ConfigMap (creating it if needed). Kubernetes reads ``env`` only when it creates a
container, so the next retry (or restart) picks the value up without touching the pods.

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..check.core import Feedback, fail, passed
from ._kit import answer_fields, as_text, configmap, deployment, new_cluster, node_names, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "ConfigMapScenario", "make"]

NAME = "missing-configmap"
VARIANTS = ("ConfigMap missing", "key missing", "optional key missing: crash loop")

# (app, image, port, the program the entrypoint script ends in)
_APPS = (
    ("shop", "nginx:1.27", 80, "nginx -g 'daemon off;'"),
    ("blog", "httpd:2.4", 80, "httpd-foreground"),
    ("cart", "redis:7.4", 6379, "redis-server"),
    ("billing", "nginx:1.27", 80, "nginx -g 'daemon off;'"),
)
# (ConfigMap key, environment variable, a sensible value)
_KEYS = (
    ("db-host", "DB_HOST", "postgres.default.svc"),
    ("log-level", "LOG_LEVEL", "info"),
    ("api-url", "API_URL", "http://api.default.svc"),
    ("feature-flags", "FEATURE_FLAGS", "checkout=on"),
    ("cache-size", "CACHE_SIZE", "256"),
)
_SUFFIXES = ("config", "settings", "env")


@dataclass(eq=False, repr=False)
class ConfigMapScenario(Scenario):
    """A container needs a ConfigMap key that is not there."""

    app: str = ""

    def check_diagnosis(self, answer: Any) -> Feedback:
        got = answer_fields(answer, ("configmap", "key"))
        name = as_text(got.get("configmap", got.get("name", "")))
        key = as_text(got.get("key", ""))
        want_name, want_key = self.expected["configmap"], self.expected["key"]
        if name != want_name:
            if name and self.cluster.api.get_or_none("ConfigMap", name, "default") is not None and self.variant == 0:
                return fail(
                    f"ConfigMap {name} exists, and it is not the one the pod asks for. kubectl describe pod lists "
                    'each variable\'s source under Environment: ("<set to the key ... of config map ...>").'
                )
            return fail(self.hints[0])
        if key != want_key:
            if key == self.expected["env"]:
                return fail(f"{key} is the environment variable's name; the ConfigMap key it reads is on the same "
                            "line of kubectl describe pod: <set to the key '...' of config map ...>.")  # fmt: skip
            return fail(f"Right ConfigMap! Now the key the container reads from it: kubectl describe pod shows it "
                        f"under Environment:, and kubectl describe configmap {want_name} shows which keys exist.")  # fmt: skip
        why = {
            0: f'the kubelet cannot resolve the variable: Error: configmap "{want_name}" not found, so the container '
            "is never created (CreateContainerConfigError)",
            1: f"the ConfigMap exists but has no key {want_key}: CreateContainerConfigError until it does",
            2: f"the reference is optional, so {self.expected['env']} is just unset; the program exits 1 and the "
            "kubelet restarts it with a growing back-off (CrashLoopBackOff)",
        }[self.variant]
        return passed(f"{want_name}/{want_key}: {why}.")

    def problems(self, cluster: Any) -> list[str]:
        return workload_problems(cluster, self.app)

    def remedy(self, cluster: Any) -> None:
        cm = cluster.api.get_or_none("ConfigMap", self.expected["configmap"], "default")
        data = dict((cm or {}).get("data") or {})
        data[self.expected["key"]] = self.expected["value"]
        cluster.apply(configmap(self.expected["configmap"], data))

    def healed_message(self) -> str:
        return (
            f"the kubelet resolves {self.expected['env']} from ConfigMap {self.expected['configmap']} the next "
            "time it creates the container, so the pods start without being recreated."
        )


def make(seed: int, variant: int | None = None) -> ConfigMapScenario:
    """Build the broken cluster: the app's containers lack a ConfigMap value."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, image, port, program = rng.choice(_APPS)
    (key, env, value), (other_key, other_env, other_value) = rng.sample(_KEYS, 2)
    suffix, other_suffix = rng.sample(_SUFFIXES, 2)
    cm_name = f"{app}-{suffix}"
    nodes = node_names(rng, rng.randint(2, 4))
    replicas = rng.randint(1, 3)
    c = new_cluster(seed, nodes)

    ref: dict[str, Any] = {"name": cm_name, "key": key}
    container: dict[str, Any] = {
        "env": [
            {"name": env, "valueFrom": {"configMapKeyRef": ref}},
            {"name": other_env, "valueFrom": {"configMapKeyRef": {"name": cm_name, "key": other_key}}},
        ]
    }
    if v == 0:
        # the setting the pod needs is in no ConfigMap; a look-alike exists
        container["env"] = container["env"][:1]
        existing = configmap(f"{app}-{other_suffix}", {key: value, other_key: other_value})
    else:
        existing = configmap(cm_name, {other_key: other_value})
    if v == 2:
        ref["optional"] = True
        container["command"] = [
            "sh", "-c",
            f'if [ -z "${env}" ]; then echo "fatal: {env} is not set (expected in ConfigMap {cm_name})"; exit 1; fi; '
            f"exec {program}",
        ]  # fmt: skip
    manifest = deployment(app, image, replicas=replicas, port=port, container=container)
    c.apply([existing, manifest])
    c.run(rng.choice((45, 60, 75)))

    expected = {"configmap": cm_name, "key": key, "env": env, "value": value}
    status = "CrashLoopBackOff" if v == 2 else "CreateContainerConfigError"
    first_look = (
        "c.kubectl('logs <pod> --previous'): the last words of the container that exited"
        if v == 2
        else "c.kubectl('describe pod <pod>'): the kubelet's Failed event says what it could not do"
    )
    return ConfigMapScenario(
        name=NAME,
        title=f"The {app} pods fail with {status}",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"The {app} pods never become Ready. Which ConfigMap, and which key in it, do they miss? "
            'Answer with a dict: answer = {"configmap": ..., "key": ...}'
        ),
        expected=expected,
        hints=(
            f"Run c.kubectl('get pods') and read the STATUS, then {first_look}.",
            "kubectl describe pod lists each environment variable's source under Environment: "
            "(<set to the key '...' of config map '...'>); c.kubectl('get configmaps') shows what exists.",
            "c.kubectl('describe configmap <name>') prints the keys a ConfigMap has; compare them with the key the "
            "pod asks for.",
        ),
        symptom=status,
        commands=(
            "kubectl get pods",
            "kubectl describe pod",
            "kubectl logs --previous",
            "kubectl get configmaps",
            "kubectl describe configmap",
        ),  # fmt: skip
        solution=(
            f"pod = c.list('pods', selector='app={app}')[0]['metadata']['name']\n"
            "print(c.kubectl(f'describe pod {pod}'))\n"
            f'answer = {{"configmap": "{cm_name}", "key": "{key}"}}\n'
            "# the fix: put the key into the ConfigMap; the kubelet reads env again at the next container start\n"
            f"c.kubectl('create configmap {cm_name} --from-literal={key}={value}')   # or c.apply(...) with the "
            "extra key if it exists"
            if v == 0
            else f"pod = c.list('pods', selector='app={app}')[0]['metadata']['name']\n"
            + ("print(c.kubectl(f'logs {pod} --previous'))\n" if v == 2 else "")
            + "print(c.kubectl(f'describe pod {pod}'))\n"
            f"print(c.kubectl('describe configmap {cm_name}'))   # has {other_key}, not {key}\n"
            f'answer = {{"configmap": "{cm_name}", "key": "{key}"}}\n'
            "# the fix: add the key; the kubelet reads env again at the next container start\n"
            f"cm = c.get('configmap', '{cm_name}')\n"
            f"cm['data']['{key}'] = '{value}'\n"
            "c.update(cm)"
        ),
        heal_timeout=600.0,
        app=app,
    )
