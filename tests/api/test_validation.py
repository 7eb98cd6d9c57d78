"""Validation messages against upstream wording.

Upstream sources: apimachinery pkg/util/validation/validation.go (name and key detail
sentences), pkg/api/validation/objectmeta.go and generic.go (ObjectMeta, maskTrailingDash),
pkg/apis/meta/v1/validation (label selectors), kubernetes pkg/apis/core/validation/validation.go
(pods, services, configmaps, secrets, nodes, PVs, PVCs), pkg/apis/apps/validation/validation.go,
pkg/apis/batch/validation, pkg/apis/scheduling|storage|autoscaling/validation.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8slearn.api.defaults import set_defaults
from k8slearn.api.errors import ApiError
from k8slearn.api.validation import check_decodable, validate

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
).replace(",  or", " or")
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123', regex used for validation is "
    "'[a-z]([-a-z0-9]*[a-z0-9])?')"
)
CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name' or 'KEY_NAME' "
    "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def pod(**spec):
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    }
    obj["spec"].update(spec)
    return obj


def ctr(**fields):
    c = {"name": "app", "image": "nginx:1.27"}
    c.update(fields)
    return pod(containers=[c])


def deploy(**spec):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    obj["spec"].update(spec)
    return obj


def svc(**spec):
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {}}
    obj["spec"].update({"selector": {"app": "web"}, "ports": [{"port": 80}]})
    obj["spec"].update(spec)
    return obj


def errors(kind, obj, old=None):
    obj = copy.deepcopy(obj)
    set_defaults(kind, obj)
    if old is not None:
        old = copy.deepcopy(old)
        set_defaults(kind, old)
    return [str(e) for e in validate(kind, obj, old)]


# (sentence id, kind, manifest, expected message among the errors)
CASES = [
    ("a pod name must be a DNS-1123 subdomain", "Pod", {**pod(), "metadata": {"name": "Web", "namespace": "default"}},
     f'metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}'),
    ("a name or generateName is required", "Pod", {**pod(), "metadata": {"namespace": "default"}},
     "metadata.name: Required value: name or generateName is required"),
    ("a namespace name must be a DNS-1123 label", "Namespace", {"metadata": {"name": "a.b"}},
     'metadata.name: Invalid value: "a.b": must not contain dots'),
    ("a service name must be a DNS-1035 label", "Service", {**svc(), "metadata": {"name": "1web", "namespace": "d"}},
     f'metadata.name: Invalid value: "1web": {DNS1035_MSG}'),
    ("a pod needs containers", "Pod", pod(containers=[]), "spec.containers: Required value"),
    ("a container needs an image", "Pod", pod(containers=[{"name": "app"}]), "spec.containers[0].image: Required value"),
    ("container names are unique", "Pod", pod(containers=[{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]),
     'spec.containers[1].name: Duplicate value: "a"'),
    ("container ports are 1..65535", "Pod", ctr(ports=[{"containerPort": 70000}]),
     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ("the port protocol is TCP, UDP or SCTP", "Pod", ctr(ports=[{"containerPort": 80, "protocol": "HTTP"}]),
     'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    ("port names are IANA service names", "Pod", ctr(ports=[{"containerPort": 80, "name": "http-web-server-x"}]),
     'spec.containers[0].ports[0].name: Invalid value: "http-web-server-x": must be no more than 15 characters'),
    ("requests may not exceed limits", "Pod", ctr(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}),
     'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("quantities may not be negative", "Pod", ctr(resources={"requests": {"memory": "-1Gi"}}),
     'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0'),
    ("a probe needs a handler", "Pod", ctr(livenessProbe={"periodSeconds": 5}),
     "spec.containers[0].livenessProbe: Required value: must specify a handler type"),
    ("a probe has one handler only", "Pod", ctr(readinessProbe={"exec": {"command": ["x"]}, "tcpSocket": {"port": 80}}),
     "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"),
    ("liveness successThreshold must be 1", "Pod", ctr(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2}),
     "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"),
    ("probe numbers are non-negative", "Pod", ctr(livenessProbe={"tcpSocket": {"port": 80}, "initialDelaySeconds": -1}),
     "spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0"),
    ("restartPolicy is an enum", "Pod", pod(restartPolicy="Sometimes"),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("dnsPolicy is an enum", "Pod", pod(dnsPolicy="Cluster"),
     'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", '
     '"Default", "None"'),
    ("toleration operator is Exists or Equal", "Pod", pod(tolerations=[{"key": "k", "operator": "In"}]),
     'spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"'),
    ("an empty toleration key needs Exists", "Pod", pod(tolerations=[{"operator": "Equal", "value": "v"}]),
     'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means '
     '"match all values and all keys"'),
    ("Exists with a value is invalid", "Pod", pod(tolerations=[{"key": "k", "operator": "Exists", "value": "v"}]),
     'spec.tolerations[0].operator: Invalid value: {"Key":"k","Operator":"Exists","Value":"v","Effect":"",'
     '"TolerationSeconds":null}: value must be empty when `operator` is \'Exists\''),
    ("tolerationSeconds needs NoExecute", "Pod",
     pod(tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}]),
     "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"),
    ("toleration effects are an enum", "Pod", pod(tolerations=[{"key": "k", "operator": "Exists", "effect": "Never"}]),
     'spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", '
     '"NoExecute"'),
    ("In needs values", "Pod",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "zone", "operator": "In"}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     ".matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    ("Gt needs a single value", "Pod",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "n", "operator": "Gt", "values": ["1", "2"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     ".matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
    ("an unknown node selector operator", "Pod",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "n", "operator": "Has"}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     '.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator'),
    ("preferred weights are 1-100", "Pod",
     pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 0, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}]}}),
     "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: "
     "must be in the range 1-100"),
    ("pod affinity needs a topologyKey", "Pod",
     pod(affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         {"labelSelector": {"matchLabels": {"app": "web"}}}]}}),
     "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: "
     "can not be empty"),
    ("maxSkew must be positive", "Pod",
     pod(topologySpreadConstraints=[{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"),
    ("whenUnsatisfiable is an enum", "Pod",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "Maybe"}]),
     'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe": supported values: '
     '"DoNotSchedule", "ScheduleAnyway"'),
    ("a volume mount refers to a volume", "Pod", ctr(volumeMounts=[{"name": "x", "mountPath": "/x"}]),
     'spec.containers[0].volumeMounts[0].name: Not found: "x"'),
    ("volume names are unique", "Pod",
     pod(volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]),
     'spec.volumes[1].name: Duplicate value: "v"'),
    ("a secret volume needs a secretName", "Pod", pod(volumes=[{"name": "v", "secret": {}}]),
     "spec.volumes[0].secret.secretName: Required value"),
    ("nodeSelector values are label values", "Pod", pod(nodeSelector={"disk": "fast ssd"}),
     "spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of "
     "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
     "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
     "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("activeDeadlineSeconds is at least 1", "Pod", pod(activeDeadlineSeconds=0),
     "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"),
    ("init container probes need restartPolicy Always", "Pod",
     pod(initContainers=[{"name": "i", "image": "x", "livenessProbe": {"tcpSocket": {"port": 1}}}]),
     "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"),
    # Deployments (pkg/apis/apps/validation)
    ("replicas may not be negative", "Deployment", deploy(replicas=-1),
     "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ("an empty selector is invalid", "Deployment", deploy(selector={}),
     "spec.selector: Invalid value: {}: empty selector is invalid for deployment"),
    ("the selector must match the template labels", "Deployment",
     deploy(template={"metadata": {"labels": {"app": "wrong-app-name"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}),
     'spec.template.metadata.labels: Invalid value: {"app":"wrong-app-name"}: `selector` does not match template `labels`'),
    ("a deployment template restarts Always", "Deployment",
     deploy(template={"metadata": {"labels": {"app": "web"}},
                      "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}),
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    ("maxUnavailable may not be 0 when maxSurge is 0", "Deployment",
     deploy(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ("maxUnavailable is at most 100%", "Deployment",
     deploy(strategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "150%"}}),
     'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'),
    ("a percentage needs digits", "Deployment", deploy(strategy={"rollingUpdate": {"maxSurge": "a%"}}),
     'spec.strategy.rollingUpdate.maxSurge: Invalid value: "a%": a valid percent string must be a numeric string '
     "followed by an ending '%' (e.g. '1%' or '93%', regex used for validation is '[0-9]+%')"),
    ("the strategy type is an enum", "Deployment", deploy(strategy={"type": "Blue"}),
     'spec.strategy: Unsupported value: {"Type":"Blue","RollingUpdate":null}: supported values: "Recreate", '
     '"RollingUpdate"'),
    ("progressDeadlineSeconds exceeds minReadySeconds", "Deployment",
     deploy(minReadySeconds=700), "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"),
    # Services
    ("a service needs ports", "Service", svc(ports=[]), "spec.ports: Required value"),
    ("several ports need names", "Service", svc(ports=[{"port": 80}, {"port": 81}]), "spec.ports[0].name: Required value"),
    ("service ports are 1..65535", "Service", svc(ports=[{"port": 0}]),
     "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("the service type is an enum", "Service", svc(type="Internal"),
     'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
     '"NodePort"'),
    ("nodePort is not for ClusterIP", "Service", svc(ports=[{"port": 80, "nodePort": 30080}]),
     "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    ("session affinity timeout is bounded", "Service",
     svc(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90000}}),
     "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400"),
    ("externalTrafficPolicy needs external access", "Service", svc(externalTrafficPolicy="Local"),
     'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'),
    ("a named targetPort is an IANA name", "Service", svc(ports=[{"port": 80, "targetPort": "HTTP"}]),
     'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and '
     "hyphens (-)"),
    # ConfigMaps and Secrets
    ("configmap keys", "ConfigMap", {"metadata": {"name": "c", "namespace": "d"}, "data": {"bad key": "v"}},
     f'data[bad key]: Invalid value: "bad key": {CONFIG_KEY_MSG}'),
    ("data and binaryData keys are distinct", "ConfigMap",
     {"metadata": {"name": "c", "namespace": "d"}, "data": {"k": "v"}, "binaryData": {"k": "dg=="}},
     'data[k]: Invalid value: "k": duplicate of key present in binaryData'),
    ("a TLS secret needs a certificate", "Secret",
     {"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.key": "eA=="}},
     "data[tls.crt]: Required value"),
    ("a dockerconfigjson secret holds JSON", "Secret",
     {"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/dockerconfigjson",
      "data": {".dockerconfigjson": "eHl6"}},
     'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'x\' looking for '
     "beginning of value"),
    # Nodes, storage, scheduling
    ("taint effects are required", "Node", {"metadata": {"name": "n1"}, "spec": {"taints": [{"key": "k"}]}},
     "metadata.taints[0].effect: Required value"),
    ("taints are unique by key and effect", "Node",
     {"metadata": {"name": "n1"}, "spec": {"taints": [{"key": "k", "effect": "NoSchedule"},
                                                      {"key": "k", "effect": "NoSchedule", "value": "x"}]}},
     'metadata.taints[1]: Duplicate value: {"Key":"k","Value":"x","Effect":"NoSchedule","TimeAdded":null}: '
     "taints must be unique by key and effect pair"),
    ("a PV access mode is an enum", "PersistentVolume",
     {"metadata": {"name": "pv"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteAll"],
                                           "hostPath": {"path": "/data"}}},
     'spec.accessModes: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", '
     '"ReadWriteOnce", "ReadWriteOncePod"'),
    ("a PV needs a volume source", "PersistentVolume",
     {"metadata": {"name": "pv"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}},
     "spec: Required value: must specify a volume type"),
    ("a PVC needs access modes", "PersistentVolumeClaim",
     {"metadata": {"name": "c", "namespace": "d"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}},
     "spec.accessModes: Required value: at least 1 access mode is required"),
    ("a PVC requests storage", "PersistentVolumeClaim",
     {"metadata": {"name": "c", "namespace": "d"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
     "spec.resources[storage]: Required value"),
    ("volumeBindingMode is an enum", "StorageClass",
     {"metadata": {"name": "fast"}, "provisioner": "x.io/y", "volumeBindingMode": "Later"},
     'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'),
    ("a user priority is at most 1e9", "PriorityClass", {"metadata": {"name": "high"}, "value": 2000000000},
     "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
    ("system- names are reserved", "PriorityClass", {"metadata": {"name": "system-mine"}, "value": 5},
     "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
     "error: system-mine is not a known system priority class"),
    ("HPA maxReplicas >= minReplicas", "HorizontalPodAutoscaler",
     {"metadata": {"name": "h", "namespace": "d"},
      "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 5, "maxReplicas": 2}},
     "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"),
    ("HPA policy periods are at most 1800", "HorizontalPodAutoscaler",
     {"metadata": {"name": "h", "namespace": "d"},
      "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 2,
               "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 3600}]}}}},
     "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800"),
    ("an EndpointSlice address type is an enum", "EndpointSlice",
     {"metadata": {"name": "e", "namespace": "d"}, "addressType": "IPv5"},
     'addressType: Unsupported value: "IPv5": supported values: "IPv4", "IPv6", "FQDN"'),
    ("a Job restarts OnFailure or Never", "Job",
     {"metadata": {"name": "j", "namespace": "d", "uid": "u1"},
      "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}},
     'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ("a Job backoffLimit is non-negative", "Job",
     {"metadata": {"name": "j", "namespace": "d", "uid": "u1"},
      "spec": {"backoffLimit": -1, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}},
     "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"),
]  # fmt: skip


@pytest.mark.parametrize("kind,obj,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_upstream_messages(kind, obj, expected):
    assert expected in errors(kind, obj)


def test_the_issue_example_deployment_with_negative_replicas():
    errs = validate("Deployment", _defaulted("Deployment", deploy(replicas=-1)))
    msg = str(ApiError.invalid("Deployment.apps", "web", errs))
    assert (
        msg == 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )


def _defaulted(kind, obj):
    obj = copy.deepcopy(obj)
    set_defaults(kind, obj)
    return obj


@pytest.mark.parametrize(
    "kind,obj",
    [("Pod", pod()), ("Deployment", deploy()), ("Service", svc()),
     ("Job", {"metadata": {"name": "j", "namespace": "d", "uid": "u1"},
              "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}}),
     ("Namespace", {"metadata": {"name": "dev"}}), ("Node", {"metadata": {"name": "node-1"}}),
     ("ConfigMap", {"metadata": {"name": "c", "namespace": "d"}, "data": {"a.txt": "x"}})],
    ids=["a pod", "a deployment", "a service", "a job", "a namespace", "a node", "a configmap"],
)  # fmt: skip
def test_valid_objects_have_no_errors(kind, obj):
    assert errors(kind, obj) == []


def test_several_errors_follow_upstream_order():
    obj = deploy(
        replicas=-1, template={"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}
    )
    msg = str(ApiError.invalid("Deployment.apps", "web", validate("Deployment", _defaulted("Deployment", obj))))
    assert msg == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, '
        "spec.template.spec.containers[0].image: Required value]"
    )


def test_generate_name_trailing_dash_is_masked():
    obj = pod()
    obj["metadata"] = {"generateName": "web-", "name": "web-abcde", "namespace": "default"}
    assert errors("Pod", obj) == []


# -- updates ---------------------------------------------------------------------------------


def test_deployment_selector_is_immutable():
    old = deploy()
    new = deploy(selector={"matchLabels": {"app": "web2"}})
    new["spec"]["template"]["metadata"]["labels"] = {"app": "web2"}
    assert errors("Deployment", new, old) == [
        'spec.selector: Invalid value: {"matchLabels":{"app":"web2"}}: field is immutable'
    ]


def test_pod_image_may_change():
    new = pod()
    new["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert errors("Pod", new, pod()) == []


def test_pod_other_fields_are_forbidden_with_a_spec_diff():
    new = pod(nodeName="node-1")
    errs = errors("Pod", new, pod())
    assert len(errs) == 1
    assert errs[0].startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
        "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
        "  core.PodSpec{\n"
    )
    assert '+ \tNodeName: "node-1",' in errs[0]


def test_pod_tolerations_may_only_be_added():
    old = pod(tolerations=[{"key": "a", "operator": "Exists"}])
    new = pod(tolerations=[{"key": "b", "operator": "Exists"}])
    assert (
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
        in errors("Pod", new, old)
    )
    grown = pod(tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}])
    assert errors("Pod", grown, old) == []


def test_service_cluster_ip_may_not_change():
    old = svc(clusterIP="10.96.0.10")
    new = svc(clusterIP="10.96.0.11")
    assert 'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set' in errors("Service", new, old)


def test_secret_type_is_immutable_and_immutable_data_is_frozen():
    old = {"metadata": {"name": "s", "namespace": "d"}, "data": {"a": "eA=="}, "immutable": True}
    new = {
        "metadata": {"name": "s", "namespace": "d"},
        "type": "kubernetes.io/tls",
        "data": {"a": "eQ=="},
        "immutable": True,
    }
    errs = errors("Secret", new, old)
    assert 'type: Invalid value: "kubernetes.io/tls": field is immutable' in errs
    assert "data: Forbidden: field is immutable when `immutable` is set" in errs


def test_pvc_may_only_grow():
    base = {"metadata": {"name": "c", "namespace": "d"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}  # fmt: skip
    smaller = copy.deepcopy(base)
    smaller["spec"]["resources"]["requests"]["storage"] = "1Gi"
    assert any(
        e.startswith("spec: Forbidden: spec is immutable after creation")
        for e in errors("PersistentVolumeClaim", smaller, base)
    )


def test_job_template_is_immutable():
    old = {"metadata": {"name": "j", "namespace": "d", "uid": "u1"},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}}  # fmt: skip
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "y"
    assert any(
        e.startswith("spec.template: Invalid value:") and e.endswith("field is immutable")
        for e in errors("Job", new, old)
    )


# -- decoding --------------------------------------------------------------------------------

DECODE = [
    ("a string where an int is required", "Deployment",
     {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": "3"}},
     'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct '
     "field DeploymentSpec.spec.replicas of type int32"),
    ("a malformed quantity", "Pod",
     {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "resources": {"limits": {"memory": "1 Gi"}}}]}},
     "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression "
     "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
    ("a number as an env value", "Pod",
     {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "env": [{"name": "PORT", "value": 8080}]}]}},
     'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field '
     "EnvVar.spec.containers.env.value of type string"),
    ("a bool in configmap data", "ConfigMap",
     {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"debug": True}},
     'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field '
     "ConfigMap.data of type string"),
    ("secret data that is not base64", "Secret",
     {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "hunter2"}},
     'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4'),
    ("a fractional port", "Service",
     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80.5}]}},
     'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 80.5 into Go struct '
     "field ServicePort.spec.ports.port of type int32"),
    ("an unknown apiVersion", "Deployment",
     {"apiVersion": "apps/v2", "kind": "Deployment", "metadata": {"name": "web"}},
     'no matches for kind "Deployment" in version "apps/v2"'),
]  # fmt: skip


@pytest.mark.parametrize("kind,obj,expected", [c[1:] for c in DECODE], ids=[c[0] for c in DECODE])
def test_decode_errors(kind, obj, expected):
    assert check_decodable(kind, obj) == expected


def test_decodable_objects_pass():
    assert check_decodable("Pod", {**pod(), "apiVersion": "v1", "kind": "Pod"}) is None


# -- junk never raises ---------------------------------------------------------------------

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KINDS = ["Pod", "Deployment", "ReplicaSet", "DaemonSet", "Job", "Service", "ConfigMap", "Secret", "Namespace", "Node",
         "PersistentVolume", "PersistentVolumeClaim", "StorageClass", "PriorityClass", "Lease",
         "HorizontalPodAutoscaler", "EndpointSlice", "Endpoints", "Event"]  # fmt: skip
FIELDS = ["metadata", "spec", "data", "type", "status", "value", "provisioner", "addressType"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(FIELDS), junk, max_size=4), junk)
def test_junk_never_raises(kind, obj, old):
    check_decodable(kind, obj)
    set_defaults(kind, obj)
    for e in validate(kind, obj) + validate(kind, obj, obj) + validate(kind, obj, old if isinstance(old, dict) else {}):
        assert e.type != "Internal error", e
        str(e)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["Pod", "Deployment", "Service"]), junk)
def test_junk_inside_a_valid_object_never_raises(kind, value):
    obj = {"Pod": pod(), "Deployment": deploy(), "Service": svc()}[kind]
    obj["spec"]["extra"] = value
    obj["spec"][{"Pod": "containers", "Deployment": "template", "Service": "ports"}[kind]] = value
    set_defaults(kind, obj)
    for e in validate(kind, obj):
        assert e.type != "Internal error", e
