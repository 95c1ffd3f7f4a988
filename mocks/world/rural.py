"""Which generated households are rural: the one draw the property and rural-income registries
(VZD's land, VTUA's tractors, LAD's support, property.md §7) agree on."""

from __future__ import annotations

import random

RURAL_SHARE = 0.2  # modelled: a fifth of households live on a farm or a rural parcel


def is_rural(seed: int, household_index: int) -> bool:
    """Whether household ``household_index`` of the population seeded ``seed`` is rural."""
    return random.Random(f"{seed}:{household_index}:rural").random() < RURAL_SHARE


def registry_rng(seed: int, household_index: int, service: str) -> random.Random:
    """The RNG of one registry's part of one household: the same seed gives the same facts."""
    return random.Random(f"{seed}:{household_index}:{service}")
