"""The results-day cache: a learner's stored results, shared by every web process.

What is cached is `release.selectors.learner_results` — stored rows and release times, never a
visibility decision (the policy depends on the clock and is applied on every read); with it,
what the learner is shown made from it — the body of their results page and the JSON of
`GET /api/v1/my/results` — each kept under the decisions it shows and served only when the
policy, applied now, makes the same decisions. The cache
is the `results` alias of Django's cache framework: Redis when `REDIS_URL` is set, otherwise a
dummy cache, because a per-process memory cache could not be told about a change made in
another process (a task worker's awarding run, another web process).

Invalidation is by stamps rather than deletes, so that a read racing a write can never put an
old value back for good. Each learner has a stamp, and one stamp covers everyone (release key
dates, catalogue names). A cached value carries the stamps that were current *before* it was
read from the database; a writer replaces the stamp *after* its transaction commits. A value
read before the commit therefore carries an old stamp and is never served again.

Writers call `learner_results_changed` (one learner's data: a result version, a unit result,
an entry, a discretionary release) or `all_results_changed` (release key dates), from the
service that makes the change.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe

from resultsday.release.selectors import (
    LearnerResults,
    ReleaseFacts,
    ShownResult,
    learner_release_facts,
    learner_results,
    learner_results_decisions,
    learner_results_many,
    learner_results_shown,
)

logger = logging.getLogger(__name__)

CACHE_ALIAS = "results"
# Bumped when the cached value changes shape or content (v4: units in natural order, "Unit 2"
# before "Unit 11"; v5: withdrawn and topped-up registrations left out), so old pickles and
# page bodies are never read by new code.
_PREFIX = "rd:results:v5"
_ALL = f"{_PREFIX}:all"
# A bound on the damage if an invalidation is lost (Redis unreachable at that moment), long
# enough for a cache warmed before the learner release to last the morning.
VALUE_TIMEOUT = 3 * 60 * 60
STAMP_TIMEOUT = 24 * 60 * 60


def _stamp_key(learner_id: int) -> str:
    return f"{_PREFIX}:stamp:{learner_id}"


def _value_key(learner_id: int) -> str:
    return f"{_PREFIX}:learner:{learner_id}"


def _new_stamp() -> str:
    return secrets.token_hex(8)


def _cache() -> BaseCache:
    return caches[CACHE_ALIAS]


def _current_stamp(cache: BaseCache, key: str, found: dict[str, Any], timeout: int | None) -> str:
    stamp = found.get(key)
    if stamp is None:
        # Another process may set it at the same moment: add() keeps the first, read it back.
        cache.add(key, _new_stamp(), timeout=timeout)
        stamp = cache.get(key)
    return str(stamp)


# What a learner is shown, made from their results and the policy's decisions only: the body
# of their results page (`/my/`) and the JSON of `GET /api/v1/my/results`.
PAGE, API = "page", "api"


def _renderers() -> dict[str, Callable[[LearnerResults, list[ShownResult]], str]]:
    from resultsday.release.api import my_results_json
    from resultsday.release.statements import learner_results_page_body

    return {
        PAGE: lambda results, shown: learner_results_page_body(results=results, shown=shown),
        API: lambda results, shown: my_results_json(results=results, shown=shown),
    }


@dataclass(frozen=True)
class _Cached:
    """A learner's results as cached, with what they are shown made from them.

    `stamps` are those the value is (or was just) stored under; None when the cache is down.
    `facts` are what the policy decides each result on (`learner_release_facts`), so that the
    policy is applied on every read without unpickling the results; `results` are unpickled
    only when something has to be rendered. The bodies are keyed by kind and the policy's
    decisions ("page:10"): a body is made from the results and those decisions only, so it is
    stored with the results, under the same stamps, and goes with them.
    """

    stamps: tuple[str, str] | None
    stored_at: float
    facts: tuple[ReleaseFacts, ...]
    results: LearnerResults | bytes  # bytes: pickled, as read from the cache
    # Compressed (zlib): a page body is five times the size of the results it shows.
    bodies: dict[str, bytes]

    @staticmethod
    def of(stamps: tuple[str, str] | None, results: LearnerResults) -> _Cached:
        return _Cached(stamps, time.time(), learner_release_facts(results), results, {})

    def learner_results(self) -> LearnerResults:
        if isinstance(self.results, bytes):
            return pickle.loads(self.results)  # type: ignore[no-any-return]  # noqa: S301
        return self.results

    def stored(self) -> tuple[Any, ...]:
        assert self.stamps is not None
        results = self.results if isinstance(self.results, bytes) else pickle.dumps(
            self.results, pickle.HIGHEST_PROTOCOL
        )
        return (*self.stamps, self.stored_at, self.facts, results, self.bodies)


def _cached(learner_id: int) -> _Cached:
    """The learner's results, from the shared cache when it holds a current copy (one round
    trip), else from the database (then stored)."""
    cache = _cache()
    value_key, stamp_key = _value_key(learner_id), _stamp_key(learner_id)
    try:
        found = cache.get_many([_ALL, stamp_key, value_key])
        cached = found.get(value_key)
        if (
            cached is not None
            and found.get(_ALL) == cached[0]
            and found.get(stamp_key) == cached[1]
        ):
            return _Cached((cached[0], cached[1]), *cached[2:])
        stamps = (
            _current_stamp(cache, _ALL, found, None),
            _current_stamp(cache, stamp_key, found, STAMP_TIMEOUT),
        )
    except Exception:
        # The cache is a help, not a dependency: without it, read the database.
        logger.warning("Results cache unavailable; reading the database", exc_info=True)
        return _Cached.of(None, learner_results(learner_id=learner_id))
    value = _Cached.of(stamps, learner_results(learner_id=learner_id))
    _store(learner_id, value)
    return value


def _store(learner_id: int, value: _Cached) -> None:
    # A value stays at most VALUE_TIMEOUT from when its rows were read, even when a body is
    # added to it later (the bound on the damage of a lost invalidation).
    timeout = min(VALUE_TIMEOUT, VALUE_TIMEOUT - (time.time() - value.stored_at))
    if value.stamps is None or timeout < 1:
        return
    try:
        _cache().set(_value_key(learner_id), value.stored(), timeout=int(timeout))
    except Exception:
        logger.warning("Results cache unavailable; not storing", exc_info=True)


def learner_results_cached(*, learner_id: int) -> LearnerResults:
    """`learner_results`, from the shared cache when it holds a current copy (one round trip)."""
    return _cached(learner_id).learner_results()


def _body_cached(learner_id: int, now: dt.datetime, kind: str) -> str:
    """What the learner is shown at `now` (a page body or the API's JSON), with the release
    policy applied now; from the shared cache when it holds it, else rendered (then stored).

    Served only with the results it was made from (same value, same stamps), for the same
    decisions; warmed by `learner_results_warm`.
    """
    cached = _cached(learner_id)
    key = f"{kind}:{learner_results_decisions(cached.facts, now=now)}"
    body = cached.bodies.get(key)
    if body is not None:
        return zlib.decompress(body).decode()
    results = cached.learner_results()
    rendered = str(_renderers()[kind](results, learner_results_shown(results, now=now)))
    # Another process may add another body at the same moment and one of the two is lost: it
    # is rendered again at its next look. A value whose stamps have been replaced meanwhile is
    # stored back under its old stamps, so it is never served.
    bodies = {**cached.bodies, key: zlib.compress(rendered.encode(), 1)}
    _store(learner_id, replace(cached, bodies=bodies))
    return rendered


def learner_results_page_cached(*, learner_id: int, now: dt.datetime) -> str:
    """The body of the learner's results page at `now`
    (`release.statements.learner_results_page_body`), the release policy applied now."""
    # Our own template's output, kept as plain text.
    return mark_safe(_body_cached(learner_id, now, PAGE))  # noqa: S308


def learner_results_json_cached(*, learner_id: int, now: dt.datetime) -> str:
    """The JSON of `GET /api/v1/my/results` for the learner at `now`
    (`release.api.my_results_json`), the release policy applied now."""
    return _body_cached(learner_id, now, API)


def _replace_stamps(keys: list[str], timeouts: int | None) -> None:
    try:
        _cache().set_many({key: _new_stamp() for key in keys}, timeout=timeouts)
    except Exception:
        # Cached copies expire within VALUE_TIMEOUT; say loudly that until then some may be old.
        logger.error(
            "Results cache invalidation failed for %d key(s); cached results may be up to "
            "%d s old", len(keys), VALUE_TIMEOUT, exc_info=True,
        )


def learner_results_changed(*, learner_ids: Iterable[int]) -> None:
    """These learners' results, unit results, entries or releases changed: drop cached copies.

    Takes effect when the current transaction commits (at once outside one).
    """
    keys = [_stamp_key(pk) for pk in sorted(set(learner_ids))]
    if keys:
        transaction.on_commit(lambda: _replace_stamps(keys, STAMP_TIMEOUT))


def registrations_results_changed(*, registration_ids: Iterable[int]) -> None:
    """As `learner_results_changed`, for the learners of these registrations."""
    from resultsday.learners.models import Registration

    ids = list(set(registration_ids))
    if ids:
        learner_results_changed(
            learner_ids=Registration.objects.filter(pk__in=ids)
            .values_list("learner_id", flat=True)
            .distinct()
        )


def learner_results_warm(*, learner_ids: Sequence[int], chunk: int = 1000) -> int:
    """Load these learners' results into the shared cache before they look (results morning),
    with what they are shown (page body and API JSON) as it will show now and from each later
    learner release time, so that a first look renders nothing either.

    For each chunk the stamps are replaced first and the rows read after, so a change that
    commits meanwhile still wins (as on the read path). Returns how many were stored; with no
    shared cache configured, nothing is done.
    """
    cache = _cache()
    if isinstance(cache, DummyCache):
        return 0
    now = timezone.now()
    renderers = _renderers()
    stored = 0
    for start in range(0, len(learner_ids), chunk):
        ids = list(learner_ids[start:start + chunk])
        everyone = _current_stamp(cache, _ALL, cache.get_many([_ALL]), None)
        stamps = {pk: _new_stamp() for pk in ids}
        cache.set_many({_stamp_key(pk): stamp for pk, stamp in stamps.items()},
                       timeout=STAMP_TIMEOUT)
        values = {}
        for pk, results in learner_results_many(learner_ids=ids).items():
            value = _Cached.of((everyone, stamps[pk]), results)
            bodies = _bodies(results, value.facts, now=now, renderers=renderers)
            values[_value_key(pk)] = replace(value, bodies=bodies).stored()
        cache.set_many(values, timeout=VALUE_TIMEOUT)
        stored += len(values)
    return stored


def _bodies(
    results: LearnerResults, facts: Sequence[ReleaseFacts], *, now: dt.datetime,
    renderers: dict[str, Callable[[LearnerResults, list[ShownResult]], str]],
) -> dict[str, bytes]:
    """What this learner will be shown from `now` until their last learner release time has
    passed, by kind and the policy's decisions (keyed as `_body_cached` looks them up)."""
    times = [now, *sorted({
        r.times.to_learners for r in results.registrations
        if r.times.to_learners is not None and r.times.to_learners > now
    })]
    bodies: dict[str, bytes] = {}
    for at in times:
        shown = learner_results_shown(results, now=at)
        decisions = learner_results_decisions(facts, now=at)
        for kind, render in renderers.items():
            key = f"{kind}:{decisions}"
            if key not in bodies:
                bodies[key] = zlib.compress(str(render(results, shown)).encode(), 1)
    return bodies


def all_results_changed() -> None:
    """Something every learner's results depend on changed (release key dates): drop them all."""
    transaction.on_commit(lambda: _replace_stamps([_ALL], None))
