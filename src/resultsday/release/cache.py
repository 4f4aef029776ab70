"""The results-day cache: a learner's stored results, shared by every web process.

What is cached is `release.selectors.learner_results` — stored rows and release times, never a
visibility decision (the policy depends on the clock and is applied on every read). The cache
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

import hashlib
import logging
import pickle
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction

from resultsday.release.selectors import (
    LearnerResults,
    ShownResult,
    learner_results,
    learner_results_many,
)

logger = logging.getLogger(__name__)

CACHE_ALIAS = "results"
# Bumped when LearnerResults changes shape, so old pickles are never read by new code.
_PREFIX = "rd:results:v1"
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


def learner_results_cached(*, learner_id: int) -> LearnerResults:
    """`learner_results`, from the shared cache when it holds a current copy (one round trip)."""
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
            return cached[2]  # type: ignore[no-any-return]
        stamps = (
            _current_stamp(cache, _ALL, found, None),
            _current_stamp(cache, stamp_key, found, STAMP_TIMEOUT),
        )
    except Exception:
        # The cache is a help, not a dependency: without it, read the database.
        logger.warning("Results cache unavailable; reading the database", exc_info=True)
        return learner_results(learner_id=learner_id)
    results = learner_results(learner_id=learner_id)
    try:
        cache.set(value_key, (*stamps, results), timeout=VALUE_TIMEOUT)
    except Exception:
        logger.warning("Results cache unavailable; not storing", exc_info=True)
    return results


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
    """Load these learners' results into the shared cache before they look (results morning).

    For each chunk the stamps are replaced first and the rows read after, so a change that
    commits meanwhile still wins (as on the read path). Returns how many were stored; with no
    shared cache configured, nothing is done.
    """
    cache = _cache()
    if isinstance(cache, DummyCache):
        return 0
    stored = 0
    for start in range(0, len(learner_ids), chunk):
        ids = list(learner_ids[start:start + chunk])
        everyone = _current_stamp(cache, _ALL, cache.get_many([_ALL]), None)
        stamps = {pk: _new_stamp() for pk in ids}
        cache.set_many({_stamp_key(pk): stamp for pk, stamp in stamps.items()},
                       timeout=STAMP_TIMEOUT)
        values = {
            _value_key(pk): (everyone, stamps[pk], results)
            for pk, results in learner_results_many(learner_ids=ids).items()
        }
        cache.set_many(values, timeout=VALUE_TIMEOUT)
        stored += len(values)
    return stored


def all_results_changed() -> None:
    """Something every learner's results depend on changed (release key dates): drop them all."""
    transaction.on_commit(lambda: _replace_stamps([_ALL], None))


def shown_results_key(results: LearnerResults, shown: Sequence[ShownResult]) -> str:
    """A key for anything rendered from these results as shown now (a page fragment).

    Made from the content itself and the policy's decisions, so that a fragment cached under it
    can only ever be served for the same data shown the same way, by any process.
    """
    digest = hashlib.blake2b(pickle.dumps(results, protocol=5), digest_size=12)
    digest.update("".join("1" if s.visibility.visible else "0" for s in shown).encode())
    return f"{results.learner_id}:{digest.hexdigest()}"
