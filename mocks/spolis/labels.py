"""Latvian and English labels of the codes the ministry's SPOLIS view shows (``spolis.md`` §7).

Latvian is the view's default language; ``?lang=en`` switches a page to English. A code without
a label is shown as the bare code (a new validation code never breaks a page).
"""

from __future__ import annotations

LANGS = ("lv", "en")
DEFAULT_LANG = "lv"

# code → (Latvian, English)
CODES: dict[str, tuple[str, str]] = {
    # §3 indicators
    "POOR_HOUSEHOLDS_NEW": (
        "mājsaimniecības, kurām mēnesī piešķirts trūcīgas mājsaimniecības statuss",
        "households newly granted poor status in the month",
    ),
    "POOR_PERSONS_NEW": (
        "personas, kurām mēnesī piešķirts trūcīgas personas statuss",
        "persons newly granted poor status in the month",
    ),
    "POOR_HOUSEHOLDS_END": (
        "trūcīgas mājsaimniecības mēneša pēdējā dienā",
        "households with poor status on the month's last day",
    ),
    "POOR_PERSONS_END": (
        "trūcīgas personas mēneša pēdējā dienā",
        "persons with poor status on the month's last day",
    ),
    "LOW_INCOME_HOUSEHOLDS_NEW": (
        "mājsaimniecības, kurām mēnesī piešķirts maznodrošinātas mājsaimniecības statuss",
        "households newly granted low-income status in the month",
    ),
    "LOW_INCOME_PERSONS_NEW": (
        "personas, kurām mēnesī piešķirts maznodrošinātas personas statuss",
        "persons newly granted low-income status in the month",
    ),
    "LOW_INCOME_HOUSEHOLDS_END": (
        "maznodrošinātas mājsaimniecības mēneša pēdējā dienā",
        "households with low-income status on the month's last day",
    ),
    "LOW_INCOME_PERSONS_END": (
        "maznodrošinātas personas mēneša pēdējā dienā",
        "persons with low-income status on the month's last day",
    ),
    "GMI_HOUSEHOLDS": (
        "mājsaimniecības, kurām izmaksāts GMI pabalsts",
        "households paid the GMI benefit",
    ),
    "GMI_PERSONS": ("personas, kurām izmaksāts GMI pabalsts", "persons paid the GMI benefit"),
    "GMI_EUR": ("izmaksātais GMI pabalsts, EUR", "GMI benefit paid, EUR"),
    "HOUSING_HOUSEHOLDS": (
        "mājsaimniecības, kurām izmaksāts mājokļa pabalsts",
        "households paid the housing benefit",
    ),
    "HOUSING_PERSONS": (
        "personas, kurām izmaksāts mājokļa pabalsts",
        "persons paid the housing benefit",
    ),
    "HOUSING_EUR": ("izmaksātais mājokļa pabalsts, EUR", "housing benefit paid, EUR"),
    "HEALTH_PERSONS": (
        "personas, kurām izmaksāts pabalsts veselības aprūpei",
        "persons paid the health-care benefit",
    ),
    "HEALTH_EUR": ("pabalsts veselības aprūpei, EUR", "health-care benefit paid, EUR"),
    "EDUCATION_PERSONS": (
        "personas, kurām izmaksāts pabalsts izglītības atbalstam",
        "persons paid the education-support benefit",
    ),
    "EDUCATION_EUR": ("pabalsts izglītības atbalstam, EUR", "education-support benefit, EUR"),
    "CRISIS_HOUSEHOLDS": (
        "mājsaimniecības, kurām izmaksāts pabalsts krīzes situācijā",
        "households paid the crisis benefit",
    ),
    "CRISIS_EUR": ("pabalsts krīzes situācijā, EUR", "crisis benefit paid, EUR"),
    "OTHER_PERSONS": (
        "personas, kurām izmaksāti citi materiāli izvērtējamie pabalsti",
        "persons paid other means-tested benefits",
    ),
    "OTHER_EUR": ("citi materiāli izvērtējamie pabalsti, EUR", "other means-tested benefits, EUR"),
    # units
    "households": ("mājsaimniecības", "households"),
    "persons": ("personas", "persons"),
    "EUR": ("eiro", "euro"),
    # §1 kinds (annual report rows)
    "STATUS_POOR": ("trūcīgas mājsaimniecības statuss", "poor status"),
    "STATUS_LOW_INCOME": ("maznodrošinātas mājsaimniecības statuss", "low-income status"),
    "BENEFIT_GMI": ("GMI pabalsts", "GMI benefit"),
    "BENEFIT_HOUSING": ("mājokļa pabalsts", "housing benefit"),
    "BENEFIT_HEALTH": ("pabalsts veselības aprūpei", "health-care benefit"),
    "BENEFIT_EDUCATION": ("pabalsts izglītības atbalstam", "education-support benefit"),
    "BENEFIT_CRISIS": ("pabalsts krīzes situācijā", "crisis benefit"),
    "BENEFIT_OTHER": ("citi pabalsti", "other benefits"),
    "ALL": ("kopā", "total"),
    # receipt statuses
    "ACCEPTED": ("pieņemts", "accepted"),
    "REJECTED": ("noraidīts", "rejected"),
    # validation codes (records and reports)
    "INVALID_PERSON_CODE": ("nederīgs personas kods", "invalid personal code"),
    "UNKNOWN_KIND": ("nezināms lēmuma veids", "unknown kind"),
    "DECISION_IN_FUTURE": ("lēmuma datums nākotnē", "decision dated in the future"),
    "REQUEST_AFTER_DECISION": ("pieprasījums pēc lēmuma", "request after the decision"),
    "INVALID_VALIDITY": ("nederīgs derīguma termiņš", "invalid validity"),
    "AMOUNT_REQUIRED": ("nav norādīta summa", "amount required"),
    "AMOUNT_NOT_ALLOWED": ("summa nav atļauta", "amount not allowed"),
    "AMOUNT_ABOVE_RULES": ("summa pārsniedz noteikto", "amount above the rules"),
    "REFUSAL_REASON_REQUIRED": ("nav norādīts atteikuma iemesls", "refusal reason required"),
    "STALE_VERSION": ("novecojusi versija", "stale version"),
    "VERSION_CONFLICT": ("versiju konflikts", "version conflict"),
    "UNKNOWN_DECISION": ("nezināms lēmums", "unknown decision"),
    "DECISION_NOT_GRANTED": ("lēmums nav piešķiršanas lēmums", "decision not granted"),
    "NOT_A_BENEFIT": ("lēmums nav par pabalstu", "not a benefit"),
    "MONTH_OUTSIDE_VALIDITY": ("mēnesis ārpus derīguma", "month outside the validity"),
    "PAYMENT_IN_FUTURE": ("izmaksa nākotnē", "payment in the future"),
    "MISSING_INDICATOR": ("trūkst rādītāja", "indicator missing"),
    "UNKNOWN_INDICATOR": ("nezināms rādītājs", "unknown indicator"),
    "DUPLICATE_INDICATOR": ("rādītājs atkārtojas", "indicator repeated"),
    "NEGATIVE_VALUE": ("negatīva vērtība", "negative value"),
    "WRONG_UNIT": ("nepareiza mērvienība", "wrong unit"),
    "NOT_WHOLE_NUMBER": ("nav vesels skaitlis", "not a whole number"),
    "TOO_MANY_DECIMALS": ("pārāk daudz decimālzīmju", "too many decimals"),
    "PERSONS_FEWER_THAN_HOUSEHOLDS": (
        "personu mazāk nekā mājsaimniecību",
        "persons fewer than households",
    ),
    "MONTH_IN_FUTURE": ("mēnesis nākotnē", "month in the future"),
    "YEAR_IN_FUTURE": ("gads nākotnē", "year in the future"),
    "EUR_DIFFERS_FROM_PAYMENTS": (
        "summa atšķiras no iesniegtajām izmaksām",
        "EUR differs from the submitted payments",
    ),
    "END_COUNT_DIFFERS_FROM_DECISIONS": (
        "skaits atšķiras no iesniegtajiem lēmumiem",
        "count differs from the submitted decisions",
    ),
    "MISSING_ROW": ("trūkst rindas", "row missing"),
    "UNKNOWN_ROW": ("nezināma rinda", "unknown row"),
    "DUPLICATE_ROW": ("rinda atkārtojas", "row repeated"),
    "CATEGORIES_DO_NOT_ADD_UP": ("kategoriju summa nesakrīt", "categories do not add up"),
    "CHILDREN_WITH_DISABILITY_ABOVE_CHILDREN": (
        "bērnu ar invaliditāti vairāk nekā bērnu",
        "children with a disability above children",
    ),
    "ALL_BELOW_KIND": ("kopā mazāk nekā kādā veidā", "total below a kind"),
    "ALL_EUR_DIFFERS_FROM_KINDS": (
        "kopsumma atšķiras no veidu summas",
        "total EUR differs from the kinds",
    ),
}

# the grid's cell states (css class → label)
STATES: dict[str, tuple[str, str]] = {
    "ok": ("pieņemts laikā", "accepted on time"),
    "late": ("pieņemts ar nokavējumu", "accepted late"),
    "rejected": ("noraidīts", "rejected"),
    "missing": ("nav iesniegts", "missing"),
    "corrected": ("labots", "corrected"),
    "not-due": ("vēl nav jāiesniedz", "not yet due"),
}


def timing(late: bool, lang: str) -> str:
    """Whether a submission came after its due date (whatever its status)."""
    return text(lang, "ar nokavējumu", "late") if late else text(lang, "laikā", "on time")


def lang_of(raw: str | None) -> str:
    """The page language asked for (``lv`` when absent or unknown)."""
    return raw if raw in LANGS else DEFAULT_LANG


def label(code: str, lang: str) -> str:
    """The label of ``code`` in ``lang`` ("" when there is none)."""
    pair = CODES.get(code)
    return "" if pair is None else pair[LANGS.index(lang)]


def state_label(state: str, lang: str) -> str:
    return STATES[state][LANGS.index(lang)]


def text(lang: str, lv: str, en: str) -> str:
    """A page's own wording in ``lang``."""
    return lv if lang == "lv" else en
