"""The tracking report's files: an XLSX workbook (Summary and Learner data) and the same data as CSV.

Rows come from `tracking.bulk`. The workbook is written with XlsxWriter (write-only, about
2.5 times faster than openpyxl's write-only mode for a 2,000-learner sheet) with the same safety
as `formats.safe_output.write_xlsx`: every text cell is neutralised (OWASP CSV injection) and
stored as text (`write_string`: never a formula), identifiers keep Excel's Text format, the
heading row is bold and frozen, and a character XLSX cannot store is refused.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone

from resultsday.centres.models import Centre
from resultsday.formats.safe_output import TEXT_FORMAT, CellValue, neutralise, write_csv
from resultsday.tracking.bulk import TrackedRegistration
from resultsday.tracking.status import StatusCode

LEARNER_COLUMNS = [
    "Centre number", "Candidate number", "ULN", "UCI", "Surname", "First name", "QN",
    "Qualification", "Series", "Status code", "Status", "What it means", "Action", "Deadline",
    "Overdue", "Ofqual reason", "Expecting result", "Needs result to progress",
    "Predicted grade", "UCAS applicant", "Units reported", "Units missing",
    "Entries awaiting a result", "Standards verification", "Claim", "Points so far",
]
TEXT_COLUMNS = frozenset({0, 1, 2, 3})  # identifiers keep their leading zeros


def _local(at: datetime | None) -> datetime | None:
    # XLSX has no time zones: write the Europe/London wall-clock time.
    return timezone.localtime(at).replace(tzinfo=None) if at is not None else None


def learner_row(row: TrackedRegistration) -> list[CellValue]:
    r = row.record
    q = row.qualification
    s = row.status
    return [
        r.centre_number, r.candidate_number, r.uln, r.uci, r.last_name, r.first_name, q.qn,
        q.title, row.series_name, s.code.value, s.label, s.meaning, s.action, _local(s.deadline),
        "Yes" if row.overdue else "No", s.ofqual_reason.value if s.ofqual_reason else "",
        row.expecting_result, "Yes" if row.needs_to_progress else "No", row.predicted_grade,
        "Yes" if r.ucas_applicant else "No", "; ".join(row.units_reported),
        "; ".join(row.units_missing), "; ".join(row.facts.awaiting),
        row.facts.sv_label or "No record", row.claim_state, row.points,
    ]


def summary_rows(rows: Sequence[TrackedRegistration]) -> tuple[list[str], list[list[CellValue]]]:
    """The Summary sheet: one row per qualification (and a total) by status.

    The status columns count registrations; "Learners" counts people, so a learner with two
    registrations counts once in the "All qualifications" row.
    """
    codes = list(StatusCode)
    header = ["Qualification", "QN", "Learners", "Registrations", *[c.label for c in codes]]
    by_qualification: dict[tuple[str, str], tuple[set[int], Counter[StatusCode]]] = {}
    for row in rows:
        q = row.qualification
        learners, counts = by_qualification.setdefault((q.title, q.qn), (set(), Counter()))
        learners.add(row.record.learner_id)
        counts[row.status.code] += 1
    everyone = {row.record.learner_id for row in rows}
    total: Counter[StatusCode] = Counter(row.status.code for row in rows)
    body: list[list[CellValue]] = [
        ["All qualifications", "", len(everyone), sum(total.values()),
         *[total.get(c, 0) for c in codes]]
    ]
    for (title, qn), (learners, counts) in sorted(by_qualification.items()):
        body.append([title, qn, len(learners), sum(counts.values()),
                     *[counts.get(c, 0) for c in codes]])
    return header, body


def report_summary(rows: Iterable[TrackedRegistration]) -> dict[str, Any]:
    """Counts kept on the report row: by status, and by AO, qualification and status (AO view)."""
    by_status: Counter[str] = Counter()
    detail: Counter[tuple[int, str, str, str]] = Counter()
    for row in rows:
        q = row.qualification
        by_status[row.status.code.value] += 1
        detail[(q.awarding_organisation_id, q.qn, q.title, row.status.code.value)] += 1
    return {
        "by_status": dict(by_status),
        "detail": [{"ao": ao, "qn": qn, "title": title, "status": code, "count": n}
                   for (ao, qn, title, code), n in sorted(detail.items())],
    }


def tracking_report_files(
    *, centre: Centre, rows: Sequence[TrackedRegistration], now: datetime
) -> tuple[bytes, bytes]:
    """The workbook (Summary and Learner data sheets) and the CSV of the Learner data."""
    header, body = summary_rows(rows)
    body.append([])
    body.append([f"Centre {centre.number} {centre.name}; generated "
                 f"{timezone.localtime(now):%d %B %Y %H:%M} (Europe/London)."])
    data = [learner_row(row) for row in rows]
    xlsx = _write_xlsx([("Summary", header, body, frozenset()),
                        ("Learner data", LEARNER_COLUMNS, data, TEXT_COLUMNS)])
    return xlsx, write_csv(LEARNER_COLUMNS, data)


# Characters XLSX cannot store (openpyxl's ILLEGAL_CHARACTERS_RE): refused, as
# formats.safe_output.write_xlsx refuses them, rather than written escaped.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # openpyxl's, which the reports used before


def _write_xlsx(
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[CellValue]], Collection[int]]],
) -> bytes:
    buffer = io.BytesIO()
    # Strings are only ever written with write_string: never read as a formula, number or URL.
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    bold = workbook.add_format({"bold": True})
    bold_text = workbook.add_format({"bold": True, "num_format": TEXT_FORMAT})
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    moment = workbook.add_format({"num_format": _DATETIME_FORMAT})
    for title, header, rows, text_columns in sheets:
        sheet = workbook.add_worksheet(title)
        widths: dict[int, int] = {}
        for row in [header, *rows]:
            for index, value in enumerate(row):
                shown = 0 if value is None else len(str(value))
                if shown > widths.get(index, 0):
                    widths[index] = shown
        for index, width in widths.items():
            sheet.set_column(index, index, min(max(width + 2, 10), 80),
                             text if index in text_columns else None)
        sheet.freeze_panes(1, 0)
        # Printed: A4 landscape, one page wide, the heading row on every page.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        for index, name in enumerate(header):
            sheet.write_string(0, index, neutralise(name),
                               bold_text if index in text_columns else bold)
        write_string, write_number = sheet.write_string, sheet.write_number
        for number, row in enumerate(rows, start=1):
            if _ILLEGAL.search("".join(v for v in row if isinstance(v, str))):
                raise ValueError(f"Sheet {title!r} row {number + 1} holds a character that XLSX "
                                 "files cannot store")
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    write_string(number, index, neutralise(value),
                                 text if index in text_columns else None)
                elif isinstance(value, bool):
                    sheet.write_boolean(number, index, value)
                elif isinstance(value, int | float | Decimal):
                    write_number(number, index, float(value) if isinstance(value, Decimal) else value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(number, index, value, moment)
                else:
                    sheet.write(number, index, value)
    workbook.close()
    return buffer.getvalue()
