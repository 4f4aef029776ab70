"""Learners' own sign-in: invitations from the centre, and the centre's access codes.

Two ways in, both made by the learner's centre:

- an **invitation**: the exams officer sends a one-time link to the learner's email; the link
  expires, and only a hash of its token is stored. The learner chooses a password and signs in
  with their email address from then on;
- an **access code**: the exams officer makes a code and gives it to the learner, who signs in
  with their ULN, date of birth and the code. Only a salted hash of the code is stored (by
  its own hasher, learners/hashers.py). The exams officer can make codes for a whole class at
  once (`learner_access_codes_issue`), printed as slips.

The exams officer can also cancel an invitation that has not been used, or withdraw a code;
either stops working at once.

Failed code sign-ins are counted per ULN in the database (so every web process shares the
count) and lock further tries with that ULN for a while. The message for a failed try
never says which detail was wrong, and is the same whether or not the ULN is known.
Every change, failed try and lockout writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import ApiToken, AuditEvent, User
from resultsday.accounts.services import (
    api_token_revoke,
    audit_event,
    audit_record,
    audit_record_many,
)
from resultsday.centres.models import Centre
from resultsday.core.templatetags.govuk import govuk_date
from resultsday.learners.choices import InvitationRevoked
from resultsday.learners.hashers import ACCESS_CODE_HASHER
from resultsday.learners.models import (
    Learner,
    LearnerAccessCode,
    LearnerInvitation,
    SignInThrottle,
)

INVITATION_LIFETIME = dt.timedelta(days=7)

# Letters and digits that cannot be mistaken for one another when read aloud or handwritten.
ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_LENGTH = 12  # 31^12 is about 2^59: out of reach at the rates below
# Codes made in one action, all in one request: a year group, with room to spare. Hashing is
# under a millisecond a code (learners/hashers.py), so the cap is about the printed slips.
ACCESS_CODES_AT_ONCE = 500

# Failed code sign-ins lock the ULN tried. Not the address: behind a school's network or a
# load balancer many learners share one, and one person's typing would lock them all out.
# With about 2^59 codes, a few guesses per ULN per quarter hour find nothing.
THROTTLE_WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
MAX_FAILURES = 5

WRONG_DETAILS = (
    "The ULN, date of birth and access code do not match our records. Check them and try "
    "again, or ask your school or college for a new access code."
)
LOCKED = (
    "You have entered the wrong details too many times. Wait 15 minutes and try again, or ask "
    "your school or college for help."
)


class LearnerSignInError(Exception):
    """A sign-in, invitation or code was refused; `message` is safe to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ---- invitations ---------------------------------------------------------------------------


