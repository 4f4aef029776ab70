"""A NUL character in an address is refused before any view (PostgreSQL cannot compare it)."""

from __future__ import annotations

from resultsday.testing import World


def test_a_nul_in_a_page_address_is_not_found(client, world: World) -> None:
    client.force_login(world.exams_officer_a)
    assert client.get("/centres/100%0001/learners/").status_code == 404


def test_a_nul_in_a_page_query_is_a_bad_request(client, world: World) -> None:
    client.force_login(world.exams_officer_a)
    response = client.get("/centres/10001/learners/?q=a%00b")
    assert response.status_code == 400 and b"NUL" in response.content


def test_a_nul_in_an_api_path_is_not_found_in_the_apis_shape(client, world: World) -> None:
    client.force_login(world.exams_officer_a)
    response = client.get("/api/v1/centres/100%0001/learners")
    assert response.status_code == 404 and response.json() == {"error": "Not found."}
