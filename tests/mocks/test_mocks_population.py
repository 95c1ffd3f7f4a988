"""The synthetic population: determinism, codes, households, facts, the clock (in process)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from tilts.kernel.personal_code import invalid_reason, is_new_format, old_format_check_digit
from tilts.mocks.world import places
from tilts.mocks.world.facts import age_on, thresholds
from tilts.mocks.world.population import Population

COUNTED_VSAA = {
    "OLD_AGE_PENSION",
    "DISABILITY_PENSION",
    "SURVIVOR_PENSION",
    "SERVICE_PENSION",
    "UNEMPLOYMENT_BENEFIT",
    "SICKNESS_BENEFIT",
    "MATERNITY_BENEFIT",
    "PATERNITY_BENEFIT",
    "PARENTAL_BENEFIT",
    "CHILDCARE_BENEFIT",
    "STATE_SOCIAL_SECURITY_BENEFIT",
    "MAINTENANCE_GUARANTEE_FUND",
}


@pytest.fixture(scope="module")
def pop() -> Population:
    return Population(seed=42, size=20000)


def _codes(p: Population) -> list[str]:
    return [p.base_code(s) for s in range(p.size)]


def test_same_seed_same_people_and_facts() -> None:
    a, b = Population(7, 3000), Population(7, 3000)
    assert _codes(a) == _codes(b)
    for slot in range(0, 3000, 97):
        assert a.person(slot) == b.person(slot)
        code = a.base_code(slot)
        assert a.payments(code, "2026-01", "2026-10") == b.payments(code, "2026-01", "2026-10")
        assert a.disability(code, include_history=True) == b.disability(code, include_history=True)


def test_different_seed_different_people() -> None:
    a, b = Population(7, 3000), Population(8, 3000)
    same = sum(x == y for x, y in zip(_codes(a), _codes(b), strict=True))
    assert same < 30
    assert a.person(0) != b.person(0)


def test_larger_population_starts_with_the_same_households() -> None:
    small, big = Population(42, 2000), Population(42, 5000)
    last_whole = small.household_count - 2
    for slot in small.household_slots(last_whole):
        assert small.person(slot) == big.person(slot)


def test_codes_are_unique_valid_and_resolvable(pop: Population) -> None:
    codes = _codes(pop)
    assert len(set(codes)) == len(codes)
    assert all(invalid_reason(c) is None for c in codes)
    for slot in range(0, pop.size, 101):
        assert pop.resolve(codes[slot]) == slot


@pytest.mark.parametrize("zero", ["\u0660", "\uff10"], ids=["arabic-indic", "full-width"])
def test_a_code_in_another_scripts_digits_resolves_to_nobody(pop: Population, zero: str) -> None:
    """int() reads any script's digits: the world must not, or "０１０１…" finds a person."""
    code = pop.base_code(3)
    other = "".join(chr(ord(zero) + int(ch)) for ch in code)
    assert pop.resolve(code) == 3
    assert pop.resolve(other) is None
    assert pop.lookup(other) is None


def test_new_format_mix_about_one_in_ten_fails_the_old_checksum(pop: Population) -> None:
    new = [c for c in _codes(pop) if is_new_format(c)]
    assert len(new) > 2000
    failing = sum(1 for c in new if old_format_check_digit(c[:10]) != int(c[10]))
    assert 0.07 < failing / len(new) < 0.13
    born_after = [
        v
        for s in range(0, pop.size, 7)
        if (v := pop.person(s)) is not None and v.birth_date >= dt.date(2017, 7, 1)
    ]
    assert born_after and all(is_new_format(v.person_code) for v in born_after)


def test_some_persons_already_changed_code(pop: Population) -> None:
    changed = [v for s in range(pop.size) if (v := pop.person(s)) is not None and v.previous_codes]
    assert 100 < len(changed) < 1000
    v = changed[0]
    assert is_new_format(v.person_code) and not is_new_format(v.previous_codes[0])
    assert pop.lookup(v.previous_codes[0]) == v


