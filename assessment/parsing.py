"""The case JSON of ``assessment.md`` §7, parsed into a :class:`~assessment.model.Case`.

Structure is checked here with pydantic; every error becomes one ``<field path>: <what is
wrong>`` line of an :class:`~tilts.kernel.errors.InputError` (``members[0].vid[2].netAmount:``).
Vocabularies (income types, expense types, municipality) are checked against the rules by
:mod:`assessment.validation`.

Input decisions (where §7 is silent):

* amounts are JSON strings of a non-negative amount with at most two decimals; a JSON number
  is refused (a float cannot carry cents exactly);
* dates are ``YYYY-MM-DD`` strings, months ``YYYY-MM``; booleans are JSON ``true``/``false``;
* ``savings``, ``propertyConditionsMet`` and ``cooperationAgreement`` are required (a missing
  fact is not guessed), except that ``propertyConditionsMet`` may be left out when the case
  gives ``property`` (``property.md`` §8; :mod:`assessment.property_parsing`): then the
  computed property test (or the worker's override in it) decides and the flag is not read;
  ``housingExpenses``, ``declaredIncome``, a member's ``disability``,
  ``vid``, ``vsaa``, ``nva``, ``employments`` (``[{startDate, endDate}]``, Tilts'
  extension for "an open employment" of §6), ``lad`` (``[{paymentType, campaignYear, amount,
  paymentDate}]``, LAD payments to the member, ``property.md`` §5; ``campaignYear`` a JSON
  integer), ``ugfa`` (``[{month, amount, paymentDate, caseNumber}]``, maintenance paid for the
  member, a child, ``property.md`` §6; the recipient's code is not read) and ``inEducation``
  (``true`` for a young person in general, vocational or higher education: a child for the
  housing coefficient up to 24, §5; Tilts' extension, default ``false``) may be left out;
* a declared income line gives ``monthlyAmount`` or, for ``IRREGULAR`` income, the
  ``twelveMonthTotal`` (the old form ``monthlyAmount`` of an ``IRREGULAR`` line holds the same
  12-month total: either is divided by 12 once); an NVA ``activeMeasure`` may carry
  ``stipends`` (``[{month, amount}]``, ``registries.md`` §6);
* unknown keys are refused at the top level, in members and in declared income (a typo must
  not change a decision); registry records (``disability``, ``vid``, ``vsaa``, ``nva``,
  ``employments``, ``lad``, ``ugfa``) may carry the registries' other fields (``grossAmount``,
  ``employerRegNo``, ...), which are ignored;
* a JSON object with the same key twice is refused.
"""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from tilts.assessment.fields import (
    Amount,
    DateField,
    Flag,
    MonthField,
    Text,
    Year,
)
from tilts.assessment.model import (
    Case,
    DeclaredIncome,
    Disability,
    Employment,
    Maintenance,
    NvaMeasure,
    NvaStatus,
    Person,
    RuralPayment,
    Stipend,
    VidIncome,
    VsaaPayment,
)
from tilts.assessment.property_parsing import PropertyIn, property_from
from tilts.kernel.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Record(BaseModel):
    # Registry records may carry the registry's other fields; they are not read.
    model_config = ConfigDict(extra="ignore", frozen=True)


class DisabilityIn(_Record):
    subject: Text
    group: Text | None = None
    validFrom: DateField
    validTo: DateField | None = None


class VidIn(_Record):
    month: MonthField
    incomeType: Text
    netAmount: Amount


class VsaaIn(_Record):
    month: MonthField
    benefitType: Text
    paidAmount: Amount


class LadIn(_Record):
    paymentType: Text
    campaignYear: Year
    amount: Amount
    paymentDate: DateField


class UgfaIn(_Record):
    month: MonthField
    amount: Amount
    paymentDate: DateField
    caseNumber: Text


class StipendIn(_Record):
    month: MonthField
    amount: Amount


class MeasureIn(_Record):
    type: Text
    start: DateField | None = Field(default=None, alias="from")
    to: DateField | None = None
    stipendPaid: Flag = False
    stipends: list[StipendIn] = Field(default_factory=list)


class NvaIn(_Record):
    kind: Text
    activeMeasure: MeasureIn | None = None


class EmploymentIn(_Record):
    startDate: DateField | None = None
    endDate: DateField | None = None


class MemberIn(_Strict):
    id: Text
    birthDate: DateField
    disability: DisabilityIn | None = None
    vid: list[VidIn] = Field(default_factory=list)
    vsaa: list[VsaaIn] = Field(default_factory=list)
    nva: NvaIn | None = None
    employments: list[EmploymentIn] = Field(default_factory=list)
    lad: list[LadIn] = Field(default_factory=list)
    ugfa: list[UgfaIn] = Field(default_factory=list)
    inEducation: Flag = False


