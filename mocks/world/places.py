"""Municipalities, settlements and streets of the synthetic population, and address codes.

Faker's ``lv_LV`` addresses are not Latvian, so addresses are built here from real street names
of real settlements. The ATVK codes of the two demo municipalities are those of the demo world
(``spec/README.md``); the other ATVKs are derived the same way (2021 classifier, novadi numbered
alphabetically from 20; Rīga 001) and are illustrative only. Postal codes are illustrative too.

An address code is a stable 9-digit number computed from the address's position in these
tables (a bijective scramble), so the same address always has the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OGRE = "0040000"
TUKUMS = "0051000"


@dataclass(frozen=True)
class Settlement:
    """A town or village with its postal code and streets."""

    name: str
    postal_code: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Municipality:
    """A municipality (novads or city) with its ATVK and settlements."""

    atvk: str
    name: str
    short: str
    settlements: tuple[Settlement, ...]


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality(
        OGRE,
        "Ogres novads",
        "Ogres nov.",
        (
            Settlement(
                "Ogre",
                "LV-5001",
                (
                    "Brīvības iela",
                    "Rīgas iela",
                    "Skolas iela",
                    "Mednieku iela",
                    "Zinību iela",
                    "Mālkalnes prospekts",
                    "Zilokalnu prospekts",
                    "Meža prospekts",
                    "Upes prospekts",
                    "Jaunogres prospekts",
                    "Kalnu prospekts",
                    "Tīnūžu iela",
                    "Turaidas iela",
                    "Krasta iela",
                    "Akmeņu iela",
                    "Bērzu iela",
                    "Parka iela",
                    "Celulozes iela",
                ),
            ),
            Settlement(
                "Ikšķile",
                "LV-5052",
                (
                    "Rīgas iela",
                    "Skolas iela",
                    "Birzes iela",
                    "Tīnūžu iela",
                    "Ausekļa iela",
                    "Peldu iela",
                    "Ceriņu iela",
                ),
            ),
            Settlement(
                "Ķegums",
                "LV-5020",
                (
                    "Lāčplēša iela",
                    "Rīgas iela",
                    "Ozolu iela",
                    "Skolas iela",
                    "Staru iela",
                ),
            ),
            Settlement(
                "Lielvārde",
                "LV-5070",
                (
                    "Lāčplēša iela",
                    "Raiņa iela",
                    "Parka iela",
                    "Avotu iela",
                    "Ceriņu iela",
                    "Edgara Kauliņa aleja",
                ),
            ),
        ),
    ),
    Municipality(
        TUKUMS,
        "Tukuma novads",
        "Tukuma nov.",
        (
            Settlement(
                "Tukums",
                "LV-3101",
                (
                    "Pils iela",
                    "Talsu iela",
                    "Kurzemes iela",
                    "Lielā iela",
                    "Raudas iela",
                    "Jelgavas iela",
                    "Kuldīgas iela",
                    "Slimnīcas iela",
                    "Stacijas iela",
                    "Zemītes iela",
                    "Harmonijas iela",
                    "Elizabetes iela",
                    "Dārza iela",
                    "Meža iela",
                    "Viestura iela",
                    "Parka iela",
                ),
            ),
            Settlement(
                "Kandava",
                "LV-3120",
                (
                    "Lielā iela",
                    "Sabiles iela",
                    "Talsu iela",
                    "Kūrorta iela",
                    "Ozolu iela",
                    "Sporta iela",
                ),
            ),
            Settlement(
                "Engure",
                "LV-3113",
                (
                    "Jūras iela",
                    "Ostas iela",
                    "Skolas iela",
                    "Zvejnieku iela",
                ),
            ),
            Settlement("Smārde", "LV-3129", ("Skolas iela", "Dārza iela", "Liepu iela")),
            Settlement("Jaunpils", "LV-3145", ("Pils iela", "Skolas iela", "Dzirnavu iela")),
        ),
    ),
    Municipality(
        "0010000",
        "Rīga",
        "Rīga",
        (
            Settlement(
                "Rīga",
                "LV-1010",
                (
                    "Brīvības iela",
                    "Krišjāņa Barona iela",
                    "Elizabetes iela",
                    "Maskavas iela",
                    "Lāčplēša iela",
                    "Ganību dambis",
                ),
            ),
        ),
    ),
    Municipality(
        "0030000",
        "Jelgavas novads",
        "Jelgavas nov.",
        (Settlement("Ozolnieki", "LV-3018", ("Stadiona iela", "Jelgavas iela", "Saules iela")),),
    ),
    Municipality(
        "0034000",
        "Ķekavas novads",
        "Ķekavas nov.",
        (Settlement("Ķekava", "LV-2123", ("Rīgas iela", "Gaismas iela", "Nākotnes iela")),),
    ),
    Municipality(
        "0045000",
        "Salaspils novads",
        "Salaspils nov.",
        (Settlement("Salaspils", "LV-2121", ("Rīgas iela", "Miera iela", "Skolas iela")),),
    ),
    Municipality(
        "0050000",
        "Talsu novads",
        "Talsu nov.",
        (Settlement("Talsi", "LV-3201", ("Lielā iela", "Ūdens iela", "Kalna iela")),),
    ),
    Municipality(
        "0039000",
        "Mārupes novads",
        "Mārupes nov.",
        (Settlement("Mārupe", "LV-2167", ("Daugavas iela", "Mazcenu aleja", "Lielā iela")),),
    ),
)

BY_ATVK: dict[str, int] = {m.atvk: i for i, m in enumerate(MUNICIPALITIES)}
DEMO_ATVKS = (OGRE, TUKUMS)
OTHER_ATVKS = tuple(m.atvk for m in MUNICIPALITIES if m.atvk not in DEMO_ATVKS)

# Bijective scramble of the address ordinal into 100000000..999999999 (gcd(_MULT, _SPAN) == 1).
_SPAN = 900_000_000
_MULT = 715_827_883


@dataclass(frozen=True, slots=True)
class Address:
    """A declared address: the 9-digit address code, ATVK, display text and validity start."""

    address_code: str
    atvk: str
    text: str
    valid_from: dt.date


def address_ordinal(muni: int, settlement: int, street: int, house: int, flat: int) -> int:
    """Position of an address in the tables (each part bounded: 16/16/64/128/128)."""
    return (((muni * 16 + settlement) * 64 + street) * 128 + house) * 128 + flat


def address_code(ordinal: int) -> str:
    """Stable 9-digit address code of an address ordinal."""
    return str(100_000_000 + (ordinal * _MULT + 12_345_679) % _SPAN)


def address_text(muni: int, settlement: int, street: int, house: int, flat: int) -> str:
    """Display text: ``Brīvības iela 12-5, Ogre, Ogres nov., LV-5001``."""
    m = MUNICIPALITIES[muni]
    s = m.settlements[settlement]
    number = f"{house}-{flat}" if flat else str(house)
    place = s.name if s.name == m.name else f"{s.name}, {m.short}"
    return f"{s.streets[street]} {number}, {place}, {s.postal_code}"
