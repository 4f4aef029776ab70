"""Every API operation is spared text no database column can store."""

from __future__ import annotations

import json

from resultsday.accounts.services import api_token_create
from resultsday.learners.models import Learner
from resultsday.testing import World


def test_a_nul_character_anywhere_in_a_body_is_refused_with_where_it_is(client, world: World):
    _, secret = api_token_create(actor=None, user=world.exams_officer_a, name="MIS")
    body = {"learner": {"candidate_number": "0042", "last_name": "Smi\x00th", "first_name": "A",
                        "date_of_birth": "2008-01-01"}, "qualification_qn": "601/7157/7",
            "series_code": "2026-06"}
    response = client.post("/api/v1/centres/10001/registrations", json.dumps(body),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 422
    assert response.json() == {"error": "learner.last_name: contains a NUL character (U+0000), "
                                        "which cannot be stored: remove it and send the request "
                                        "again."}
    assert not Learner.objects.filter(candidate_number="0042").exists()
    response = client.get("/api/v1/centres/10001/entries?series_code=a%00b",
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 422 and "series_code: contains a NUL" in response.json()["error"]
