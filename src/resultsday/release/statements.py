"""A learner's statement of results: what it holds, in plain words, and the PDF.

The statement is built from `release.selectors.learner_results` after the visibility policy
has been applied (`ShownResult`): only results the viewer may see appear on it. The PDF is
drawn with fpdf2 (pure Python) from the same `Statement` the HTML page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF

from resultsday.awarding.choices import ResultStatus
from resultsday.core.templatetags.govuk import govuk_date
from resultsday.learners.choices import RegistrationStatus
from resultsday.release.selectors import LearnerResults, ShownResult, StoredResult

# What each result status means, in words a learner understands (the status labels are for
# centre and AO staff). Only the facts the platform holds: no promise of dates or outcomes.
RESULT_IN_WORDS = {
    ResultStatus.ISSUED: "Awarded.",
    ResultStatus.PENDING: (
        "Not issued yet: your overall grade is waiting for the result of an external "
        "assessment. Ask your school or college's exams officer when to expect it."
    ),
    ResultStatus.WITHHELD: (
        "Not issued yet: something needed for your overall grade is still missing. Your "
        "school or college's exams officer can tell you what it is and what happens next."
    ),
    ResultStatus.UNCLASSIFIED: (
        "Unclassified (U): the requirements for this qualification were not met. Ask your "
        "school or college about your options."
    ),
    ResultStatus.FALLBACK: "You have been awarded a smaller qualification instead.",
    ResultStatus.DECLINED: (
        "Declined: your school or college declined this grade so that you can resit."
    ),
}
NO_RESULT = "No result has been issued. Ask your school or college's exams officer."
REGISTRATION_IN_WORDS = {
    RegistrationStatus.WITHDRAWN: "You were withdrawn from this qualification.",
    RegistrationStatus.TOPPED_UP: "Replaced by a larger qualification (topped up).",
}


def result_in_words(stored: StoredResult) -> str:
    """What a result the viewer may see means, for the learner."""
    if stored.result_status is None:
        return REGISTRATION_IN_WORDS.get(stored.status, NO_RESULT)  # type: ignore[call-overload]
    words = RESULT_IN_WORDS.get(stored.result_status, stored.result_status_label)  # type: ignore[call-overload]
    return str(words)


@dataclass(frozen=True)
class StatementUnit:
    number: str
    title: str
    assessment: str
    grades: str


@dataclass(frozen=True)
class StatementLine:
    """One qualification's result on the statement."""

    registration_id: int
    qualification_title: str
    qualification_qn: str
    level: str
    awarding_organisation: str
    series: str
    grade: str
    points: int | None
    words: str
    # When the result reached, or reaches, the learner: their release time, or the centre's
    # earlier discretionary release.
    released_on: dt.datetime | None
    # Seen by centre staff before the learner may see it: an embargoed result.
    embargoed_until: dt.datetime | None
    units: tuple[StatementUnit, ...]


@dataclass(frozen=True)
class Statement:
    full_name: str
    uln: str
    candidate_number: str
    centre_number: str
    centre_name: str
    produced_at: dt.datetime
    lines: tuple[StatementLine, ...]

    @property
    def embargoed(self) -> bool:
        return any(line.embargoed_until is not None for line in self.lines)


def _units(shown: ShownResult) -> tuple[StatementUnit, ...]:
    """One row per unit; a unit attempted more than once lists each attempt's grade."""
    by_unit: dict[tuple[str, str], list[str]] = {}
    assessment: dict[tuple[str, str], str] = {}
    for unit in shown.units:
        key = (unit.unit_number, unit.unit_title or unit.unit)
        grade = unit.grade_label + (" (retake)" if unit.is_retake else "")
        by_unit.setdefault(key, []).append(grade)
        assessment[key] = unit.assessment_label
    return tuple(
        StatementUnit(number=number, title=title, assessment=assessment[(number, title)],
                      grades=", then ".join(grades))
        for (number, title), grades in by_unit.items()
    )