def test_municipalities_households_and_ages(pop: Population) -> None:
    atvks = Counter(pop.base_muni_atvk(s) for s in range(pop.size))
    assert 0.40 < atvks[places.OGRE] / pop.size < 0.52
    assert 0.40 < atvks[places.TUKUMS] / pop.size < 0.52
    elsewhere = pop.size - atvks[places.OGRE] - atvks[places.TUKUMS]
    assert 0.03 < elsewhere / pop.size < 0.15
    sizes = Counter(len(pop.household_slots(h)) for h in range(pop.household_count - 1))
    assert set(sizes) <= set(range(1, 7)) and sizes[1] > 0 and sizes[5] > 0
    ages = [
        age_on(v.birth_date, pop.today)
        for s in range(0, pop.size, 13)
        if (v := pop.person(s)) is not None
    ]
    assert min(ages) == 0 and max(ages) >= 90
    assert sum(a < 18 for a in ages) > len(ages) * 0.1
    assert sum(a >= 65 for a in ages) > len(ages) * 0.15


def test_household_shares_address_and_relations_are_symmetric(pop: Population) -> None:
    hh = pop.household("H0000000")
    assert hh is not None
    assert len({m.address.address_code for m in hh.members if m.address}) == 1
    assert all(len(m.address.address_code) == 9 for m in hh.members if m.address)
    codes = {m.person_code: m for m in hh.members}
    inverse = {"SPOUSE": "SPOUSE", "CHILD": "PARENT", "PARENT": "CHILD"}
    for m in hh.members:
        for r in m.relations:
            if r.kind in inverse:
                other = codes[r.person_code]
                assert any(
                    x.kind == inverse[r.kind] and x.person_code == m.person_code
                    for x in other.relations
                )


def test_income_bands_match_the_2026_thresholds() -> None:
    """Counted income averaged over Aug-Oct 2026 puts each household in its drawn band."""
    p = Population(42, 4000)
    p.set_today(dt.date(2027, 2, 1))  # every report of Aug-Oct 2026 has arrived
    bands: Counter[str] = Counter()
    for h in range(0, p.household_count, 3):
        hh = p.household(f"H{h:07d}")
        assert hh is not None
        total = Decimal(0)
        for m in hh.members:
            for pay in p.payments(m.person_code, "2026-08", "2026-10") or []:
                total += pay.paid_amount if pay.benefit_type in COUNTED_VSAA else 0
            minor = age_on(m.birth_date, dt.date(2026, 11, 1)) < 18
            for rec in p.income(m.person_code, "2026-08", "2026-10") or []:
                exempt = minor and rec.income_type == "SALARY"
                total += max(Decimal(0), rec.net_amount - 780) if exempt else rec.net_amount
        poor, low = thresholds(p.base_household(h).atvk, len(hh.members))
        avg = total / 3
        band = "POOR" if avg <= Decimal(str(poor)) else "LOW" if avg <= Decimal(str(low)) else "MID"
        assert band == hh.income_band
        bands[band] += 1
    n = sum(bands.values())
    assert 0.10 < bands["POOR"] / n < 0.22
    assert 0.06 < bands["LOW"] / n < 0.16


def test_facts_shapes(pop: Population) -> None:
    types: Counter[str] = Counter()
    income_types: Counter[str] = Counter()
    adult_decisions = child_decisions = 0
    for slot in range(0, 6000):
        code = pop.base_code(slot)
        for d in pop.disability(code, include_history=True) or []:
            if d.subject == "ADULT":
                adult_decisions += 1
                assert d.group in ("I", "II", "III")
                assert d.work_capacity_loss_percent is not None
                assert 25 <= d.work_capacity_loss_percent <= 100
            else:
                child_decisions += 1
                assert d.group is None and d.work_capacity_loss_percent is None
            assert (d.valid_to is None) == d.lifelong
            assert d.decision_date <= pop.today
        for pay in pop.payments(code, "2025-12", "2026-11") or []:
            types[pay.benefit_type] += 1
            assert pay.paid_amount + pay.income_tax_withheld == pay.gross_amount
            assert pay.paid_amount.as_tuple().exponent == -2
            assert pay.payment_date <= pop.today
        for rec in pop.income(code, "2025-12", "2026-11") or []:
            income_types[rec.income_type] += 1
            assert rec.net_amount + rec.taxes_withheld == rec.gross_amount
            assert rec.employer_reg_no is None or len(rec.employer_reg_no) == 11
            assert rec.month <= "2026-10"
        for job in pop.employments(code) or []:
            assert len(job.employer_reg_no) == 11 and job.employer_name
        nva = pop.nva(code)
        assert nva is not None and nva.kind in ("UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED")
    assert adult_decisions > 50 and child_decisions > 0
    for t in (
        "OLD_AGE_PENSION",
        "DISABILITY_PENSION",
        "FAMILY_STATE_BENEFIT",
        "PARENTAL_BENEFIT",
        "UNEMPLOYMENT_BENEFIT",
    ):
        assert types[t] > 0, t
    assert {"SALARY", "SELF_EMPLOYMENT"} <= set(income_types)
    assert pop.payments("00000000000", "2026-01", "2026-02") is None
    assert pop.data_complete_through("vsaa") == "2026-10"
    assert pop.data_complete_through("vid") == "2026-09"


