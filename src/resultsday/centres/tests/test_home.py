"""A centre's home page: its own staff see every AO's figures, AO staff only their own AO's."""

from __future__ import annotations

from resultsday.testing import World, get_page, make_learner, make_qualification, make_registration


def test_ao_staff_see_only_their_own_aos_figures_at_a_shared_centre(client, world: World) -> None:
    world.centre_a.awarding_organisations.add(world.other_ao)
    other = make_qualification(world.other_ao, qn="601/7155/8")
    other.title = "Secret Other AO qualification"
    other.save()
    make_registration(make_learner(world.centre_a, first_name="Grace"), other)
    client.force_login(world.exams_officer_a)
    page = get_page(client, "/centres/10001/").content.decode()
    assert "Secret Other AO qualification" in page and world.qualification.title in page
    client.force_login(world.ao_officer)
    page = get_page(client, "/centres/10001/").content.decode()
    assert "Secret Other AO qualification" not in page and world.qualification.title in page
    client.force_login(world.other_ao_officer)
    page = get_page(client, "/centres/10001/").content.decode()
    assert "Secret Other AO qualification" in page and world.qualification.title not in page