def statement_build(
    *, results: LearnerResults, shown: list[ShownResult], now: dt.datetime
) -> Statement:
    """The statement: every qualification whose result the viewer may see now."""
    lines = []
    for item in shown:
        stored = item.registration
        if not item.visibility.visible:
            continue
        released = stored.times.to_learners
        if stored.released_at_discretion is not None and (
            released is None or stored.released_at_discretion < released
        ):
            released = stored.released_at_discretion
        lines.append(
            StatementLine(
                registration_id=stored.registration_id,
                qualification_title=stored.qualification_title,
                qualification_qn=stored.qualification_qn,
                level=stored.qualification_level,
                awarding_organisation=stored.awarding_organisation_name,
                series=stored.series_name,
                grade=stored.grade,
                points=stored.points,
                words=result_in_words(stored),
                released_on=released,
                embargoed_until=stored.times.to_learners if item.visibility.early else None,
                units=_units(item),
            )
        )
    return Statement(
        full_name=results.full_name, uln=results.uln, candidate_number=results.candidate_number,
        centre_number=results.centre_number, centre_name=results.centre_name, produced_at=now,
        lines=tuple(lines),
    )


def statement_file_name(statement: Statement) -> str:
    who = statement.uln or f"{statement.centre_number}-{statement.candidate_number}"
    return f"statement-of-results-{who}-{timezone.localtime(statement.produced_at):%Y%m%d}.pdf"


# ---- the PDF -------------------------------------------------------------------------------

def _date(value: dt.datetime | None) -> str:
    return govuk_date(value) if value is not None else "Not set"


#: DejaVu Sans (Bitstream Vera licence, fonts/LICENSE), shipped so that every learner's name
#: prints as written: the PDF's built-in fonts have only Latin-1 letters.
SHIPPED_FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
SHIPPED_BOLD_FONT = SHIPPED_FONT.with_name("DejaVuSans-Bold.ttf")


class _StatementPdf(FPDF):
    def __init__(self, *, font_file: Path | None, demo: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.demo = demo
        self.body_font = "Body"
        self.clean: Callable[[str], str] = str
        if font_file is None:
            self.add_font("Body", "", str(SHIPPED_FONT))
            self.add_font("Body", "B", str(SHIPPED_BOLD_FONT))
        else:
            self.add_font("Body", "", str(font_file))
            self.add_font("Body", "B", str(font_file))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def text_line(self, text: str, *, size: float = 10, bold: bool = False, gap: float = 1.5) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.body_font, "", 8)
        label = "DEMO - made-up data, not a real statement. " if self.demo else ""
        self.cell(0, 5, self.clean(f"{label}Page {self.page_no()} of {{nb}}"), align="C")


