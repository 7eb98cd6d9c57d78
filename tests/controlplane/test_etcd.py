"""etcd's data model: revisions, prefix ranges, ordered watches, compaction."""

from __future__ import annotations

import pytest

from k8slearn.controlplane.etcd import CompactedError, Etcd


def test_every_write_bumps_the_one_global_revision():
    db = Etcd()
    a = db.put("/registry/pods/default/a", 1)
    b = db.put("/registry/pods/default/b", 2)
    a2 = db.put("/registry/pods/default/a", 3)
    assert (a.mod_revision, b.mod_revision, a2.mod_revision) == (1, 2, 3)
    assert (a2.create_revision, a2.version) == (1, 2)
    assert db.revision == 3


def test_delete_bumps_the_revision_and_a_missing_key_does_not():
    db = Etcd()
    db.put("/k", 1)
    assert db.delete("/k").value == 1
    assert db.revision == 2
    assert db.delete("/k") is None
    assert db.revision == 2


def test_range_reads_by_prefix_sorted_by_key():
    db = Etcd()
    for key in (
        "/registry/pods/ns2/z",
        "/registry/pods/ns1/b",
        "/registry/pods/ns1/a",
        "/registry/services/specs/ns1/a",
    ):
        db.put(key, key)
    assert [kv.key for kv in db.range("/registry/pods/")] == [
        "/registry/pods/ns1/a",
        "/registry/pods/ns1/b",
        "/registry/pods/ns2/z",
    ]
    assert db.count("/registry/pods/ns1/") == 2
    assert [kv.key for kv in db.range("/registry/pods/ns1/b")] == ["/registry/pods/ns1/b"]


def test_compare_and_swap_fails_on_a_stale_revision():
    db = Etcd()
    kv = db.put("/k", 1)
    db.put("/k", 2, expect_mod_revision=kv.mod_revision)
    with pytest.raises(ValueError, match="compare failed"):
        db.put("/k", 3, expect_mod_revision=kv.mod_revision)


def test_watch_delivers_puts_and_deletes_in_revision_order():
    db = Etcd()
    seen = []
    db.watch("/registry/pods/", lambda e: seen.append((e.type, e.kv.key, e.revision)))
    db.put("/registry/pods/default/a", 1)
    db.put("/registry/services/specs/default/a", 1)
    db.delete("/registry/pods/default/a")
    assert seen == [("PUT", "/registry/pods/default/a", 1), ("DELETE", "/registry/pods/default/a", 3)]


def test_watch_from_an_old_revision_replays_history_first():
    db = Etcd()
    db.put("/a", 1)
    db.put("/a", 2)
    db.put("/a", 3)
    seen = []
    db.watch("/", lambda e: seen.append(e.kv.value), start_revision=2)
    db.put("/a", 4)
    assert seen == [2, 3, 4]


def test_compaction_makes_old_revisions_unwatchable():
    db = Etcd()
    for i in range(5):
        db.put("/a", i)
    db.compact(3)
    assert db.compact_revision == 3
    with pytest.raises(CompactedError):
        db.watch("/", lambda e: None, start_revision=3)
    seen = []
    db.watch("/", lambda e: seen.append(e.revision), start_revision=4)
    assert seen == [4, 5]


def test_history_is_bounded_and_compacts_itself():
    db = Etcd(history_limit=10)
    for i in range(25):
        db.put("/a", i)
    assert db.compact_revision == 15
    assert [e.revision for e in db.history("/", 15)] == list(range(16, 26))
