from __future__ import annotations

import pytest

from resultsday.learners.tests.helpers import entry_for
from resultsday.release.tests.helpers import issue
from resultsday.testing import World, record_unit_result


@pytest.fixture
def embargoed(world: World) -> World:
    """Centre A's learner waits on an external result in the series, now issued: the embargo
    applies."""
    entry_for(world)
    record_unit_result(world.registration, "T2", "D")
    issue(world.registration)
    return world


@pytest.fixture
def not_embargoed(world: World) -> World:
    """Centre A's learner has no external entry in the series: no embargo."""
    issue(world.registration)
    return world