def statement_pdf(*, statement: Statement, demo: bool, font_file: Path | None = None) -> bytes:
    """The statement as a PDF, in the shipped DejaVu Sans unless `font_file` (a TrueType font
    with the letters of every name the centre uses) is given."""
    pdf = _StatementPdf(font_file=font_file, demo=demo)
    pdf.set_title(pdf.clean(f"Statement of results: {statement.full_name}"))
    pdf.set_creator("resultsday")
    pdf.set_creation_date(statement.produced_at)
    pdf.alias_nb_pages()
    pdf.add_page()
    if demo:
        pdf.set_text_color(180, 0, 0)
        pdf.text_line("DEMO: every learner, centre and result in this statement is made up.",
                      bold=True, size=11)
        pdf.set_text_color(0, 0, 0)
    pdf.text_line("Statement of results", size=20, bold=True, gap=3)
    if statement.embargoed:
        pdf.set_text_color(180, 0, 0)
        pdf.text_line(
            "EMBARGOED: this statement shows results the learner may not see yet. Do not "
            "share it before the release time given for each result.", bold=True,
        )
        pdf.set_text_color(0, 0, 0)
    for label, value in [
        ("Name", statement.full_name),
        ("ULN", statement.uln or "Not recorded"),
        ("Candidate number", statement.candidate_number),
        ("Centre", f"{statement.centre_number} {statement.centre_name}"),
        ("Date of issue", _date(statement.produced_at)),
    ]:
        pdf.set_font(pdf.body_font, "B", 10)
        pdf.cell(45, 6, pdf.clean(label))
        pdf.set_font(pdf.body_font, "", 10)
        pdf.cell(0, 6, pdf.clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if not statement.lines:
        pdf.text_line("There are no results to show yet.")
    for line in statement.lines:
        _statement_line(pdf, line)
    pdf.ln(2)
    pdf.text_line(
        "This statement shows the results held on the date of issue. A result can change "
        "after a review of marking or an appeal. Your certificate is the formal record of a "
        "qualification.", size=8,
    )
    return bytes(pdf.output())


def _statement_line(pdf: _StatementPdf, line: StatementLine) -> None:
    pdf.text_line(line.qualification_title, size=13, bold=True, gap=1)
    level = f"Level {line.level}, " if line.level else ""
    pdf.text_line(
        f"QN {line.qualification_qn}. {level}{line.awarding_organisation}. {line.series}.",
        size=9,
    )
    result = line.grade or "No grade"
    if line.points is not None:
        result += f" ({line.points} points)"
    pdf.set_font(pdf.body_font, "B", 11)
    pdf.cell(45, 7, pdf.clean("Result"))
    pdf.cell(0, 7, pdf.clean(result), new_x="LMARGIN", new_y="NEXT")
    pdf.text_line(line.words, size=9, gap=1)
    released = (
        f"Released to the learner {_date(line.released_on)}" if line.embargoed_until is None
        else f"Embargoed: released to the learner {_date(line.embargoed_until)}"
    )
    pdf.text_line(released, size=9, gap=2)
    if line.units:
        pdf.set_font(pdf.body_font, "", 9)
        with pdf.table(
            col_widths=(14, 96, 30, 34), text_align=("LEFT", "LEFT", "LEFT", "LEFT"),
            line_height=5, first_row_as_headings=True,
        ) as table:
            header = table.row()
            for heading in ("Unit", "Title", "Assessment", "Grade"):
                header.cell(heading)
            for unit in line.units:
                row = table.row()
                for value in (unit.number, unit.title, unit.assessment, unit.grades):
                    row.cell(pdf.clean(value))
    pdf.ln(5)


# ---- what to do next, after results --------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    series: str
    at: dt.datetime


@dataclass(frozen=True)
class NextSteps:
    """What the learner can do about the results they can see, from the series' key dates.

    Facts only: the deadlines are the series' own key dates (none is invented when a series
    has none); the services are those the reference describes (review of marking of external
    units through the centre, declining a grade to resit, the UCAS results feed).
    """

    any_result: bool
    post_results_deadlines: tuple[Deadline, ...]
    decline_deadlines: tuple[Deadline, ...]
    ucas_applicant: bool
    ucas_waiting: tuple[str, ...]
    centre_name: str
    centre_number: str


def _deadlines(pairs: list[tuple[str, dt.datetime | None]]) -> tuple[Deadline, ...]:
    seen: dict[tuple[str, dt.datetime], None] = {}
    for series, at in pairs:
        if at is not None:
            seen[(series, at)] = None
    return tuple(Deadline(series=s, at=at) for s, at in sorted(seen, key=lambda p: p[1]))


def next_steps(*, results: LearnerResults, shown: list[ShownResult]) -> NextSteps:
    visible = [item.registration for item in shown if item.visibility.visible]
    return NextSteps(
        any_result=bool(visible),
        post_results_deadlines=_deadlines([(r.series_name, r.post_results_deadline) for r in visible]),
        decline_deadlines=_deadlines([(r.series_name, r.decline_grade_deadline) for r in visible]),
        ucas_applicant=any(r.ucas_applicant for r in visible),
        ucas_waiting=tuple(
            r.qualification_title for r in visible
            if r.ucas_applicant and r.result_status in {None, ResultStatus.PENDING,
                                                        ResultStatus.WITHHELD}
        ),
        centre_name=results.centre_name,
        centre_number=results.centre_number,
    )


def learner_results_page_body(*, results: LearnerResults, shown: list[ShownResult]) -> str:
    """The body of a learner's own results page (`/my/`): their results as shown, and what to
    do next. It depends only on the results and the policy's decisions, so it can be cached by
    them (`release.cache.learner_results_page_body_cached`)."""
    from django.template.loader import render_to_string

    return render_to_string(
        "release/learner_results_body.html",
        {"results": results, "shown_results": shown,
         "next_steps": next_steps(results=results, shown=shown)},
    )
