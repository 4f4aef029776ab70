from __future__ import annotations

import re

from resultsday.catalogue.models import Qualification
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.testing import get_page


def test_a_qualifications_units_are_listed_mandatory_first_then_by_number(client, world) -> None:
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=world.ao, actor=None)
    qualification = Qualification.objects.get(title__contains="Extended Diploma in Business")
    client.force_login(world.ao_officer)
    page = get_page(client, f"/catalogue/{qualification.pk}/").content.decode()
    assert '<a href="/catalogue/" class="govuk-back-link">' in page
    rows = re.findall(r'<td class="govuk-table__cell">Unit (\w+) .*?</td>.*?(Mandatory|Optional)',
                      page, flags=re.S)
    mandatory = [int(n) for n, kind in rows if kind == "Mandatory"]
    optional = [int(n) for n, kind in rows if kind == "Optional"]
    assert len(optional) > 9 and rows[0][1] == "Mandatory"
    assert mandatory == sorted(mandatory) and optional == sorted(optional)