def learner_invitation_open_for(*, token: str, now: dt.datetime) -> LearnerInvitation | None:
    """The invitation a link's token opens, if it is still unused, not replaced and not expired."""
    invitation = (
        LearnerInvitation.objects.select_related("learner__centre", "learner__user")
        .filter(token_hash=_sha256(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open(now) else None


def _invitation_email(*, learner: Learner, link: str, expires_at: dt.datetime) -> tuple[str, str]:
    subject = f"See your results from {learner.centre.name}"
    body = (
        f"Dear {learner.first_name},\n\n"
        f"{learner.centre.name} has invited you to see your qualification results online.\n\n"
        f"Open this link to create your password:\n{link}\n\n"
        f"The link works once, and only until {govuk_date(expires_at)}. If it has "
        "stopped working, ask your school or college to send a new one.\n\n"
        "If you were not expecting this email, you can ignore it.\n"
    )
    if settings.DEMO:
        subject = f"[Demo] {subject}"
        body += "\nThis is a demo: every learner and result in it is made up.\n"
    return subject, body


@transaction.atomic
def learner_invite(
    *,
    actor: User,
    learner: Learner,
    email: str,
    link_for: Callable[[str], str],
    now: dt.datetime | None = None,
) -> LearnerInvitation:
    """Invite a learner by email to make an account; any earlier open invitation stops working.

    `link_for(token)` makes the absolute link for the email. The email is sent once the
    transaction commits.
    """
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    replaced = LearnerInvitation.objects.filter(
        learner=learner, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_because=InvitationRevoked.REPLACED)
    invitation = LearnerInvitation.objects.create(
        learner=learner, email=email.strip(), token_hash=_sha256(token), invited_by=actor,
        created_at=now, expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_INVITED,
        summary=f"Invited {learner.full_name} to sign in, by email to {invitation.email}",
        obj=invitation,
        centre=learner.centre,
        after={"learner": learner.pk, "email": invitation.email,
               "expires_at": invitation.expires_at.isoformat(), "replaced": replaced},
    )
    subject, body = _invitation_email(
        learner=learner, link=link_for(token), expires_at=invitation.expires_at
    )
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [invitation.email], fail_silently=False)
    )
    return invitation


@transaction.atomic
def learner_invitation_accept(
    *, token: str, password: str, ip_address: str | None = None, now: dt.datetime | None = None
) -> User:
    """Use an invitation: set the learner's password, on a new account or their existing one.

    A new account's username is the invited email address. Raises `LearnerSignInError` when
    the link no longer works or the email address already belongs to someone else, and
    Django's `ValidationError` when the password is too weak.
    """
    now = now or timezone.now()
    invitation = (
        LearnerInvitation.objects.select_for_update()
        .filter(token_hash=_sha256(token))
        .first()
    )
    if invitation is None or not invitation.is_open(now):
        raise LearnerSignInError(
            "This link does not work any more. Ask your school or college to send a new one."
        )
    learner = Learner.objects.select_related("centre", "user").get(pk=invitation.learner_id)
    user = learner.user
    created = user is None
    if user is None:
        username = invitation.email.lower()
        if User.objects.filter(username__iexact=username).exists():
            raise LearnerSignInError(
                "This email address is already used by another account. Ask your school or "
                "college to invite you with a different email address."
            )
        user = User(username=username, email=invitation.email, first_name=learner.first_name,
                    last_name=learner.last_name, is_demo=learner.is_demo)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    if created:
        Learner.objects.filter(pk=learner.pk).update(user=user)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    audit_record(
        actor=user,
        action=AuditAction.LEARNER_INVITATION_ACCEPTED,
        summary=f"{learner.full_name} accepted the invitation and "
        f"{'made an account' if created else 'set a new password'}",
        obj=invitation,
        centre=learner.centre,
        after={"learner": learner.pk, "username": user.get_username(), "new_account": created},
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def learner_invitation_cancel(
    *, actor: User, learner: Learner, invitation_id: int, now: dt.datetime | None = None
) -> LearnerInvitation:
    """Cancel the learner's invitation, so its link stops working at once.

    Only an invitation that is still open is cancelled (by a conditional update, so one used a
    moment ago stays used). Raises `LearnerSignInError` when there is none to cancel.
    """
    now = now or timezone.now()
    cancelled = LearnerInvitation.objects.filter(
        pk=invitation_id, learner=learner, used_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(revoked_at=now, revoked_because=InvitationRevoked.CANCELLED)
    if not cancelled:
        raise LearnerSignInError(
            "This invitation has already been used, cancelled or replaced, or has expired: "
            "there is nothing to cancel."
        )
    invitation = LearnerInvitation.objects.get(pk=invitation_id)
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_INVITATION_CANCELLED,
        summary=f"Cancelled the invitation for {learner.full_name} sent to {invitation.email}",
        obj=invitation,
        centre=learner.centre,
        before={"learner": learner.pk, "email": invitation.email,
                "expires_at": invitation.expires_at.isoformat()},
        after={"revoked_at": now.isoformat(), "revoked_because": InvitationRevoked.CANCELLED},
    )
    return invitation


# ---- access codes --------------------------------------------------------------------------


def access_code_normalise(raw: str) -> str:
    """The code as typed, without spaces or dashes, in capitals."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def access_code_display(code: str) -> str:
    """Groups of four, as printed for the learner: ABCD-EFGH-JKMN."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def access_code_hash(code: str) -> str:
    """The stored form of a code: salted, by the access codes' own hasher."""
    return make_password(code, hasher=ACCESS_CODE_HASHER)


@dataclass(frozen=True)
class IssuedAccessCode:
    """A code just made, for the exams officer to hand over: it exists only in this object."""

    learner: Learner
    code: str

    @property
    def display(self) -> str:
        return access_code_display(self.code)


def _sign_out_code_only_users(learner_ids: Collection[int]) -> int:
    """Sign out everywhere these learners' accounts that sign in only with an access code (no
    password of their own), and revoke their API keys; how many. A new unusable password
    changes the hash every session is checked against. (Read afresh: an account may have been
    made at a sign-in since the learner was loaded.)"""
    users = [
        user for user in User.objects.filter(learner__pk__in=learner_ids)
        if not user.has_usable_password()
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_update(users, ["password"], batch_size=1000)
    # And any API key made while signed in with the code (a results app): it must not outlive
    # the code either.
    for token in ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).select_related(
        "user"
    ):
        api_token_revoke(actor=None, token=token)
    return len(users)


def _access_codes_store(
    *, actor: User, learners: Sequence[Learner], now: dt.datetime
) -> tuple[dict[int, str], set[int]]:
    """New codes for these learners, each replacing the learner's earlier one.

    Returns the codes by learner id, and the ids of the learners whose earlier code stopped
    working. Call it inside a transaction.
    """
    ids = [learner.pk for learner in learners]
    # Lock the learners, so two people making codes for the same learner at once each replace
    # the code in turn rather than both insert one.
    list(Learner.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    earlier = LearnerAccessCode.objects.filter(learner_id__in=ids)
    replaced = set(earlier.values_list("learner_id", flat=True))
    earlier.delete()
    # Whoever signed in with a replaced code (a lost slip) is signed out, as on a withdrawal.
    _sign_out_code_only_users(replaced)
    codes: dict[int, str] = {}
    rows = []
    for learner in learners:
        code = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))
        codes[learner.pk] = code
        rows.append(LearnerAccessCode(
            learner=learner, code_hash=access_code_hash(code), issued_by=actor, issued_at=now,
        ))
    LearnerAccessCode.objects.bulk_create(rows)
    return codes, replaced


def _access_code_issued_event(
    *, actor: User, learner: Learner, centre: Centre, replaced: bool, batch: bool
) -> AuditEvent:
    return audit_event(
        actor=actor,
        action=AuditAction.LEARNER_ACCESS_CODE_ISSUED,
        summary=f"{'Replaced' if replaced else 'Made'} the access code of {learner.full_name}"
        + (" (with others)" if batch else ""),
        obj=learner,
        centre=centre,
        after={"learner": learner.pk, "replaced": replaced},
    )


@transaction.atomic
def learner_access_code_issue(
    *, actor: User, learner: Learner, now: dt.datetime | None = None
) -> str:
    """Make a new access code for a learner (replacing any earlier one) and return it.

    The code is returned once, to be shown to the exams officer; only its hash is kept.
    """
    now = now or timezone.now()
    codes, replaced = _access_codes_store(actor=actor, learners=[learner], now=now)
    _access_code_issued_event(
        actor=actor, learner=learner, centre=learner.centre, replaced=learner.pk in replaced,
        batch=False,
    ).save(force_insert=True)
    return codes[learner.pk]


@transaction.atomic
def learner_access_codes_issue(
    *, actor: User, centre: Centre, learners: Sequence[Learner], now: dt.datetime | None = None
) -> list[IssuedAccessCode]:
    """Make new access codes for many learners of one centre at once, all or none.

    Each code replaces the learner's earlier one. Every learner must be at `centre` and have a
    ULN (without one a code cannot be used). Writes an audit event per learner, as a single
    code does, and one for the whole action. Raises `LearnerSignInError` for no learners or
    more than `ACCESS_CODES_AT_ONCE`, and `ValueError` for a learner the caller should never
    have passed.
    """
    now = now or timezone.now()
    unique = list({learner.pk: learner for learner in learners}.values())
    if not unique:
        raise LearnerSignInError("Select at least one learner to make access codes for")
    if len(unique) > ACCESS_CODES_AT_ONCE:
        raise LearnerSignInError(
            f"You selected {len(unique)} learners. Make access codes for at most "
            f"{ACCESS_CODES_AT_ONCE} at a time: choose a series or qualification to select "
            "fewer."
        )
    if any(learner.centre_id != centre.pk for learner in unique):
        raise ValueError("Access codes are made for the learners of one centre at a time.")
    if any(not learner.uln for learner in unique):
        raise ValueError("A learner with no ULN cannot sign in with an access code.")
    codes, replaced = _access_codes_store(actor=actor, learners=unique, now=now)
    audit_record_many(events=[
        *(
            _access_code_issued_event(
                actor=actor, learner=learner, centre=centre, replaced=learner.pk in replaced,
                batch=True,
            )
            for learner in unique
        ),
        audit_event(
            actor=actor,
            action=AuditAction.LEARNER_ACCESS_CODES_ISSUED,
            summary=f"Made access codes for {len(unique)} learner{'s' if len(unique) != 1 else ''}"
            f" at centre {centre.number}, {len(replaced)} of them replacing an earlier code",
            obj=centre,
            centre=centre,
            after={"learners": [learner.pk for learner in unique], "replaced": len(replaced)},
        ),
    ])
    return [IssuedAccessCode(learner=learner, code=codes[learner.pk]) for learner in unique]


@transaction.atomic
def learner_access_code_withdraw(
    *, actor: User, learner: Learner, now: dt.datetime | None = None
) -> None:
    """Withdraw the learner's access code: it stops working at once, and nothing replaces it.

    A learner who signed in with the code and has no password is signed out everywhere too:
    whoever used a lost slip should not stay signed in. Raises `LearnerSignInError` when the
    learner has no code.
    """
    now = now or timezone.now()
    existing = LearnerAccessCode.objects.select_for_update().filter(learner=learner).first()
    if existing is None:
        raise LearnerSignInError(f"{learner.full_name} has no access code to withdraw.")
    existing.delete()
    signed_out = bool(_sign_out_code_only_users({learner.pk}))
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_ACCESS_CODE_WITHDRAWN,
        summary=f"Withdrew the access code of {learner.full_name}",
        obj=learner,
        centre=learner.centre,
        before={"learner": learner.pk, "issued_at": existing.issued_at.isoformat(),
                "last_used_at": existing.last_used_at.isoformat()
                if existing.last_used_at else None},
        after={"withdrawn_at": now.isoformat(), "signed_out": signed_out},
    )


