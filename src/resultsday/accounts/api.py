from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from resultsday.accounts.access import principal_for

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    role: str
    centre: str | None
    awarding_organisation: str | None


class MeOut(Schema):
    username: str
    roles: list[MembershipOut]
    is_learner: bool


@router.get("/me", response=MeOut, summary="Who the caller is and the roles they hold")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    memberships = user.memberships.select_related("centre", "awarding_organisation")  # type: ignore[union-attr]
    return MeOut(
        username=user.get_username(),
        roles=[
            MembershipOut(
                role=m.role,
                centre=m.centre.number if m.centre else None,
                awarding_organisation=(
                    m.awarding_organisation.code if m.awarding_organisation else None
                ),
            )
            for m in memberships
        ],
        is_learner=principal_for(user).is_learner,
    )
