from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_health_answers_anyone_and_reads_nothing(client: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/")
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Content-Type"].startswith("text/plain")
    assert len(queries) == 0
