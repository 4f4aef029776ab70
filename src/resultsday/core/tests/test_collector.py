import gc

import pytest

from resultsday.core.collector import PASS_THRESHOLD, long_pass


def test_a_long_pass_collects_less_often_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with long_pass():
        assert gc.get_threshold() == (PASS_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_the_pass_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), long_pass():
        raise RuntimeError("a pass that fails")
    assert gc.get_threshold() == before
