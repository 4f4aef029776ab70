from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.centres.models import Centre
from resultsday.core.forms import GovukForm
from resultsday.identifiers import check_uln
from resultsday.learners.models import Learner, Registration
from resultsday.learners.services import (
    ENTRY_CODE_HELP,
    LearnerDetails,
    RegistrationError,
    top_up_choices,
)

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"]


class ServiceErrorsMixin:
    """Put a service's problems on the fields they name (or on the form as a whole)."""

    def add_service_errors(self, error: RegistrationError) -> None:
        for problem in error.problems:
            field = problem.field if problem.field in self.fields else None  # type: ignore[attr-defined]
            self.add_error(field, problem.message)  # type: ignore[attr-defined]


class QualificationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Qualification) -> str:
        return f"{obj.title} ({obj.qn})"


class SeriesChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Series) -> str:
        return f"{obj.name} ({obj.awarding_organisation.name})"


class LearnerDetailsForm(ServiceErrorsMixin, GovukForm):
    # No max_length on the names: a browser would cut a longer pasted name short without a
    # word (the maxlength attribute). The service refuses it, saying how long it is.
    first_name = forms.CharField(
        label="First name",
        error_messages={"required": "Enter the learner's first name"},
    )
    last_name = forms.CharField(
        label="Last name",
        error_messages={"required": "Enter the learner's last name"},
    )
    date_of_birth = forms.DateField(
        label="Date of birth", input_formats=DATE_FORMATS, help_text="For example, 27/03/2008",
        error_messages={
            "required": "Enter the learner's date of birth",
            "invalid": "Date of birth must be a real date, like 27/03/2008",
        },
    )
    candidate_number = forms.CharField(
        label="Candidate number", max_length=10, help_text="4 digits, like 0042",
        error_messages={"required": "Enter a candidate number"},
    )
    uln = forms.CharField(
        label="ULN (optional)", max_length=20, required=False,
        help_text="Unique Learner Number: 10 digits. Leave blank if the learner has none.",
    )
    uci = forms.CharField(
        label="UCI (optional)", max_length=20, required=False,
        help_text="Unique Candidate Identifier: 13 characters",
    )
    ucas_personal_id = forms.CharField(
        label="UCAS Personal ID (optional)", max_length=20, required=False,
        help_text="10 digits, like 123-456-7890",
    )

    def details(self) -> LearnerDetails:
        data = self.cleaned_data
        return LearnerDetails(
            candidate_number=data["candidate_number"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            uln=data["uln"],
            uci=data["uci"],
            ucas_personal_id=data["ucas_personal_id"],
        )

    @staticmethod
    def initial_for(learner: Learner) -> dict[str, Any]:
        return {
            "first_name": learner.first_name,
            "last_name": learner.last_name,
            "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"),
            "candidate_number": learner.candidate_number,
            "uln": learner.uln,
            "uci": learner.uci,
            "ucas_personal_id": learner.ucas_personal_id,
        }


class LearnerAmendForm(LearnerDetailsForm):
    reason = forms.CharField(
        label="Why are you changing these details? (optional)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegistrationForm(ServiceErrorsMixin, GovukForm):
    """The registration part: qualification, series and the two flags."""

    qualification = QualificationChoiceField(
        queryset=Qualification.objects.none(), empty_label="Select a qualification",
        error_messages={"required": "Select a qualification",
                        "invalid_choice": "Select a qualification"},
    )
    series = SeriesChoiceField(
        queryset=Series.objects.none(), empty_label="Select a series",
        label="Series of the estimated completion date",
        error_messages={"required": "Select a series", "invalid_choice": "Select a series"},
    )
    ucas_applicant = forms.BooleanField(
        label="The learner has applied through UCAS", required=False
    )
    needs_result_to_progress = forms.BooleanField(
        label="The learner needs this result to progress (university, job or next course)",
        required=False,
    )

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ao_ids = centre.awarding_organisations.values_list("pk", flat=True)
        self.fields["qualification"].queryset = Qualification.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id__in=ao_ids, is_active=True
        ).order_by("title", "qn")
        self.fields["series"].queryset = Series.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id__in=ao_ids
        ).select_related("awarding_organisation").order_by("awarding_organisation__name", "code")


class NewLearnerRegistrationForm(LearnerDetailsForm, RegistrationForm):
    confirm_different_person = forms.BooleanField(
        label="This is a different person from the learner with the same name and date of birth",
        required=False,
    )

    field_order = [
        "first_name", "last_name", "date_of_birth", "candidate_number", "uln", "uci",
        "ucas_personal_id", "confirm_different_person", "qualification", "series",
        "ucas_applicant", "needs_result_to_progress",
    ]


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why is the learner being withdrawn?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason for withdrawing the registration"},
    )


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Upload a file", help_text="A CSV UTF-8 or Excel (.xlsx) file, up to 10 MB",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"Unit {obj.number} {obj.title} ({obj.code})"


def _series_field() -> SeriesChoiceField:
    return SeriesChoiceField(
        queryset=Series.objects.none(), empty_label="Select a series", label="Series",
        error_messages={"required": "Select a series", "invalid_choice": "Select a series"},
    )


def _unit_field() -> UnitChoiceField:
    return UnitChoiceField(
        queryset=Unit.objects.none(), empty_label="Select a unit", label="External unit",
        error_messages={"required": "Select a unit", "invalid_choice": "Select a unit"},
    )


