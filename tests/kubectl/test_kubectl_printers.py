"""Formatting primitives: the tabwriter, HumanDuration, RFC1123Z times.

Fixtures are verbatim from /work/shared/golden-outputs.md (kubectl unit tests and real
captures), with exact whitespace.
"""

from __future__ import annotations

import pytest

from k8slearn.kubectl.printers import (
    TabWriter,
    format_rfc1123z,
    format_table,
    human_duration,
    translate_timestamp_since,
)


def _tab_lines(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


# golden 5.1: kubernetes/kubectl pkg/cmd/get/get_test.go TestNoBlankLinesForGetMultipleTableResource
GET_MULTI = """\
NAME      READY   STATUS   RESTARTS   AGE
pod/foo   0/0              0          <unknown>
pod/bar   0/0              0          <unknown>
"""
GET_MULTI_SVC = """\
NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/baz   ClusterIP   <none>       <none>        <none>    <unknown>
"""
# golden 5.1: TestGetTableObjectsShowLabels
SHOW_LABELS = """\
NAME   READY   STATUS   RESTARTS   AGE         LABELS
foo    0/0              0          <unknown>   <none>
"""
# golden 9.1: TestWatchResourceWatchEvents with -o wide (the header is printed once)
WATCH_WIDE = """\
EVENT      NAMESPACE   NAME      READY   STATUS   RESTARTS   AGE         IP       NODE     NOMINATED NODE   READINESS GATES
ADDED      test        pod/bar   0/0              0          <unknown>   <none>   <none>   <none>           <none>
ADDED      test        pod/foo   0/0              0          <unknown>   <none>   <none>   <none>           <none>
MODIFIED   test        pod/foo   0/0              0          <unknown>   <none>   <none>   <none>           <none>
DELETED    test        pod/foo   0/0              0          <unknown>   <none>   <none>   <none>           <none>
"""
# golden 9.1: TestWatchResource (non-table): a 3-letter header still gets minwidth 6
WATCH_SIMPLE = """\
NAME   AGE
foo    <unknown>
foo    <unknown>
foo    <unknown>
"""

TABLES = [
    pytest.param(
        [
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            ["pod/foo", "0/0", "", "0", "<unknown>"],
            ["pod/bar", "0/0", "", "0", "<unknown>"],
        ],
        GET_MULTI,
        id="pods-with-kind-prefix-and-empty-status",
    ),
    pytest.param(
        [
            ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
            ["service/baz", "ClusterIP", "<none>", "<none>", "<none>", "<unknown>"],
        ],
        GET_MULTI_SVC,
        id="service-table",
    ),
    pytest.param(
        [["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"], ["foo", "0/0", "", "0", "<unknown>", "<none>"]],
        SHOW_LABELS,
        id="show-labels",
    ),
    pytest.param(
        [
            [
                "EVENT",
                "NAMESPACE",
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED NODE",
                "READINESS GATES",
            ],
            ["ADDED", "test", "pod/bar", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
            ["ADDED", "test", "pod/foo", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
            ["MODIFIED", "test", "pod/foo", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
            ["DELETED", "test", "pod/foo", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
        ],
        WATCH_WIDE,
        id="wide-with-events-and-namespace",
    ),  # fmt: skip
    pytest.param(
        [["NAME", "AGE"], ["foo", "<unknown>"], ["foo", "<unknown>"], ["foo", "<unknown>"]],
        WATCH_SIMPLE,
        id="minwidth-six-for-short-columns",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("rows", "expected"), TABLES)
def test_format_table_matches_the_kubectl_unit_test_fixtures(rows, expected):
    """cli-runtime tabwriter: padding 3, minwidth 6, last column unpadded (golden 5.0, 5.1, 9.1)."""
    assert format_table(rows) == expected


@pytest.mark.parametrize(("rows", "expected"), TABLES)
def test_general_tabwriter_agrees_with_the_table_fast_path(rows, expected):
    w = TabWriter(minwidth=6, padding=3)
    w.write("".join("\t".join(r) + "\n" for r in rows))
    assert w.flush() == expected


def test_top_lines_end_in_spaces_because_every_cell_is_tab_terminated():
    """golden 5.8: metrics_printer.go printValue writes "%v\\t" for every cell, the last one too."""
    expected = (
        "NAME                         CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n"
        "devops-heros-control-plane   316m         3%       1512Mi          19%         \n"
        "devops-heros-worker          93m          0%       1549Mi          19%         \n"
        "devops-heros-worker2         1205m        12%      740Mi           9%          \n"
    )
    rows = [
        ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
        ["devops-heros-control-plane", "316m", "3%", "1512Mi", "19%"],
        ["devops-heros-worker", "93m", "0%", "1549Mi", "19%"],
        ["devops-heros-worker2", "1205m", "12%", "740Mi", "9%"],
    ]
    assert format_table(rows, pad_last=True) == expected


def test_describe_tabwriter_aligns_each_block_of_tabbed_lines_separately():
    """golden 4.1: a line without a tab ends a block, so ``Controlled By:`` aligns with the IP lines only.

    describe.go tabbedString: ``tabwriter.Init(buf, 0, 8, 2, ' ', 0)``.
    """
    w = TabWriter(minwidth=0, padding=2)
    w.write("Name:\tnginx\nAnnotations:\t<none>\nStatus:\tRunning\nIP:\t10.88.0.3\nIPs:\n")
    w.write("  IP:\t10.88.0.3\n  IP:\t2001:db8::1\nControlled By:\tReplicaSet/nginx\nContainers:\n")
    assert w.flush() == (
        "Name:         nginx\n"
        "Annotations:  <none>\n"
        "Status:       Running\n"
        "IP:           10.88.0.3\n"
        "IPs:\n"
        "  IP:           10.88.0.3\n"
        "  IP:           2001:db8::1\n"
        "Controlled By:  ReplicaSet/nginx\n"
        "Containers:\n"
    )


def test_tabwriter_keeps_text_without_a_final_newline():
    w = TabWriter(minwidth=0, padding=2)
    w.write("a:\t1\nbb:\t2")
    assert w.flush() == "a:   1\nbb:  2"


def test_tabwriter_nested_columns_start_new_blocks_per_column():
    """A second column only spans the lines that have it (``Port:\\t<unset>\\t80/TCP``, describe.go)."""
    w = TabWriter(minwidth=0, padding=2)
    w.write("Port:\t<unset>\t80/TCP\nTargetPort:\t80/TCP\n")
    assert w.flush() == "Port:        <unset>  80/TCP\nTargetPort:  80/TCP\n"


# golden 9.4: apimachinery pkg/util/duration/duration.go HumanDuration, every threshold
DURATIONS = [
    (-120, "<invalid>"),
    (-2, "<invalid>"),
    (-1, "0s"),
    (-0.5, "0s"),
    (0, "0s"),
    (1.9, "1s"),
    (45, "45s"),
    (119, "119s"),
    (120, "2m"),
    (150, "2m30s"),
    (339, "5m39s"),
    (599, "9m59s"),
    (600, "10m"),
    (1800, "30m"),
    (10799, "179m"),
    (10800, "3h"),
    (14400, "4h"),
    (15000, "4h10m"),
    (28740, "7h59m"),
    (28800, "8h"),
    (47 * 3600, "47h"),
    (48 * 3600, "2d"),
    (200000, "2d7h"),
    (6 * 86400 + 23 * 3600, "6d23h"),
    (8 * 86400, "8d"),
    (1000000, "11d"),
    (729 * 86400, "729d"),
    (730 * 86400, "2y"),
    (735 * 86400, "2y5d"),
    (8 * 365 * 86400 - 86400, "7y364d"),
    (8 * 365 * 86400, "8y"),
    (20 * 365 * 86400, "20y"),
]


@pytest.mark.parametrize(("seconds", "expected"), DURATIONS, ids=[f"{s}s->{e}" for s, e in DURATIONS])
def test_human_duration_thresholds(seconds, expected):
    assert human_duration(seconds) == expected


def test_unset_timestamps_print_unknown():
    """printers.go translateTimestampSince: a zero time is ``<unknown>``."""
    assert translate_timestamp_since(None, 10) == "<unknown>"
    assert translate_timestamp_since("", 10) == "<unknown>"
    assert translate_timestamp_since("2026-01-01T00:00:05Z", 50) == "45s"
    assert translate_timestamp_since("2026-01-01T00:01:00Z", 0) == "<invalid>"


def test_rfc1123z_is_gos_layout():
    """describe.go prints times with ``time.RFC1123Z`` (``Mon, 02 Jan 2006 15:04:05 -0700``)."""
    assert format_rfc1123z("2026-01-01T00:00:05Z") == "Thu, 01 Jan 2026 00:00:05 +0000"
    assert format_rfc1123z("2026-02-17T16:51:01Z") == "Tue, 17 Feb 2026 16:51:01 +0000"
