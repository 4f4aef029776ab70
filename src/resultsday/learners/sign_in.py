"""Learners' own sign-in: invitations from the centre, and the centre's access codes.

Two ways in, both made by the learner's centre:

- an **invitation**: the exams officer sends a one-time link to the learner's email; the link
  expires, and only a hash of its token is stored. The learner chooses a password and signs in
  with their email address from then on;
- an **access code**: the exams officer makes a code and gives it to the learner, who signs in
  with their ULN, date of birth and the code. Only a slow, salted hash of the code is stored.

Failed code sign-ins are counted per ULN in the database (so every web process shares the
count) and lock further tries with that ULN for a while. The message for a failed try
never says which detail was wrong, and is the same whether or not the ULN is known.
Every change, failed try and lockout writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import User
from resultsday.accounts.services import audit_record
from resultsday.core.templatetags.govuk import govuk_date
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
    ).update(revoked_at=now)
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


# ---- access codes --------------------------------------------------------------------------


def access_code_normalise(raw: str) -> str:
    """The code as typed, without spaces or dashes, in capitals."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def access_code_display(code: str) -> str:
    """Groups of four, as printed for the learner: ABCD-EFGH-JKMN."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def learner_access_code_issue(
    *, actor: User, learner: Learner, now: dt.datetime | None = None
) -> str:
    """Make a new access code for a learner (replacing any earlier one) and return it.

    The code is returned once, to be shown to the exams officer; only its hash is kept.
    """
    now = now or timezone.now()
    code = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))
    existing = LearnerAccessCode.objects.filter(learner=learner).first()
    LearnerAccessCode.objects.update_or_create(
        learner=learner,
        defaults={"code_hash": make_password(code), "issued_by": actor, "issued_at": now,
                  "last_used_at": None},
    )
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_ACCESS_CODE_ISSUED,
        summary=f"{'Replaced' if existing else 'Made'} the access code of {learner.full_name}",
        obj=learner,
        centre=learner.centre,
        after={"learner": learner.pk, "replaced": existing is not None},
    )
    return code


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
        _DUMMY_HASH.append(make_password(secrets.token_hex(8)))
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
        if check_password(code, learner.access_code.code_hash) and matched is None:
            matched = learner
    return matched


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
