from __future__ import annotations

import pytest

from resultsday.accounts.models import User
from resultsday.core.demo import demo_seed
from resultsday.learners.models import Learner, Registration
from resultsday.testing import get_page


@pytest.fixture
def demo(db):
    return demo_seed(seed=7, centres=3, learners=120)


class _Undo(Exception):
    pass


def test_the_demo_is_reproducible_from_its_seed(db) -> None:
    from django.db import transaction

    runs = []
    for _ in range(2):
        try:
            with transaction.atomic():
                summary = demo_seed(seed=3, centres=2, learners=40)
                learners = list(Learner.objects.order_by("candidate_number", "centre__number")
                                .values_list("uln", "last_name"))
                runs.append((summary.scenarios, learners))
                raise _Undo  # roll the seed back so the second run starts from empty
        except _Undo:
            pass
    assert runs[0] == runs[1]


def test_everything_the_demo_makes_is_labelled_demo(demo) -> None:
    assert not Learner.objects.filter(is_demo=False).exists()
    assert not User.objects.filter(is_demo=False).exists()
    assert all("(demo)" in c for c in Learner.objects.values_list("centre__name", flat=True))


def test_the_demo_plants_the_problems_that_make_results_late(demo) -> None:
    for problem in ["internal_units_missing", "external_entry_missing",
                    "invalid_unit_combination", "top_up_needed", "late_registration"]:
        assert demo.scenarios[problem] > 0, problem
    assert Registration.objects.filter(is_late=True).exists()
    from resultsday.awarding.models import Claim
    from resultsday.centres.models import StandardsVerification

    assert Claim.objects.filter(is_late=True).exists()
    assert StandardsVerification.objects.exclude(status="released").exists()
    split = Learner.objects.filter(registrations__status="active").values("pk")
    assert split.count() > Learner.objects.count() * 0.5


def test_demo_learners_have_valid_identifiers(demo) -> None:
    from resultsday.identifiers import check_uci, check_uln

    for uln, uci in Learner.objects.values_list("uln", "uci")[:200]:
        assert check_uln(uln).ok, uln
        assert check_uci(uci).ok, uci


def test_each_printed_demo_login_reaches_its_home_page(client, demo) -> None:
    for persona, username, _ in demo.logins:
        assert client.login(username=username, password="resultsday-demo"), persona
        response = client.get("/", follow=True)
        assert response.status_code == 200, persona
        final_url = response.redirect_chain[-1][0] if response.redirect_chain else "/"
        get_page(client, final_url)
        client.logout()


def test_a_demo_learner_signs_in_with_the_demo_access_code(demo, client) -> None:
    from resultsday.core.demo import DEMO_ACCESS_CODE

    learner = Learner.objects.filter(access_code__isnull=False).get()
    response = client.post("/my/sign-in/", {
        "uln": learner.uln, "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"),
        "access_code": DEMO_ACCESS_CODE,
    })
    assert response.status_code == 302 and response["Location"] == "/my/"
    get_page(client, "/my/")
    learner.refresh_from_db()
    assert learner.user is not None and learner.user.is_demo


def test_demo_logins_prints_both_learner_logins(demo, settings, capsys) -> None:
    from django.core.management import call_command

    from resultsday.core.demo import DEMO_ACCESS_CODE

    settings.DEMO = True
    call_command("demo_logins")
    printed = capsys.readouterr().out
    assert "Learner" in printed and DEMO_ACCESS_CODE in printed
