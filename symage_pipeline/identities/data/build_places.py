"""Rebuild ``places.json`` (not imported at run time; kept so the table can be regenerated).

Sources, both public: ZIP code → city/state from the geocoder.us ZIP database as shipped by the
``pyzipcode`` package (CC BY-SA 2.0), and area code / exchange → place from Google's
libphonenumber geocoding data as shipped by the ``phonenumbers`` package (Apache-2.0).

The number of telephone exchanges a city holds is the population proxy used to weight cities
within a state; states themselves are weighted by census population elsewhere.

Usage: ``python build_places.py PYZIPCODE_DB PHONENUMBERS_DIR > places.json``
"""

from __future__ import annotations

import collections
import json
import re
import sqlite3
import sys

STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip
STATES = frozenset(STATE_NAMES.values())
CITIES_PER_STATE = 14
ZIPS_PER_CITY = 8
_PLACE = re.compile(r"^(.+), ([A-Z]{2})$")


def _state_of(name: str) -> str | None:
    if name in STATE_NAMES:
        return STATE_NAMES[name]
    m = _PLACE.match(name)
    return m.group(2) if m and m.group(2) in STATES else None


def build(db_path: str, phonenumbers_dir: str) -> dict:
    sys.path.insert(0, phonenumbers_dir)
    from phonenumbers.geodata import GEOCODE_DATA  # type: ignore[import-not-found]

    us = {k[1:]: v["en"] for k, v in GEOCODE_DATA.items() if k.startswith("1") and "en" in v}
    npa_votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    exchanges: collections.Counter = collections.Counter()  # (city, state, npa) -> exchanges
    for prefix, name in us.items():
        state = _state_of(name)
        if state is None:
            continue
        npa_votes[prefix[:3]][state] += 1 if len(prefix) > 3 else 1000
        m = _PLACE.match(name)
        if m and len(prefix) == 6:
            exchanges[(m.group(1), state, prefix[:3])] += 1
        elif len(prefix) == 3 and (m or name == "Washington D.C."):
            # A whole area code named after one city (212 New York, 202 Washington): a big place.
            exchanges[(m.group(1) if m else "Washington", state, prefix)] += 100
    area_codes = {npa: votes.most_common(1)[0][0] for npa, votes in sorted(npa_votes.items()) if len(npa) == 3}

    zips: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    zip3: dict[str, set[str]] = collections.defaultdict(set)
    with sqlite3.connect(db_path) as conn:
        for z, city, state in conn.execute("select zip, city, state from ZipCodes order by zip"):
            if state in STATES:
                zips[(city.title(), state)].append(z)
                zip3[z[:3]].add(state)

    cities: dict[tuple[str, str], dict] = {}
    for (city, state, npa), n in exchanges.items():
        if area_codes.get(npa) != state or (city, state) not in zips:
            continue
        entry = cities.setdefault((city, state), {"weight": 0, "npas": collections.Counter()})
        entry["weight"] += n
        entry["npas"][npa] += n
    by_state: dict[str, list] = collections.defaultdict(list)
    for (city, state), entry in cities.items():
        main = [npa for npa, n in entry["npas"].most_common() if n * 5 >= entry["weight"]]
        zs = zips[(city, state)]
        step = max(1, len(zs) // ZIPS_PER_CITY)
        by_state[state].append([city, entry["weight"], sorted(main), zs[::step][:ZIPS_PER_CITY]])
    places = {
        state: sorted(rows, key=lambda r: (-r[1], r[0]))[:CITIES_PER_STATE] for state, rows in sorted(by_state.items())
    }
    return {
        "columns": ["city", "weight", "area_codes", "zips"],
        "places": places,
        "area_code_state": area_codes,
        "zip3_states": {k: sorted(v) for k, v in sorted(zip3.items())},
    }


if __name__ == "__main__":
    json.dump(build(sys.argv[1], sys.argv[2]), sys.stdout, separators=(",", ":"), sort_keys=True)