class EntryForm(ServiceErrorsMixin, GovukForm):
    """Enter one registration for one external unit of its qualification in a series."""

    unit = _unit_field()
    series = _series_field()

    def __init__(self, *args: Any, registration: Registration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qualification = registration.qualification
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            placements__qualification=qualification, assessment=Assessment.EXTERNAL
        ).order_by("code")
        self.fields["series"].queryset = Series.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id=qualification.awarding_organisation_id
        ).select_related("awarding_organisation").order_by("code")


class BulkEntryForm(ServiceErrorsMixin, GovukForm):
    qualification = QualificationChoiceField(
        queryset=Qualification.objects.none(), empty_label="Select a qualification",
        error_messages={"required": "Select a qualification",
                        "invalid_choice": "Select a qualification"},
    )
    unit = _unit_field()
    series = _series_field()

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ao_ids = list(centre.awarding_organisations.values_list("pk", flat=True))
        self.fields["qualification"].queryset = Qualification.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id__in=ao_ids
        ).order_by("title", "qn")
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            suite__awarding_organisation_id__in=ao_ids, assessment=Assessment.EXTERNAL
        ).order_by("code")
        self.fields["series"].queryset = Series.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id__in=ao_ids
        ).select_related("awarding_organisation").order_by("awarding_organisation__name", "code")


class EntryWithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why is the entry being withdrawn?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason for withdrawing the entry"},
    )


class EntriesFileForm(GovukForm):
    file = forms.FileField(
        label="Upload an entries (E) file",
        help_text="A JCQ entries file from your MIS, like E1000101.X01, up to 10 MB. "
        + ENTRY_CODE_HELP,
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )


class TopUpForm(ServiceErrorsMixin, GovukForm):
    to_qualification = QualificationChoiceField(
        queryset=Qualification.objects.none(), empty_label="Select a qualification",
        label="Top up to",
        error_messages={"required": "Select the qualification to top up to",
                        "invalid_choice": "Select the qualification to top up to"},
    )
    reason = forms.CharField(
        label="Why is the learner being topped up? (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, registration: Registration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_qualification"].queryset = top_up_choices(  # type: ignore[attr-defined]
            registration=registration
        )


# ---- learners' own sign-in ---------------------------------------------------------------


class LearnerInviteForm(GovukForm):
    email = forms.EmailField(
        label="Learner's email address", max_length=254,
        help_text="We send the learner a link to create a password. It works once, for 7 days.",
        error_messages={
            "required": "Enter the learner's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class InvitationAcceptForm(GovukForm):
    password = forms.CharField(
        label="Create a password", strip=False,
        help_text="At least 8 characters. Do not use a common word or only numbers.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password"},
    )
    password_again = forms.CharField(
        label="Confirm your password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter your password again"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password") and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", "Enter the same password twice")
        return data


class AccessCodeSignInForm(GovukForm):
    uln = forms.CharField(
        label="Unique Learner Number (ULN)", max_length=20,
        help_text="10 digits. Your school or college gives you this with your access code.",
        error_messages={"required": "Enter your ULN"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth", input_formats=DATE_FORMATS, help_text="For example, 27/03/2008",
        error_messages={
            "required": "Enter your date of birth",
            "invalid": "Date of birth must be a real date, like 27/03/2008",
        },
        widget=forms.TextInput(attrs={"autocomplete": "bday"}),
    )
    access_code = forms.CharField(
        label="Access code", max_length=30,
        help_text="12 letters and numbers, like ABCD-EFGH-JKMN, from your school or college.",
        error_messages={"required": "Enter your access code"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "autocapitalize": "characters"}),
    )

    def clean_uln(self) -> str:
        # Only the ULN's form is checked here, which says nothing about whether it is known.
        check = check_uln(self.cleaned_data["uln"].replace(" ", ""))
        if not check.ok:
            raise forms.ValidationError(check.message or "Enter a ULN of 10 digits")
        return check.value


class AccessCodeFilterForm(GovukForm):
    """Which of the centre's learners to list for access codes (from the query string)."""

    series = SeriesChoiceField(
        queryset=Series.objects.none(), required=False, empty_label="All series",
        label="Series",
        help_text="Learners with a registration in this series",
        error_messages={"invalid_choice": "Select a series from the list"},
    )
    qualification = QualificationChoiceField(
        queryset=Qualification.objects.none(), required=False, empty_label="All qualifications",
        label="Qualification",
        error_messages={"invalid_choice": "Select a qualification from the list"},
    )
    without_code = forms.BooleanField(
        label="Only learners with no access code", required=False,
    )

    def __init__(self, *args: Any, series: QuerySet[Series],
                 qualifications: QuerySet[Qualification], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = series  # type: ignore[attr-defined]
        self.fields["qualification"].queryset = qualifications  # type: ignore[attr-defined]


class AccessCodesForm(GovukForm):
    """The learners to make access codes for, chosen by ticking them in the list."""

    learner = forms.ModelMultipleChoiceField(
        queryset=Learner.objects.none(), label="Learners",
        error_messages={
            "required": "Select at least one learner to make access codes for",
            # Only by tampering, or when a learner changed since the page was shown.
            "invalid_choice": "One or more of the learners selected cannot be given an access "
            "code. Select learners from the list",
            "invalid_pk_value": "Select learners from the list",
        },
    )

    def __init__(self, *args: Any, learners: QuerySet[Learner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["learner"].queryset = learners  # type: ignore[attr-defined]
