"""Identities with full financials per second on one core, next to plain ``Faker().profile()``.

"Full financials" is the whole identity graph record: person, household, address with agreeing
ZIP/area code, employer, job and pay, W-4, the payroll year that becomes the W-2 boxes, 1099
income, bank account and health plan.  It is what ``POST /identities`` returns and what every
document of a packet is drawn from.  ``Faker().profile()`` (name, SSN, address, job, company,
birth date, ...; no finances, nothing that ties together) is the per-record baseline.

Run: ``python bench/bench_identities.py [--n 20000] [--faker-n 2000] [--batch 1000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import time

from faker import Faker

from symage_pipeline.identities import build_packet, make_identities


def _pin_one_core() -> None:
    """Measure one core, as the target is stated per core."""
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def identities_per_second(n: int, batch: int, seed: int) -> float:
    start = time.perf_counter()
    for lo in range(0, n, batch):
        make_identities(seed, lo, min(lo + batch, n))
    return n / (time.perf_counter() - start)


def packets_per_second(n: int, batch: int, seed: int) -> float:
    """Identity + the W-2/1040 packet (the 2024 return computed in Decimal), as a W-2 + 1040 job needs."""
    start = time.perf_counter()
    for lo in range(0, n, batch):
        for identity in make_identities(seed, lo, min(lo + batch, n)):
            build_packet(identity, sections=("w2", "f1040"))
    return n / (time.perf_counter() - start)


def faker_per_second(n: int, seed: int, method: str = "profile") -> float:
    fake = Faker()
    fake.seed_instance(seed)
    make = getattr(fake, method)
    start = time.perf_counter()
    for _ in range(n):
        make()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="identities per run")
    parser.add_argument("--faker-n", type=int, default=2000, help="Faker profiles per run")
    parser.add_argument("--batch", type=int, default=1000, help="identities per call (a chunk, or one API request)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _pin_one_core()
    make_identities(args.seed, 0, 100)  # warm-up: tables, imports
    gc.collect()
    ours, packets, faker, simple = [], [], [], []
    for _ in range(args.repeat):  # interleaved, so all see the same machine
        ours.append(identities_per_second(args.n, args.batch, args.seed))
        faker.append(faker_per_second(args.faker_n, args.seed))
        simple.append(faker_per_second(args.faker_n, args.seed, "simple_profile"))
        packets.append(packets_per_second(args.n // 4, args.batch, args.seed))
    o, p = statistics.median(ours), statistics.median(packets)
    f, s = statistics.median(faker), statistics.median(simple)
    print(f"one core, median of {args.repeat} interleaved runs")
    print(f"symage identities with full financials: {o:9,.0f} /s  ({1e6 / o:6.1f} us each; runs {_runs(ours)})")
    print(f"  ... plus W-2 + 1040 packet:           {p:9,.0f} /s  ({1e6 / p:6.1f} us each; runs {_runs(packets)})")
    print(f"Faker().profile():                      {f:9,.0f} /s  ({1e6 / f:6.1f} us each; runs {_runs(faker)})")
    print(f"Faker().simple_profile():               {s:9,.0f} /s  ({1e6 / s:6.1f} us each; runs {_runs(simple)})")
    print(f"ratio identities / Faker().profile(): {o / f:.1f}x; / simple_profile(): {o / s:.1f}x")
    print(f"target >= 20,000 identities/s: {'met' if o >= 20000 else 'NOT met'} ({o / 20000:.0%} of target)")


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


if __name__ == "__main__":
    main()
