"""Error pages in the service's own layout, through Django's handlers (templates/4xx, 500)."""

from __future__ import annotations

from django.test import Client, RequestFactory
from django.views.defaults import server_error

from resultsday.testing import check_page


def test_a_page_the_role_does_not_allow_explains_and_links_home(client, world) -> None:
    client.force_login(world.teacher_a)
    response = client.get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    check_page(page, "/audit/")
    assert "<title>You do not have permission to see this page – resultsday</title>" in page
    assert "govuk-service-navigation" in page and 'href="/"' in page
    assert "403 Forbidden" not in page
    assert "centre:audit:read" not in page  # no internal permission names


def test_a_missing_page_explains_and_links_home(client, world) -> None:
    client.force_login(world.exams_officer_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    check_page(page, "/no-such-page/")
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in page and 'href="/"' in page


def test_another_centres_learner_is_a_styled_404(client, world) -> None:
    client.force_login(world.exams_officer_b)
    response = client.get(f"/learners/{world.learner.pk}/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_the_server_error_page_needs_no_context_request_or_static_files() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    check_page(page, "500")
    assert "Sorry, there is a problem with the service" in page and 'href="/"' in page
    assert "/static/" not in page


def test_a_form_sent_without_its_csrf_token_gets_a_page_that_says_what_to_do(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.exams_officer_a)
    response = client.post(f"/learners/{world.learner.pk}/amend/", {})
    assert response.status_code == 403
    page = response.content.decode()
    check_page(page, "csrf")
    assert "Your form could not be sent" in page and "Nothing has been saved" in page
