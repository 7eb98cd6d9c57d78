"""ConfigMaps and Secrets consumed by containers (the kubelet side).

Upstream: ``pkg/kubelet/kubelet_pods.go`` ``makeEnvironmentVariables`` (envFrom first,
then env; ``configmap "%s" not found``, ``couldn't find key %v in ConfigMap %v/%v``,
``optional``), ``pkg/kubelet/kuberuntime/kuberuntime_container.go`` (a config error is
``CreateContainerConfigError`` with an ``Error: ...`` event, retried on the next sync),
the configmap/secret volume plugins (``MountVolume.SetUp failed for volume ...``,
``FailedMount``), and the ConfigMap/Secret task pages.
"""

from __future__ import annotations

import base64
import json

from nodetest import container, container_status, events_of, pod

CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"level": "debug",
                                                                                              "mode": "fast"}}  # fmt: skip
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
          "data": {"password": base64.b64encode(b"s3cret").decode()}}  # fmt: skip


def _env_pod(name: str, env: list[dict] | None = None, env_from: list[dict] | None = None) -> dict:
    c = container(command=["sh", "-c", "env; sleep 3600"])
    if env is not None:
        c["env"] = env
    if env_from is not None:
        c["envFrom"] = env_from
    return pod(name, [c])


def _ref(kind: str, name: str, key: str, optional: bool | None = None) -> dict:
    ref = {"name": name, "key": key}
    if optional is not None:
        ref["optional"] = optional
    return {"name": "VALUE", "valueFrom": {kind: ref}}


def test_a_missing_config_map_is_create_container_config_error_until_it_appears(cluster):
    cluster.create(_env_pod("app", env=[_ref("configMapKeyRef", "app-config", "level")]))
    cluster.run(5)
    cs = container_status(cluster, "app")
    assert cs["state"]["waiting"] == {
        "reason": "CreateContainerConfigError",
        "message": 'configmap "app-config" not found',
    }
    assert ("Warning", "Failed", 'Error: configmap "app-config" not found') in events_of(cluster, "app")
    assert cluster.get("pod", "app")["status"]["phase"] == "Pending"
    cluster.create(CONFIG)
    cluster.run(10)  # the next sync (every 10 s while failing) creates the container
    cs = container_status(cluster, "app")
    assert "running" in cs["state"]
    assert "VALUE=debug" in cluster.kubelet("node-1").logs("app")


def test_a_missing_key_names_the_key_and_the_config_map(cluster):
    cluster.create(CONFIG)
    cluster.create(_env_pod("app", env=[_ref("configMapKeyRef", "app-config", "colour")]))
    cluster.run(5)
    assert container_status(cluster, "app")["state"]["waiting"]["message"] == (
        "couldn't find key colour in ConfigMap default/app-config"
    )


def test_a_missing_secret_and_key(cluster):
    cluster.create(_env_pod("s1", env=[_ref("secretKeyRef", "db", "password")]))
    cluster.run(5)
    assert container_status(cluster, "s1")["state"]["waiting"]["message"] == 'secret "db" not found'
    cluster.create(SECRET)
    cluster.create(_env_pod("s2", env=[_ref("secretKeyRef", "db", "user")]))
    cluster.run(5)
    assert (
        container_status(cluster, "s2")["state"]["waiting"]["message"] == "couldn't find key user in Secret default/db"
    )


def test_optional_references_do_not_block_the_container(cluster):
    cluster.create(_env_pod("opt", env=[_ref("configMapKeyRef", "nope", "level", optional=True)],
                            env_from=[{"secretRef": {"name": "nope", "optional": True}}]))  # fmt: skip
    cluster.run(5)
    assert "running" in container_status(cluster, "opt")["state"]


def test_secret_values_reach_the_container_decoded_and_never_the_status_or_events(cluster):
    cluster.create(SECRET)
    cluster.create(_env_pod("app", env=[_ref("secretKeyRef", "db", "password")]))
    cluster.run(5)
    assert "VALUE=s3cret" in cluster.kubelet("node-1").logs("app")  # what the process itself prints
    text = repr(cluster.get("pod", "app")) + repr([r.message for r in cluster.event_log.records])
    assert "s3cret" not in text


def test_env_from_with_prefix_and_env_overrides(cluster):
    cluster.create(CONFIG)
    cluster.create(
        _env_pod("app", env=[{"name": "CFG_mode", "value": "slow"}, {"name": "BOTH", "value": "$(CFG_level)-x"}],
                 env_from=[{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"}])
    )  # fmt: skip
    cluster.run(5)
    logs = cluster.kubelet("node-1").logs("app").splitlines()
    assert "CFG_level=debug" in logs and "CFG_mode=slow" in logs and "BOTH=debug-x" in logs


def test_a_missing_config_map_volume_keeps_the_pod_container_creating(cluster):
    spec_pod = pod(
        "vol",
        [container(command=["sh", "-c", "cat /etc/config/level; sleep 3600"],
                   volumeMounts=[{"name": "config", "mountPath": "/etc/config"}])],
        volumes=[{"name": "config", "configMap": {"name": "app-config"}}],
    )  # fmt: skip
    cluster.create(spec_pod)
    cluster.run(5)
    cs = container_status(cluster, "vol")
    assert cs["state"]["waiting"]["reason"] == "ContainerCreating"
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found') \
        in events_of(cluster, "vol")  # fmt: skip
    cluster.create(CONFIG)
    cluster.run(20)
    assert "running" in container_status(cluster, "vol")["state"]
    assert cluster.kubelet("node-1").logs("vol") == "debug\n"  # keys are files


def test_volume_items_and_exec_probes_can_read_mounted_files(cluster):
    cluster.create(CONFIG)
    cluster.create(
        pod(
            "probe",
            [container(command=["sleep", "3600"], volumeMounts=[{"name": "config", "mountPath": "/etc/app"}],
                       readinessProbe={"exec": {"command": ["cat", "/etc/app/mode.txt"]}, "periodSeconds": 5})],
            volumes=[{"name": "config", "configMap": {"name": "app-config", "items": [{"key": "mode", "path": "mode.txt"}]}}],
        )
    )  # fmt: skip
    cluster.run(10)
    assert container_status(cluster, "probe")["ready"] is True


def test_the_service_account_volume_and_downward_api_files(cluster):
    """The kube-api-access-* volume (token, ca.crt, namespace) and a downwardAPI volume, as files.

    ``fieldpath.FormatMap`` writes labels as sorted ``key="value"`` lines; the token carries the
    claims of a bound ServiceAccount token (``pkg/serviceaccount/claims.go``).
    """
    sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount"
    script = f"cat {sa_dir}/namespace; echo; cat /etc/podinfo/labels; echo; cat {sa_dir}/token; sleep 3600"
    cluster.create(
        pod("who", [container(command=["sh", "-c", script], volumeMounts=[{"name": "info", "mountPath": "/etc/podinfo"}])],
            volumes=[{"name": "info", "downwardAPI": {"items": [{"path": "labels",
                                                                   "fieldRef": {"fieldPath": "metadata.labels"}}]}}])
    )  # fmt: skip
    cluster.api.patch("Pod", "who", "default", {"metadata": {"labels": {"tier": "web", "app": "who"}}})
    cluster.run(10)
    namespace, blank, app, tier, blank2, token = str(cluster.kubectl("logs who")).splitlines()
    assert (namespace, app, tier) == ("default", 'app="who"', 'tier="web"')
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert claims["exp"] - claims["iat"] == 3607
    assert claims["kubernetes.io"]["pod"]["name"] == "who"
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "RS256"
