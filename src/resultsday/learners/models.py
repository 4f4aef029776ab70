from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from resultsday.learners.choices import EntryStatus, InvitationRevoked, RegistrationStatus

candidate_number_validator = RegexValidator(r"^\d{4}$", "Enter a candidate number of 4 digits.")


class Learner(models.Model):
    """A learner as known to one centre (candidate numbers are per centre)."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="learners")
    candidate_number = models.CharField(max_length=4, validators=[candidate_number_validator])
    uln = models.CharField("ULN", max_length=10, blank=True)
    uci = models.CharField("UCI", max_length=13, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    ucas_personal_id = models.CharField("UCAS Personal ID", max_length=10, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="learner",
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "candidate_number"], name="learner_candidate_number_unique"
            ),
            models.UniqueConstraint(
                fields=["centre", "uln"], condition=~Q(uln=""), name="learner_uln_unique_at_centre"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.candidate_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Registration(models.Model):
    """A learner on a qualification at a centre, placed in a series by its estimated completion."""

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="registrations")
    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.PROTECT, related_name="registrations",
        help_text="Always the learner's centre; kept here so centre-wide queries need no join.",
    )
    qualification = models.ForeignKey(
        "catalogue.Qualification", on_delete=models.PROTECT, related_name="registrations"
    )
    series = models.ForeignKey(
        "catalogue.Series", on_delete=models.PROTECT, related_name="registrations",
        help_text="The series of the estimated completion date.",
    )
    registered_on = models.DateField(
        default=dt.date.today, help_text="Selects the grade threshold table for the cohort."
    )
    status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    needs_result_to_progress = models.BooleanField(default=False)
    ucas_applicant = models.BooleanField("UCAS applicant", default=False)
    is_late = models.BooleanField(default=False, help_text="Made after the registration deadline.")
    topped_up_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="topped_up_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre", "learner__last_name", "learner__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "qualification"],
                condition=Q(status="active"),
                name="registration_one_active_per_qualification",
            )
        ]
        indexes = [models.Index(fields=["series", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} on {self.qualification.qn}"


class Entry(models.Model):
    """A registration entered for an external assessment in a series."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey("catalogue.Unit", on_delete=models.PROTECT, related_name="entries")
    series = models.ForeignKey("catalogue.Series", on_delete=models.PROTECT, related_name="entries")
    status = models.CharField(
        max_length=16, choices=EntryStatus.choices, default=EntryStatus.ENTERED
    )
    is_late = models.BooleanField(default=False, help_text="Made after the entry deadline.")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "unit", "series"],
                condition=Q(status="entered"),
                name="entry_one_per_unit_and_series",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} — {self.unit} ({self.series})"


class LearnerInvitation(models.Model):
    """A centre's invitation for a learner to make an account: a one-time link that expires.

    Only a SHA-256 hash of the link's token is stored; the token itself is only in the email.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Replaced by a newer invitation, or cancelled, before it was used.",
    )
    revoked_because = models.CharField(max_length=16, choices=InvitationRevoked.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation for {self.learner} to {self.email}"

    def is_open(self, now: dt.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    @property
    def is_cancelled(self) -> bool:
        return self.revoked_because == InvitationRevoked.CANCELLED


class LearnerAccessCode(models.Model):
    """The code a centre issues so a learner can sign in with their ULN and date of birth.

    Only a salted hash of the code is stored (learners/hashers.py): the centre sees the code
    once, when it is made. A new code replaces the old one; a withdrawn code is deleted.
    """

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="access_code")
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Access code for {self.learner}"


class SignInThrottle(models.Model):
    """Failed learner sign-ins counted per key (a hashed ULN, or an address), in the database.

    In the database so that every web process shares one count: a lockout in one process
    holds in all of them.
    """

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failed"