def _throttle_key(uln: str) -> str:
    # Hashed: the throttle table should not be a list of the ULNs people tried.
    return f"uln:{_sha256(uln)[:40]}"


def _locked(key: str, now: dt.datetime) -> bool:
    return SignInThrottle.objects.filter(key=key, locked_until__gt=now).exists()


def _failure_count(key: str, now: dt.datetime) -> bool:
    """Count one failure against the key; True when this failure locks it."""
    row, _ = SignInThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"window_started_at": now}
    )
    if now - row.window_started_at >= THROTTLE_WINDOW:
        row.window_started_at, row.failures = now, 0
    row.failures += 1
    locks = row.failures >= MAX_FAILURES
    if locks:
        row.locked_until = now + LOCKOUT
        row.window_started_at, row.failures = now, 0
    row.save()
    return locks


# Checked when no learner matches, so a try takes as long whether or not the ULN is known.
_DUMMY_HASH: list[str] = []


def _dummy_check(code: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(access_code_hash(secrets.token_hex(8)))
    check_password(code, _DUMMY_HASH[0])


def learner_sign_in_with_code(
    *,
    uln: str,
    date_of_birth: dt.date,
    code: str,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The learner's account, when the ULN, date of birth and access code match one learner.

    The same ULN may be registered at more than one centre; each centre's code opens only its
    own record. A learner signing in for the first time gets an account with no password (they
    always sign in with the code). Raises `LearnerSignInError` with one message for every
    mismatch, and another while the ULN is locked.
    """
    now = now or timezone.now()
    code = access_code_normalise(code)
    key = _throttle_key(uln)
    shown_uln = f"{uln[:3]}…{uln[-2:]}"
    # Commit before refusing, so that the count and the audit events of a refusal are kept.
    with transaction.atomic():
        if _locked(key, now):
            audit_record(
                actor=None, action=AuditAction.LOGIN_LOCKED_OUT,
                summary=f"Learner sign-in with ULN {shown_uln} refused: locked after failed "
                "attempts",
                ip_address=ip_address,
            )
            refusal = LOCKED
        else:
            learner = _learner_matching(uln=uln, date_of_birth=date_of_birth, code=code)
            if learner is not None and (learner.user is None or learner.user.is_active):
                return _learner_user(learner=learner, key=key, now=now)
            locks = _failure_count(key, now)
            audit_record(
                actor=None, action=AuditAction.LOGIN_FAILED,
                summary=f"Failed learner sign-in with ULN {shown_uln}", ip_address=ip_address,
            )
            if locks:
                audit_record(
                    actor=None, action=AuditAction.LOGIN_LOCKED_OUT,
                    summary=f"Learner sign-in with ULN {shown_uln} locked for "
                    f"{int(LOCKOUT.total_seconds() // 60)} minutes after {MAX_FAILURES} "
                    "failed attempts",
                    ip_address=ip_address,
                )
            refusal = LOCKED if locks else WRONG_DETAILS
    raise LearnerSignInError(refusal)


def _learner_matching(*, uln: str, date_of_birth: dt.date, code: str) -> Learner | None:
    candidates = list(
        Learner.objects.filter(uln=uln, date_of_birth=date_of_birth, access_code__isnull=False)
        .select_related("access_code", "user", "centre")
        .order_by("pk")
    )
    if not candidates:
        _dummy_check(code)
        return None
    matched = None
    for learner in candidates:
        # Check every candidate, not just until one matches: the time taken says nothing.
        # A code hashed before the access codes' own hasher is re-hashed by it once it is used.
        if check_password(
            code, learner.access_code.code_hash, setter=_rehash_for(learner),
            preferred=ACCESS_CODE_HASHER,
        ) and matched is None:
            matched = learner
    return matched


def _rehash_for(learner: Learner) -> Callable[[str], None]:
    def rehash(code: str) -> None:
        LearnerAccessCode.objects.filter(learner=learner).update(code_hash=access_code_hash(code))

    return rehash


def _learner_user(*, learner: Learner, key: str, now: dt.datetime) -> User:
    user = learner.user
    if user is None:
        user = User(username=f"learner-{learner.pk}", first_name=learner.first_name,
                    last_name=learner.last_name, is_demo=learner.is_demo)
        user.set_unusable_password()
        user.save()
        Learner.objects.filter(pk=learner.pk).update(user=user)
    LearnerAccessCode.objects.filter(learner=learner).update(last_used_at=now)
    SignInThrottle.objects.filter(key=key).delete()
    return user
