"""The versioned lists of oss_inbox.cached: each process keeps its own copy of what it read, so a list
read again costs one cache read (its version), and a change is still seen at once."""

from django.core.cache import cache

from oss_inbox.cached import cached_from, cached_list, forget_now


def _counting_reads(monkeypatch):
    """The keys read one by one (cache.get); get_many's own reads are not counted (locmem reads each)."""
    reads, inside_many = [], []
    get, get_many = cache.get, cache.get_many

    def one(key, *args, **kwargs):
        if not inside_many:
            reads.append(key)
        return get(key, *args, **kwargs)

    def many(keys, *args, **kwargs):
        inside_many.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_many.pop()

    monkeypatch.setattr(cache, "get", one)
    monkeypatch.setattr(cache, "get_many", many)
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


def test_a_request_reads_every_version_in_one_round_trip_and_sees_its_own_changes(client, agent, monkeypatch):
    from django.urls import reverse

    from oss_inbox.cached import VersionsMiddleware

    client.force_login(agent)
    client.get(reverse("inbox:queue"))  # the lists are made and kept
    reads = _counting_reads(monkeypatch)
    assert client.get(reverse("inbox:queue")).status_code == 200
    assert not [key for key in reads if key.endswith(":version")]  # all came in the request's get_many

    seen = []

    def page(request):  # a request that reads a list, changes it, and reads it again
        seen.append(cached_list("test:names", lambda: ["Dana"]))
        forget_now("test:names")
        seen.append(cached_list("test:names", lambda: ["Dana", "Lee"]))

    cached_list("test:names", lambda: ["Dana"])
    VersionsMiddleware(page)(None)
    assert seen == [["Dana"], ["Dana", "Lee"]]
