import datetime as dt
from zoneinfo import ZoneInfo

from resultsday.core.templatetags.govuk import govuk_datetime, govuk_time

UTC = dt.UTC


def test_times_are_shown_in_uk_time_the_govuk_way() -> None:
    # 22:00 UTC in July is 11pm in London (BST).
    assert govuk_datetime(dt.datetime(2027, 7, 5, 22, 0, tzinfo=UTC)) == "5 July 2027 at 11pm"
    assert govuk_time(dt.datetime(2027, 1, 5, 12, 0, tzinfo=UTC)) == "midday"
    assert govuk_time(dt.datetime(2027, 1, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))) == "9:30am"
