"""Catalogue admin edits that change what a learner may see drop the cached results (the
qualification's results day decides the release time; a unit's assessment decides its embargo)."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.core.cache import caches

from resultsday.accounts.models import User
from resultsday.catalogue.choices import KeyDateKind, KeyDateScope, ResultsDayType
from resultsday.catalogue.models import KeyDate
from resultsday.learners.tests.helpers import entry_for
from resultsday.release.cache import learner_results_page_cached
from resultsday.release.selectors import learner_results, learner_results_shown
from resultsday.release.tests.helpers import issue
from resultsday.testing import World, record_unit_result

LOOK_1 = dt.datetime(2026, 8, 13, 6, 30, tzinfo=dt.UTC)   # before the Level 3 release (07:00Z)
ADMIN = dt.datetime(2026, 8, 13, 6, 40, tzinfo=dt.UTC)
LOOK_2 = dt.datetime(2026, 8, 13, 7, 30, tzinfo=dt.UTC)   # after Level 3's, long before Level 1/2's


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = a.get("value") or "on"
            else:
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self.data[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


@pytest.fixture
def results_cache_on(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "results": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "audit-c"}}
    caches["results"].clear()


@pytest.mark.usefixtures("results_cache_on")
def test_moving_a_qualification_to_a_later_results_day_in_the_admin_hides_its_cached_result(
    world: World, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The series: all qualifications 13 Aug 08:00 London; Level 1/2 results day 20 Aug.
    KeyDate.objects.create(series=world.registration.series, kind=KeyDateKind.RESULTS_TO_LEARNERS,
                           applies_to=KeyDateScope.LEVEL1_2,
                           at=dt.datetime(2026, 8, 20, 7, 0, tzinfo=dt.UTC))
    entry_for(world)
    record_unit_result(world.registration, "T2", "D")
    issue(world.registration, "DD", 96)
    with time_machine.travel(LOOK_1, tick=False):
        body = learner_results_page_cached(learner_id=world.learner.pk, now=LOOK_1)
    assert "DD" not in body

    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    url = f"/admin/catalogue/qualification/{world.qualification.pk}/change/"
    with time_machine.travel(ADMIN, tick=False):
        form = _Form()
        form.feed(client.get(url).content.decode())
        data = dict(form.data)
        data["results_day_type"] = ResultsDayType.LEVEL1_2
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    world.qualification.refresh_from_db()
    assert world.qualification.results_day_type == ResultsDayType.LEVEL1_2

    # The database says: hidden until 20 August.
    fresh = learner_results(learner_id=world.learner.pk)
    assert not learner_results_shown(fresh, now=LOOK_2)[0].visibility.visible
    # What the learner gets at 07:30Z on 13 August, through /my/ and the API:
    client.force_login(world.learner_user)
    with time_machine.travel(LOOK_2, tick=False):
        page = client.get("/my/").content.decode()
        api = client.get("/api/v1/my/results").json()
    assert "DD" not in page  # not a week before the learner's release time
    assert api["qualifications"][0]["result"] is None or not api["qualifications"][0]["result"].get("grade")


@pytest.mark.usefixtures("results_cache_on")
def test_making_a_unit_external_in_the_admin_holds_its_cached_grade_until_release(
    world: World, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from resultsday.catalogue.choices import Assessment
    t1 = world.qualification.structure.get(unit__code="T1").unit  # internal, graded M
    client.force_login(world.learner_user)
    with time_machine.travel(LOOK_1, tick=False):
        assert "Merit" in client.get("/my/").content.decode()
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    url = f"/admin/catalogue/unit/{t1.pk}/change/"
    form = _Form()
    form.feed(client.get(url).content.decode())
    data = dict(form.data)
    data["assessment"] = Assessment.EXTERNAL
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    fresh = learner_results(learner_id=world.learner.pk)
    assert learner_results_shown(fresh, now=LOOK_1)[0].units == ()  # DB: held until release
    client.force_login(world.learner_user)
    with time_machine.travel(LOOK_1, tick=False):
        api = client.get("/api/v1/my/results").json()
    assert not any(u.get("grade") == "M" for u in api["qualifications"][0]["units"])