class DeclaredIn(_Strict):
    memberId: Text
    type: Text
    monthlyAmount: Amount | None = None
    twelveMonthTotal: Amount | None = None


class CaseIn(_Strict):
    municipality: Text
    applicationDate: DateField
    savings: Amount
    propertyConditionsMet: Flag | None = None
    cooperationAgreement: Flag
    housingExpenses: dict[str, Amount] = Field(default_factory=dict)
    declaredIncome: list[DeclaredIn] = Field(default_factory=list)
    members: list[MemberIn]
    property: PropertyIn | None = None


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a JSON array",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("members", 0, "vid", 2, "netAmount")`` -> ``members[0].vid[2].netAmount``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}" if path else part
    return path or "case"


def _problem(error: ErrorDetails) -> str:
    # pydantic's own ``msg`` never quotes the input; ours never do either.
    return f"{field_path(error['loc'])}: {_MESSAGES.get(error['type'], error['msg'])}"


def _person(member: MemberIn) -> Person:
    disability = member.disability
    measure = member.nva.activeMeasure if member.nva else None
    return Person(
        id=member.id,
        birth_date=member.birthDate,
        disability=Disability(
            subject=disability.subject,
            group=disability.group,
            valid_from=disability.validFrom,
            valid_to=disability.validTo,
        )
        if disability
        else None,
        vid=tuple(VidIncome(r.month, r.incomeType, r.netAmount) for r in member.vid),
        vsaa=tuple(VsaaPayment(p.month, p.benefitType, p.paidAmount) for p in member.vsaa),
        nva=NvaStatus(
            kind=member.nva.kind,
            active_measure=NvaMeasure(
                measure.type,
                measure.start,
                measure.to,
                measure.stipendPaid,
                tuple(Stipend(s.month, s.amount) for s in measure.stipends),
            )
            if measure
            else None,
        )
        if member.nva
        else None,
        employments=tuple(Employment(e.startDate, e.endDate) for e in member.employments),
        lad=tuple(
            RuralPayment(p.paymentType, p.campaignYear, p.amount, p.paymentDate) for p in member.lad
        ),
        ugfa=tuple(
            Maintenance(p.month, p.amount, p.paymentDate, p.caseNumber) for p in member.ugfa
        ),
        in_education=member.inEducation,
    )


def case_from_data(data: object) -> Case:
    """Build a :class:`Case` from the decoded case JSON.

    Raises:
        InputError: one ``<field path>: <what is wrong>`` line per structural problem.
    """
    try:
        parsed = CaseIn.model_validate(data)
    except ValidationError as exc:
        raise InputError("\n".join(_problem(error) for error in exc.errors())) from None
    problems = []
    for index, line in enumerate(parsed.declaredIncome):
        if (line.monthlyAmount is None) == (line.twelveMonthTotal is None):
            problems.append(
                f"declaredIncome[{index}]: give either monthlyAmount or twelveMonthTotal "
                "(twelveMonthTotal for IRREGULAR income only)"
            )
    if parsed.propertyConditionsMet is None and parsed.property is None:
        problems.append("propertyConditionsMet: is required (unless the case gives property)")
    if problems:
        raise InputError("\n".join(problems))
    return Case(
        municipality=parsed.municipality,
        application_date=parsed.applicationDate,
        savings=parsed.savings,
        # with ``property`` the property test decides; the flag is kept for a replayed case
        property_conditions_met=parsed.propertyConditionsMet is not False,
        cooperation_agreement=parsed.cooperationAgreement,
        members=tuple(_person(member) for member in parsed.members),
        declared_income=tuple(
            DeclaredIncome(
                line.memberId,
                line.type,
                line.monthlyAmount if line.monthlyAmount is not None else Decimal(0),
                line.twelveMonthTotal,
            )
            for line in parsed.declaredIncome
        ),
        housing_expenses=dict(parsed.housingExpenses),
        property=property_from(parsed.property) if parsed.property else None,
    )


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise _DuplicateKeyError(duplicate)
    return dict(pairs)


def parse_case(text: str) -> Case:
    """Parse the case JSON text of ``assessment.md`` §7.

    Raises:
        InputError: the text is not JSON, or the case is malformed (field paths named).
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"--case: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except _DuplicateKeyError as exc:
        raise InputError(f"--case: a JSON object has the key {exc} twice") from None
    except RecursionError:
        raise InputError("--case: the JSON is nested too deeply") from None
    except ValueError:  # a number past Python's int max-str-digits (4300)
        raise InputError("--case: a number has too many digits") from None
    return case_from_data(data)
