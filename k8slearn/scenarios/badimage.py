"""Scenario "bad-image": a rolling update is stuck because the new image cannot be pulled.

Someone ran ``kubectl set image`` with an image that does not exist. The Deployment
controller creates a new ReplicaSet and, with the default ``maxSurge``/``maxUnavailable``
of 25 %, starts one new pod while the old pods keep serving. The kubelet cannot pull the
new image (``ErrImagePull``, then ``ImagePullBackOff`` with a back-off up to 5 minutes),
so the new pod never becomes Ready and the rollout makes no progress. After
``progressDeadlineSeconds`` (600 s by default) the controller sets the ``Progressing``
condition to ``False`` with reason ``ProgressDeadlineExceeded`` and
``kubectl rollout status`` gives up with ``error: deployment "<name>" exceeded its
progress deadline``. Nothing rolls back by itself.

Variants
--------
0. A tag that does not exist (``nginx:1.277``): ``not found``.
1. A misspelled repository (``ngnix:1.27``): ``pull access denied``.
2. A registry host that does not resolve: ``no such host``.

The expected answer is the bad image; the remedy is ``kubectl rollout undo``.

Used in: 10_capstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..check.core import Feedback, fail, passed
from ..node.images import DEFAULT_REGISTRY, InvalidImageName, PullError, parse_image
from ._kit import APPS, answer_fields, deployment, new_cluster, node_names, pods_of, workload_problems
from .base import Scenario, pick_variant, scenario_rng

__all__ = ["NAME", "VARIANTS", "BadImageScenario", "make", "bad_image"]

NAME = "bad-image"
VARIANTS = ("tag that does not exist", "misspelled repository", "unknown registry host")
_HOSTS = ("registry.internal.example", "harbor.corp.example", "images.acme.example")


def _pullable(image: str) -> bool:
    try:
        DEFAULT_REGISTRY.lookup(image)
    except (PullError, InvalidImageName):
        return False
    return True


def bad_image(rng: Any, good: str, variant: int) -> str:
    """An image reference close to ``good`` that no registry serves (per ``variant``)."""
    ref = parse_image(good)
    repo = good.rsplit(":", 1)[0]
    tag = ref.tag
    short = repo.split("/")[-1]
    if variant == 0:
        options = [f"{repo}:{tag}7", f"{repo}:{tag}.99", f"{repo}:v{tag}", f"{repo}:lastest"]
    elif variant == 1:
        options = []
        for i in range(len(short) - 1):
            swapped = short[:i] + short[i + 1] + short[i] + short[i + 2 :]
            if swapped != short:
                options.append(repo[: len(repo) - len(short)] + swapped + f":{tag}")
    else:
        options = [f"{host}/{short}:{tag}" for host in _HOSTS]
    options = [o for o in options if not _pullable(o)]
    return rng.choice(options)


@dataclass(eq=False, repr=False)
class BadImageScenario(Scenario):
    """A Deployment rollout stuck on an image that cannot be pulled."""

    app: str = ""

    def check_diagnosis(self, answer: Any) -> Feedback:
        got = answer_fields(answer, ("image",))
        text = str(got.get("image", "")).strip().strip("'\"")
        bad, good = self.expected["image"], self.expected["good"]
        try:
            same = parse_image(text).full == parse_image(bad).full
            is_good = parse_image(text).full == parse_image(good).full
        except InvalidImageName:
            same = is_good = False
        if same:
            return passed(
                f"{bad} cannot be pulled ({self.expected['reason']}), so the new ReplicaSet's pods sit in "
                "ImagePullBackOff, the old pods keep serving, and after progressDeadlineSeconds the rollout "
                "reports ProgressDeadlineExceeded. kubectl rollout undo goes back to " + good + "."
            )
        if is_good:
            return fail(f"{good} is the image the old pods run without trouble. Which image do the NEW "
                        "ReplicaSet's pods try to pull? kubectl describe pod <a pod in ImagePullBackOff>.")  # fmt: skip
        return fail(self.hints[0])

    def problems(self, cluster: Any) -> list[str]:
        out = workload_problems(cluster, self.app)
        deploy = cluster.api.get_or_none("Deployment", self.app, "default")
        if deploy is None:
            return out
        image = deploy["spec"]["template"]["spec"]["containers"][0]["image"]
        if image == self.expected["image"]:
            out.append(f"Deployment {self.app} still asks for {image}.")
        for pod in pods_of(cluster, deploy):
            if any(ctr["image"] == self.expected["image"] for ctr in pod["spec"]["containers"]):
                out.append(f"pod {pod['metadata']['name']} still tries to pull {self.expected['image']}.")
        return out

    def remedy(self, cluster: Any) -> None:
        cluster.kubectl(f"rollout undo deployment/{self.app}")

    def healed_message(self) -> str:
        return (
            f"the rollout is back on {self.expected['good']}: the deployment controller scaled the old ReplicaSet "
            "up again and the broken one down to 0 (it stays in kubectl rollout history)."
        )


def make(seed: int, variant: int | None = None) -> BadImageScenario:
    """Build the broken cluster: ``kubectl set image`` to an image that does not exist, 10+ minutes ago."""
    rng = scenario_rng(NAME, seed)
    v = pick_variant(rng, VARIANTS, variant)
    app, good, port = rng.choice(APPS)
    bad = bad_image(rng, good, v)
    nodes = node_names(rng, rng.randint(2, 4))
    c = new_cluster(seed, nodes)
    c.apply(deployment(app, good, replicas=rng.randint(2, 4), port=port))
    c.run(20)
    c.kubectl(f"set image deployment/{app} {app}={bad}")
    c.run(600 + rng.randint(30, 240))

    reason = {0: "the tag is not found", 1: "pull access denied: no such repository",
              2: "the registry host does not resolve"}[v]  # fmt: skip
    return BadImageScenario(
        name=NAME,
        title=f"The {app} rollout is stuck",
        seed=seed,
        variant=v,
        cluster=c,
        question=(
            f"Someone updated the {app} Deployment a while ago; the new version never came up. Which image does the "
            'rollout try to run? Answer with the image: answer = "..."'
        ),
        expected={"image": bad, "good": good, "reason": reason},
        hints=(
            f"c.kubectl('rollout status deployment/{app}') tells whether the rollout progresses; c.kubectl('get "
            "pods') shows the new pod's STATUS.",
            "c.kubectl('describe pod <the new pod>') ends with the kubelet's events: Failed to pull image \"...\".",
            f"c.kubectl('rollout history deployment/{app}') and c.kubectl('describe deployment {app}') show the "
            "image of each revision.",
        ),
        symptom="ImagePullBackOff",
        commands=(
            "kubectl rollout status",
            "kubectl get pods",
            "kubectl describe pod",
            "kubectl rollout history",
            "kubectl rollout undo",
        ),  # fmt: skip
        solution=(
            f"print(c.kubectl('rollout status deployment/{app}'))   # exceeded its progress deadline\n"
            f"answer = c.get('deployment', '{app}')['spec']['template']['spec']['containers'][0]['image']\n"
            "# the fix: go back to the revision that worked\n"
            f"print(c.kubectl('rollout undo deployment/{app}'))"
        ),
        heal_timeout=300.0,
        app=app,
    )
