from resultsday.testing import get_page


def test_the_calculator_is_reachable_from_centre_and_learner_home_pages(client, world) -> None:
    for persona, home in [(world.exams_officer_a, f"/centres/{world.centre_a.number}/"),
                          (world.learner_user, "/my/")]:
        client.force_login(persona)
        assert 'href="/calculator/"' in get_page(client, home).content.decode()