def test_late_employer_reports_grow_the_last_month() -> None:
    p = Population(42, 3000)
    codes = [p.base_code(s) for s in range(3000)]
    before = sum(len(p.income(c, "2026-10", "2026-10") or []) for c in codes)
    p.set_today(dt.date(2027, 1, 20))
    after = sum(len(p.income(c, "2026-10", "2026-10") or []) for c in codes)
    assert 0 < before < after
    assert p.data_complete_through("vid") == "2026-11"


def test_clock_changes_persons_and_keeps_history() -> None:
    p = Population(42, 3000)
    counts = p.advance(20, change_rate=0.01)
    assert {"ADDRESS", "DEATH", "CODE", "RELATIONS", "NAME"} <= set(counts)
    kinds = Counter(e.kind for e in p.changes_since(0))
    assert sum(kinds.values()) == p.last_seq
    assert [e.seq for e in p.changes_since(0)] == list(range(1, p.last_seq + 1))
    death = next(e for e in p.changes_since(0) if e.kind == "DEATH")
    now = p.person(death.slot)
    assert now is not None and now.register_status == "PASSIVE"
    assert now.death_date == death.changed_at.date()
    before = p.person(death.slot, death.changed_at.date() - dt.timedelta(days=1))
    assert before is not None and before.register_status == "ACTIVE" and before.death_date is None
    code_change = next(e for e in p.changes_since(0) if e.kind == "CODE")
    v = p.person(code_change.slot)
    assert v is not None and v.previous_codes and is_new_format(v.person_code)
    assert p.lookup(v.previous_codes[-1]) == v and p.lookup(v.person_code) == v
    moved_out = [
        e
        for e in p.changes_since(0)
        if e.kind == "ADDRESS"
        and p.base_muni_atvk(e.slot) in places.DEMO_ATVKS
        and p.overlay.current_atvk(e.slot) != p.base_muni_atvk(e.slot)
    ]
    assert moved_out


def test_death_stops_payments_and_ends_nva() -> None:
    p = Population(42, 3000)
    p.advance(60, change_rate=0.01)
    p.set_today(dt.date(2027, 6, 1))
    deaths = [e for e in p.changes_since(0) if e.kind == "DEATH"]
    assert deaths
    for e in deaths:
        code = p.base_code(e.slot)
        month = e.changed_at.strftime("%Y-%m")
        assert all(x.month <= month for x in p.payments(code, "2026-12", "2027-05") or [])
        nva = p.nva(code)
        assert nva is not None
        if (
            nva.kind != "NOT_REGISTERED"
            and nva.since is not None
            and nva.since <= e.changed_at.date()
        ):
            assert nva.ended_on is not None


def test_reset_restores_the_seeded_state() -> None:
    p = Population(42, 2000)
    first = p.person(5)
    p.advance(10, change_rate=0.05)
    p.reset()
    assert p.last_seq == 0 and p.today == dt.date(2026, 11, 26) and p.person(5) == first


def test_sample_keeps_households_together(pop: Population) -> None:
    page, nxt = pop.sample(places.OGRE, 25)
    assert len(page) <= 25 and nxt == len(page)
    by_hh = Counter(e.household_id for e in page)
    for hid, n in by_hh.items():
        hh = pop.household(hid)
        assert hh is not None and n == sum(1 for m in hh.members if m.atvk == places.OGRE)
    page2, _ = pop.sample(places.OGRE, 25, nxt)
    assert not {e.person_code for e in page} & {e.person_code for e in page2}
    assert all(e.atvk == places.OGRE for e in page + page2)
