"""10,000 rows × 50 mixed columns on one core: Symage's column-wise generator beside a row-by-row
Faker loop over the same schema, both ending in the same CSV bytes-on-a-buffer.

The Faker loop is what a user would write without us: one dict per row, one Faker call per cell
(`first_name()`, `ssn()`, `random_int(min, max)`, `date_between(...)`, …), `csv.DictWriter` to
write it. Its rows do not tie together (the name, email and ZIP of a row are unrelated); ours come
from the identity graph, so they do. The figure to reach: ours < 1 s and ≥ 10× Faker.

Run: ``python bench/bench_tabular.py [--rows 10000] [--repeat 3] [--json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from faker import Faker

from symage_pipeline.tabular import write_table
from symage_pipeline.tabular.spec import TabularSpec, validate_columns

# (name, type, constraints, the Faker call a user would write for it)
SCHEMA: list[tuple[str, str, dict[str, Any], Callable[[Faker], Any]]] = [
    ("first_name", "text_first_name", {}, lambda f: f.first_name()),
    ("last_name", "text_last_name", {}, lambda f: f.last_name()),
    ("full_name", "text_full_name", {}, lambda f: f.name()),
    ("ssn", "ssn", {}, lambda f: f.ssn()),
    ("dob", "identity_dob", {}, lambda f: f.date_of_birth(minimum_age=18, maximum_age=85).isoformat()),
    ("age", "identity_age", {}, lambda f: f.random_int(18, 85)),
    ("gender", "identity_gender", {}, lambda f: f.random_element(("F", "M"))),
    ("street", "address_street", {}, lambda f: f.street_address()),
    ("city", "address_city", {}, lambda f: f.city()),
    ("state", "address_state", {}, lambda f: f.state_abbr()),
    ("zip", "address_zip", {}, lambda f: f.zipcode()),
    ("phone", "phone", {}, lambda f: f.phone_number()),
    ("email", "email", {}, lambda f: f.email()),
    ("username", "username", {}, lambda f: f.user_name()),
    ("employer", "employer", {}, lambda f: f.company()),
    ("job_title", "job_title", {}, lambda f: f.job()),
    ("income", "income", {}, lambda f: f.random_int(20_000, 250_000)),
    ("hire_date", "hire_date", {}, lambda f: f.date_between(date(2005, 1, 1), date(2025, 12, 31)).isoformat()),
    ("qty", "number_integer", {"min": 1, "max": 100}, lambda f: f.random_int(1, 100)),
    ("visits", "number_integer", {"min": 0, "max": 40, "distribution_type": "poisson",
                                  "distribution_params": {"lam": 4}}, lambda f: f.random_int(0, 40)),  # fmt: skip
    ("height", "number_decimal", {"min": 150, "max": 200, "decimals": 1},
     lambda f: float(f.pydecimal(min_value=150, max_value=200, right_digits=1))),  # fmt: skip
    ("price", "currency", {"min": 1, "max": 1000}, lambda f: float(f.pydecimal(min_value=1, max_value=1000,
                                                                            right_digits=2))),  # fmt: skip
    ("discount", "percentage", {}, lambda f: round(f.pyfloat(min_value=0, max_value=100), 2)),
    ("lat", "latitude", {}, lambda f: float(f.latitude())),
    ("lon", "longitude", {}, lambda f: float(f.longitude())),
    ("active", "boolean", {"probability": 0.8}, lambda f: f.boolean(80)),
    ("signup", "date", {"start": "2020-01-01", "end": "2025-12-31"},
     lambda f: f.date_between(date(2020, 1, 1), date(2025, 12, 31)).isoformat()),  # fmt: skip
    ("last_login", "datetime", {}, lambda f: f.date_time_this_decade().isoformat(sep=" ")),
    ("login_time", "time", {}, lambda f: f.time()),
    ("uuid", "uuid", {}, lambda f: f.uuid4()),
    ("plan", "custom_enum", {"values": ["free", "pro", "team"], "weights": [6, 3, 1]},
     lambda f: f.random_elements(("free", "pro", "team"), length=1, use_weighting=True)[0]),  # fmt: skip
    ("sku", "custom_mask", {"mask": "AAA-9999"}, lambda f: f.bothify("???-####").upper()),
    ("order_id", "custom_regex", {"pattern": "ORD-[0-9]{8}"}, lambda f: f"ORD-{f.numerify('########')}"),
    ("row_id", "sequence", {}, None),  # a counter on both sides
    ("card", "credit_card", {}, lambda f: f.credit_card_number()),
    ("iban", "iban", {}, lambda f: f.iban()),
    ("routing", "aba_routing", {}, lambda f: f.aba()),
    ("ein", "ein", {}, lambda f: f.numerify("##-#######")),
    ("npi", "npi", {}, lambda f: f.numerify("##########")),
    ("isbn", "isbn13", {}, lambda f: f.isbn13()),
    ("company", "company", {}, lambda f: f.company()),
    ("domain", "domain_name", {}, lambda f: f.domain_name()),
    ("url", "url", {}, lambda f: f.url()),
    ("ip", "ip_address", {}, lambda f: f.ipv4()),
    ("mac", "mac_address", {}, lambda f: f.mac_address()),
    ("color", "color_hex", {}, lambda f: f.hex_color()),
    ("country", "country", {}, lambda f: f.country()),
    ("currency_code", "currency_code", {}, lambda f: f.currency_code()),
    ("department", "department", {}, lambda f: f.random_element(("Sales", "Finance", "Engineering", "Support"))),
    ("note", "lorem_sentence", {}, lambda f: f.sentence()),
]


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def symage_seconds(rows: int, formats: tuple[str, ...]) -> tuple[float, int]:
    spec = TabularSpec(
        columns=validate_columns([{"name": n, "type": t, "constraints": c} for n, t, c, _ in SCHEMA]),
        rows=rows,
        output_formats=formats,
        seed=7,
    )
    sinks = {fmt: io.BytesIO() for fmt in formats}
    start = time.perf_counter()
    write_table(spec, sinks)
    return time.perf_counter() - start, sum(len(s.getvalue()) for s in sinks.values())


def faker_seconds(rows: int) -> tuple[float, int]:
    fake = Faker("en_US")
    fake.seed_instance(7)
    names = [n for n, *_ in SCHEMA]
    calls = [(n, call) for n, _, _, call in SCHEMA]
    sink = io.StringIO()
    start = time.perf_counter()
    writer = csv.DictWriter(sink, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for i in range(rows):
        writer.writerow({n: (i + 1 if call is None else call(fake)) for n, call in calls})
    return time.perf_counter() - start, len(sink.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="Also time Symage writing JSON beside the CSV.")
    args = parser.parse_args()
    assert len(SCHEMA) == 50
    _pin_one_core()
    symage_seconds(1000, ("csv",))  # warm: vocabularies and the identity graph's tables load once
    ours = [symage_seconds(args.rows, ("csv",)) for _ in range(args.repeat)]
    theirs = [faker_seconds(args.rows) for _ in range(args.repeat)]
    ours_s, theirs_s = statistics.median(s for s, _ in ours), statistics.median(s for s, _ in theirs)
    print(f"tabular, {args.rows:,} rows × {len(SCHEMA)} mixed columns, one core, median of {args.repeat}")
    print(f"  symage (column-wise, CSV)   {ours_s:7.3f} s   {args.rows / ours_s:>10,.0f} rows/s   "
          f"{ours[0][1]:>11,} bytes")  # fmt: skip
    print(f"  faker row by row (CSV)      {theirs_s:7.3f} s   {args.rows / theirs_s:>10,.0f} rows/s   "
          f"{theirs[0][1]:>11,} bytes")  # fmt: skip
    if args.json:
        both = statistics.median(symage_seconds(args.rows, ("csv", "json"))[0] for _ in range(args.repeat))
        print(f"  symage (CSV + JSON)         {both:7.3f} s")
    ratio = theirs_s / ours_s
    print(f"  ratio faker / symage        {ratio:7.1f}×   (target ≥ 10×, symage < 1 s: "
          f"{'met' if ratio >= 10 and ours_s < 1 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
