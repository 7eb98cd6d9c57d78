"""kubectl error texts (golden-outputs.md section 7) and "never a traceback" for bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kubectl_testkit import new_cluster

from k8slearn.kubectl import COMMANDS, KubectlOutput, run, suggestions_for


@pytest.fixture(scope="module")
def cluster():
    return new_cluster()


ERRORS = [
    # 7.4: cobra's unknown command, through cmdutil.CheckErr ("error: " prefix), suggestions after a TAB
    ("mistyped command gets a suggestion", "appy -f web.yaml",
     'error: unknown command "appy" for "kubectl"\n\nDid you mean this?\n\tapply\n'),
    ("suggestions keep cobra's command order (1.34 capture: et -> set, get, edit, cp)", "et pdos -o wide",
     'error: unknown command "et" for "kubectl"\n\nDid you mean this?\n\tset\n\tget\n\tedit\n\tcp\n'),
    ("an unrelated word has no suggestion", "start", 'error: unknown command "start" for "kubectl"\n'),
    # 7.3: cli-runtime builder mappingFor
    ("unknown resource type", "get foo", 'error: the server doesn\'t have a resource type "foo"\n'),
    ("a singular that does not exist", "get endpoint", 'error: the server doesn\'t have a resource type "endpoint"\n'),
    ("unknown type in type/name form", "describe serviced/web",
     'error: the server doesn\'t have a resource type "serviced"\n'),
    # 7.1: apimachinery NewNotFound through StandardErrorMessage
    ("missing pod", "get pod x", 'Error from server (NotFound): pods "x" not found\n'),
    ("missing deployment names the group", "get deploy web",
     'Error from server (NotFound): deployments.apps "web" not found\n'),
    ("missing namespace object", "get ns foo", 'Error from server (NotFound): namespaces "foo" not found\n'),
    # 7.5: missing arguments
    ("get without a type", "get",
     'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported '
     'resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed '
     "description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n"),
    ("delete a type without a name", "delete pod", "error: resource(s) were provided, but no name was specified\n"),
    ("label a type without a name", "label pod app=web",
     "error: resource(s) were provided, but no name was specified\n"),
    ("create deployment without a name", "create deployment --image=nginx",
     "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n"),
    ("create deployment without an image", "create deployment web",
     'error: required flag(s) "image" not set\n'),
    ("logs without a pod", "logs",
     "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required "
     "argument for the logs command\nSee 'kubectl logs -h' for help and examples\n"),
    ("taint without resources", "taint", "error: one or more resources must be specified as <resource> <name>\n"),
    ("taint without changes", "taint nodes", "error: at least one taint update is required\n"),
    ("annotate without changes", "annotate pod", "error: at least one annotation update is required\n"),
    ("events with a bad type filter", "events --types=Foo", "error: valid --types are Normal or Warning\n"),
    ("api-resources sorted by a bad field", "api-resources --sort-by=foo",
     "error: --sort-by accepts only name or kind\n"),
    # flag errors: pflag text + component-base "See '<cmd> --help' for usage."
    ("unknown long flag", "get pods --foo", "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"),
    ("unknown shorthand", "get pods -z", "error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage.\n"),
    ("flag without its value", "get pods --sort-by",
     "error: flag needs an argument: --sort-by\nSee 'kubectl get --help' for usage.\n"),
    ("bad boolean", "get pods --show-labels=maybe",
     'error: invalid argument "maybe" for "--show-labels" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n'
     "See 'kubectl get --help' for usage.\n"),
    ("bad output format", "get pods -o foo",
     'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
     "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,"
     "name,template,templatefile,wide,yaml\n"),
    ("names with a selector", "get pods web -l app=web", "error: name cannot be provided when a selector is specified\n"),
    ("several types with a name", "get pods,svc web", "error: you must specify only one resource\n"),
    ("type and type/name mixed", "get pods pod/web",
     "error: there is no need to specify a resource type as a separate argument when passing arguments in "
     "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource "
     "resource/<resource_name>'\n"),
    ("a label selector that does not parse", "get pods -l 'app in'",
     None),
]  # fmt: skip


@pytest.mark.parametrize(("command", "stderr"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_texts_and_exit_code(cluster, command, stderr):
    out = run(cluster, command)
    assert out.exit_code == 1
    assert out.stdout == ""
    if stderr is not None:
        assert out.stderr == stderr
    else:
        assert out.stderr.startswith("error: ")


def test_invalid_objects_use_the_kind_and_the_field_errors():
    """golden 7.2: ``The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be ...``."""
    c = new_cluster()
    manifest = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: -1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""
    out = run(c, "apply -f -", stdin=manifest)
    assert out.stderr == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n'
    )
    assert out.exit_code == 1


def test_create_of_an_existing_object_names_the_file(tmp_path, monkeypatch):
    """golden 7.1: ``Error from server (AlreadyExists): error when creating "web.yaml": ...``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "web.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n")
    c = new_cluster()
    assert run(c, "create -f web.yaml") == "configmap/web created\n"
    out = run(c, "create -f web.yaml")
    assert (
        out.stderr
        == 'Error from server (AlreadyExists): error when creating "web.yaml": configmaps "web" already exists\n'
    )


