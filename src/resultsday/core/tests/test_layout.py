"""A page made of one body inside the layout, the layout rendered once per process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.shortcuts import render
from django.test import RequestFactory
from django.utils import timezone

from resultsday.core import layout
from resultsday.release.cache import learner_results_page_cached
from resultsday.testing import World

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def same_token(page: str) -> str:
    """A CSRF token is random on every page: compare pages without it."""
    return TOKEN.sub('name="csrfmiddlewaretoken" value="-"', page)


@pytest.fixture(autouse=True)
def no_shells() -> None:
    layout._shells.clear()


def my_page(client: Any) -> Any:
    response = client.get("/my/")
    assert response.status_code == 200
    return response


def test_the_results_page_is_the_page_the_template_renders(client: Any, world: World) -> None:
    client.force_login(world.learner_user)
    first, second = my_page(client), my_page(client)
    body = learner_results_page_cached(learner_id=world.learner.pk, now=timezone.now())
    full = render(second.wsgi_request, "learners/my_home.html", {"body": body})
    assert "base.html" in [t.name for t in first.templates]  # the shell, made once
    assert "base.html" not in [t.name for t in second.templates]  # ... then filled in
    assert same_token(second.content.decode()) == same_token(full.content.decode())
    assert 'name="csrfmiddlewaretoken" value="' in second.content.decode()


def test_the_users_name_is_escaped_as_the_template_escapes_it(client: Any, world: World) -> None:
    type(world.learner_user).objects.filter(pk=world.learner_user.pk).update(
        username="ada<b>&lovelace"
    )
    client.force_login(world.learner_user)
    my_page(client)
    page = my_page(client).content.decode()
    assert "Signed in as ada&lt;b&gt;&amp;lovelace." in page
    assert "ada<b>" not in page


def test_each_page_has_its_own_csrf_token_that_signs_out(client: Any, world: World) -> None:
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(world.learner_user)
    my_page(client)
    tokens = {TOKEN.search(my_page(client).content.decode()).group(0) for _ in range(3)}  # type: ignore[union-attr]
    assert len(tokens) == 3  # masked afresh each time (BREACH)
    token = tokens.pop().split('value="')[1].rstrip('"')
    response = client.post("/sign-out/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/my/").status_code == 302  # signed out


def test_a_page_with_a_message_is_rendered_in_full_and_shows_it(
    client: Any, world: World
) -> None:
    client.force_login(world.learner_user)
    my_page(client)
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "You have signed in.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    response = my_page(client)
    assert "You have signed in." in response.content.decode()
    assert "base.html" in [t.name for t in response.templates]
    assert "You have signed in." not in my_page(client).content.decode()  # used up
