"""A deterministic inventory of orderable numbers.

Every valid NPA (area code) holds the same numbers on every run: five exchanges derived from
the NPA, 200 lines each. Well-known NPAs carry a city, rate center, state and LATA; ZIP codes and
cities map to NPAs deterministically. Toll-free NPAs (8XX) are searched by wildcard or vanity.
Numbers ending in ``0666`` are never offered and always fail when ordered (see numbers/orders.py).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass

LINES_PER_EXCHANGE = 200
EXCHANGES_PER_NPA = 5
TOLL_FREE_NPAS = ("800", "833", "844", "855", "866", "877", "888")
FAILING_LINE = "0666"
KEYPAD = {
    **dict.fromkeys("ABC", "2"),
    **dict.fromkeys("DEF", "3"),
    **dict.fromkeys("GHI", "4"),
    **dict.fromkeys("JKL", "5"),
    **dict.fromkeys("MNO", "6"),
    **dict.fromkeys("PQRS", "7"),
    **dict.fromkeys("TUV", "8"),
    **dict.fromkeys("WXYZ", "9"),
}


@dataclass(frozen=True)
class Locality:
    city: str
    state: str
    lata: str


LOCALITIES: dict[str, Locality] = {
    "201": Locality("JERSEY CITY", "NJ", "224"),
    "202": Locality("WASHINGTON", "DC", "236"),
    "203": Locality("NEW HAVEN", "CT", "920"),
    "205": Locality("BIRMINGHAM", "AL", "476"),
    "206": Locality("SEATTLE", "WA", "674"),
    "207": Locality("PORTLAND", "ME", "120"),
    "208": Locality("BOISE", "ID", "652"),
    "212": Locality("NEW YORK", "NY", "132"),
    "213": Locality("LOS ANGELES", "CA", "730"),
    "214": Locality("DALLAS", "TX", "552"),
    "215": Locality("PHILADELPHIA", "PA", "228"),
    "302": Locality("WILMINGTON", "DE", "238"),
    "303": Locality("DENVER", "CO", "656"),
    "304": Locality("CHARLESTON", "WV", "248"),
    "305": Locality("MIAMI", "FL", "460"),
    "307": Locality("CHEYENNE", "WY", "670"),
    "310": Locality("LOS ANGELES", "CA", "730"),
    "312": Locality("CHICAGO", "IL", "358"),
    "313": Locality("DETROIT", "MI", "340"),
    "314": Locality("ST LOUIS", "MO", "520"),
    "316": Locality("WICHITA", "KS", "532"),
    "317": Locality("INDIANAPOLIS", "IN", "336"),
    "401": Locality("PROVIDENCE", "RI", "126"),
    "402": Locality("OMAHA", "NE", "644"),
    "404": Locality("ATLANTA", "GA", "438"),
    "405": Locality("OKLAHOMA CITY", "OK", "536"),
    "406": Locality("BILLINGS", "MT", "648"),
    "410": Locality("BALTIMORE", "MD", "238"),
    "414": Locality("MILWAUKEE", "WI", "352"),
    "415": Locality("SAN FRANCISCO", "CA", "722"),
    "435": Locality("CEDAR CITY", "UT", "660"),
    "501": Locality("LITTLE ROCK", "AR", "528"),
    "502": Locality("LOUISVILLE", "KY", "462"),
    "503": Locality("PORTLAND", "OR", "672"),
    "504": Locality("NEW ORLEANS", "LA", "490"),
    "505": Locality("ALBUQUERQUE", "NM", "664"),
    "512": Locality("AUSTIN", "TX", "558"),
    "515": Locality("DES MOINES", "IA", "632"),
    "601": Locality("JACKSON", "MS", "482"),
    "602": Locality("PHOENIX", "AZ", "666"),
    "603": Locality("MANCHESTER", "NH", "122"),
    "605": Locality("SIOUX FALLS", "SD", "640"),
    "612": Locality("MINNEAPOLIS", "MN", "628"),
    "614": Locality("COLUMBUS", "OH", "324"),
    "615": Locality("NASHVILLE", "TN", "470"),
    "617": Locality("BOSTON", "MA", "128"),
    "646": Locality("NEW YORK", "NY", "132"),
    "701": Locality("FARGO", "ND", "636"),
    "702": Locality("LAS VEGAS", "NV", "721"),
    "704": Locality("CHARLOTTE", "NC", "422"),
    "713": Locality("HOUSTON", "TX", "560"),
    "801": Locality("SALT LAKE CITY", "UT", "660"),
    "802": Locality("BURLINGTON", "VT", "124"),
    "803": Locality("COLUMBIA", "SC", "434"),
    "804": Locality("RICHMOND", "VA", "248"),
    "808": Locality("HONOLULU", "HI", "834"),
    "907": Locality("ANCHORAGE", "AK", "832"),
    "919": Locality("RALEIGH", "NC", "426"),
    "984": Locality("RALEIGH", "NC", "426"),
}

ZIP_PREFIXES: dict[str, str] = {
    "100": "212",
    "101": "646",
    "021": "617",
    "200": "202",
    "230": "804",
    "276": "919",
    "275": "984",
    "282": "704",
    "303": "404",
    "331": "305",
    "606": "312",
    "787": "512",
    "802": "303",
    "841": "801",
    "900": "213",
    "941": "415",
    "981": "206",
}


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def is_valid_npa(npa: str) -> bool:
    """NANP geographic rules: [2-9][0-9][0-9], not N11, not 555, not 9XX-reserved 950/958/959."""
    if len(npa) != 3 or not npa.isdigit() or npa[0] in "01":
        return False
    return npa[1:] != "11" and npa not in ("555", "950", "958", "959")


def is_toll_free_npa(npa: str) -> bool:
    return npa in TOLL_FREE_NPAS


def exchanges(npa: str) -> list[str]:
    generator = random.Random(_digest("nxx" + npa))
    chosen: list[str] = []
    while len(chosen) < EXCHANGES_PER_NPA:
        nxx = str(generator.randint(200, 999))
        if nxx[1:] != "11" and nxx != "555" and nxx not in chosen:
            chosen.append(nxx)
    return sorted(chosen)


def lines(npa: str, nxx: str) -> list[str]:
    generator = random.Random(_digest("line" + npa + nxx))
    picked = generator.sample(range(10_000), LINES_PER_EXCHANGE + 1)
    return [f"{n:04d}" for n in sorted(picked) if f"{n:04d}" != FAILING_LINE][:LINES_PER_EXCHANGE]


def numbers_in_npa(npa: str) -> Iterator[str]:
    """Ten-digit numbers, in a stable order."""
    for nxx in exchanges(npa):
        for line in lines(npa, nxx):
            yield npa + nxx + line


def toll_free_numbers() -> Iterator[str]:
    for npa in TOLL_FREE_NPAS:
        yield from numbers_in_npa(npa)


def locality(number: str) -> Locality | None:
    return LOCALITIES.get(number[:3])


def npas_for_state(state: str) -> list[str]:
    return sorted(npa for npa, place in LOCALITIES.items() if place.state == state.upper())


def npas_for_city(city: str, state: str) -> list[str]:
    """Known cities map to their NPAs; any other city of a known state maps to one of the
    state's NPAs, chosen from the city's name."""
    state_npas = npas_for_state(state)
    if not state_npas:
        return []
    matches = [n for n in state_npas if LOCALITIES[n].city == city.upper()]
    return matches or [state_npas[_digest(city.upper()) % len(state_npas)]]


def npas_for_rate_center(rate_center: str, state: str) -> list[str]:
    return npas_for_city(rate_center, state)


def npas_for_lata(lata: str) -> list[str]:
    return sorted(npa for npa, place in LOCALITIES.items() if place.lata == lata)


def npa_for_zip(zip_code: str) -> str | None:
    if len(zip_code) < 5 or not zip_code[:5].isdigit():
        return None
    known = ZIP_PREFIXES.get(zip_code[:3])
    if known:
        return known
    npas = sorted(LOCALITIES)
    return npas[_digest(zip_code[:5]) % len(npas)]


def vanity_digits(text: str) -> str | None:
    digits = []
    for char in text.upper():
        if char.isdigit():
            digits.append(char)
        elif char in KEYPAD:
            digits.append(KEYPAD[char])
        else:
            return None
    return "".join(digits)


def toll_free_vanity_numbers(vanity: str) -> list[str]:
    """For each toll-free NPA, the number whose last digits spell ``vanity`` (padded with a
    deterministic prefix when shorter than seven digits)."""
    digits = vanity_digits(vanity)
    if digits is None or not 4 <= len(digits) <= 7:
        return []
    numbers = []
    for npa in TOLL_FREE_NPAS:
        pad_source = str(_digest(npa + digits)).rjust(7, "2")
        padding = pad_source[: 7 - len(digits)].replace("0", "2").replace("1", "3")
        numbers.append(npa + padding + digits)
    return numbers


def toll_free_wildcard_matches(pattern: str) -> list[str]:
    return [
        npa
        for npa in TOLL_FREE_NPAS
        if all(p in ("*", n) for p, n in zip(pattern, npa, strict=True))
    ]