def test_suggestions_follow_cobra():
    assert suggestions_for("appy") == ["apply"]
    assert suggestions_for("desc") == ["describe"]
    assert suggestions_for("lgs") == ["logs"]
    assert suggestions_for("de") == ["set", "get", "delete", "describe", "cp", "debug"]


def test_help_and_version_need_no_server(cluster):
    assert run(cluster, "").startswith("kubectl controls the Kubernetes cluster manager.")
    assert run(cluster, "kubectl version --client") == "Client Version: v1.36.0\nKustomize Version: v5.8.1\n"
    assert run(cluster, "get --help").startswith("Display one or many resources.")


def test_a_registered_command_whose_module_is_missing_is_unknown(cluster, monkeypatch):
    """The registry is one line per command; a module that has not landed yet is a clean unknown command."""
    monkeypatch.setitem(COMMANDS, "frobnicate", "k8slearn.kubectl.not_written_yet:run_frobnicate")
    assert run(cluster, "frobnicate").stderr == 'error: unknown command "frobnicate" for "kubectl"\n'
    monkeypatch.setitem(COMMANDS, "hello", lambda cluster, args: f"hello {' '.join(args)}\n")
    assert run(cluster, "hello world") == "hello world\n"


def test_real_commands_outside_the_simulation_say_so(cluster):
    assert (
        run(cluster, "port-forward web 8080:80").stderr
        == 'error: "kubectl port-forward" is not simulated by k8slearn\n'
    )


def test_unbalanced_quotes_are_an_error_not_an_exception(cluster):
    out = run(cluster, "get pods -l 'app=web")
    assert out.exit_code == 1 and out.stderr.startswith("error: ")


def test_output_is_a_str_that_shows_itself_in_a_notebook(cluster):
    out = run(cluster, "get ns default")
    assert isinstance(out, str) and isinstance(out, KubectlOutput)
    assert repr(out) == str(out)


WORDS = st.sampled_from([
    "get", "describe", "delete", "apply", "create", "label", "annotate", "taint", "logs", "top", "events", "run",
    "expose", "pods", "pod/web", "nodes", "deploy", "svc", "all", "-o", "yaml", "json", "wide", "name",
    "jsonpath={.items[*]}", "-l", "app=web", "-n", "kube-system", "-A", "--all", "-f", "-", "web", "web=1",
    "key-", "x:NoSchedule", "--sort-by=.metadata.name", "--tail", "3", "--", "'", '"', "{", "[", "--image=nginx",
    "deployment", "secret", "generic", "--from-literal=a=b", "--port=80", "nodes/node-1", "--grace-period=0",
    "--force", "--cascade=orphan", "-L", "tier", "--show-labels", "--field-selector", "a=b", "ns", "node-1",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=0, max_size=7))
def test_no_input_makes_a_python_traceback(words):
    c = _FUZZ_CLUSTER
    out = run(c, " ".join(words), stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fuzz}\n")
    assert isinstance(out, KubectlOutput)
    assert "internal error" not in out.stderr, (words, out.stderr)
    assert "Traceback" not in out


_FUZZ_CLUSTER = new_cluster()
