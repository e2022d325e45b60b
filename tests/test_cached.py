"""The versioned lists of oss_inbox.cached: each process keeps its own copy of what it read, so a list
read again costs one cache read (its version), and a change is still seen at once."""

from django.core.cache import cache

from oss_inbox.cached import cached_from, cached_list, forget_now


def _counting_reads(monkeypatch):
    reads = []
    get = cache.get
    monkeypatch.setattr(
        cache, "get", lambda key, *args, **kwargs: reads.append(key) or get(key, *args, **kwargs)
    )
    return reads


def test_a_list_read_again_costs_one_cache_read_and_a_change_is_seen_at_once(monkeypatch, db):
    builds = []
    assert cached_list("test:names", lambda: builds.append(1) or ["Dana"]) == ["Dana"]
    reads = _counting_reads(monkeypatch)
    for _ in range(3):
        assert cached_list("test:names", lambda: builds.append(1) or ["Dana"]) == ["Dana"]
    assert len(builds) == 1 and reads == ["test:names:version"] * 3

    forget_now("test:names")  # a colleague joins: every process moves on to the new version
    assert cached_list("test:names", lambda: ["Dana", "Lee"]) == ["Dana", "Lee"]


def test_another_process_reads_what_this_one_stored_and_keeps_its_own_copy(monkeypatch):
    """A copy made by another process (here: dropped from this one) comes from the cache, not the database."""
    from oss_inbox import cached

    assert cached_from("test:menu", "html", lambda: "<option>Dana</option>") == "<option>Dana</option>"
    cached.forget_local_copies()
    assert cached_from("test:menu", "html", lambda: "built again") == "<option>Dana</option>"
    reads = _counting_reads(monkeypatch)
    assert cached_from("test:menu", "html", lambda: "built again") == "<option>Dana</option>"
    assert reads == ["test:menu:version"]
