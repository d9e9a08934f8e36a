"""The bulk path: one large typed job with one and with two workers, peak RSS of every process,
and a table extrapolating 10,000,000 documents to N workers from what was measured.

The job is admitted and run the way `symage generate` runs it (the same Dagster job, the
in-process submitter: one process with one worker, the multiprocess executor's forkserver and step
processes with two), on the server's defaults (sharded archives). Every descendant process's peak
RSS is its kernel high-water mark (VmHWM in /proc), sampled until the job ends; each worker count
is measured in a fresh process, so no peak carries over from one measurement to the next.

Run: ``python bench/bench_bulk.py [--n 100000] [--workers 1 2]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from symage_pipeline.app.db import Database
from symage_pipeline.app.intake import GenerateRequest, create_job
from symage_pipeline.app.records import JobTracker
from symage_pipeline.catalog import load_catalog
from symage_pipeline.defs.execution import plan_execution
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings

TARGET = 10_000_000


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _peak_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            argv = cmdline.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    if "forkserver" in text:
        return "forkserver / step process"
    if "multiprocessing" in text or "spawn" in text:
        return "multiprocessing helper"
    return "run process (submitter)" if pid == os.getpid() else text[:60]


@dataclass
class RssWatch:
    """Peak RSS of this process and every descendant, sampled every 0.2 s."""

    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        tree, todo = _children(), [os.getpid()]
        while todo:
            pid = todo.pop()
            todo.extend(tree.get(pid, []))
            peak = _peak_kib(pid)
            if peak is not None:
                name = self.peaks.get(pid, (None, 0))[0] or _name(pid)
                self.peaks[pid] = (name, max(peak, self.peaks.get(pid, ("", 0))[1]))

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> RssWatch:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@dataclass
class Measured:
    workers: int
    documents: int
    wall: float
    launch: float  # run start → first make_chunk step start
    step_overhead: float  # per make_chunk step: worker starting → step start (in-process: ~0)
    chunk_docs_per_s: float  # per step, documents / seconds making them (what one core does)
    chunks: int
    shard_bundle_per_doc: float  # seconds a chunk step spends bundling its shards, per document
    bundle: float  # the bundle step: shards no chunk held whole, and the joins
    rss: dict[int, tuple[str, int]]


def _step_figures(submitter: InProcessRunSubmitter, job_id: str) -> tuple[float, float, float, int, float, float]:
    from dagster._core.storage.dagster_run import RunsFilter

    instance = submitter.instance
    (run,) = instance.get_runs(RunsFilter(tags={"dagster/partition": job_id}))
    records = [r for r in instance.all_logs(run.run_id) if r.dagster_event is not None]
    kinds = ("RUN_START", "PIPELINE_START")
    run_start = next(r.timestamp for r in records if r.dagster_event.event_type_value in kinds)
    starts = {r.step_key: r.timestamp for r in records if r.dagster_event.event_type_value == "STEP_START"}
    worker = {r.step_key: r.timestamp for r in records if r.dagster_event.event_type_value == "STEP_WORKER_STARTING"}
    chunk_keys = sorted(k for k in starts if k.startswith("make_chunk["))
    overheads = [starts[k] - worker[k] for k in chunk_keys if k in worker]
    rates, shard_costs = [], []
    for r in records:
        event = r.dagster_event
        if event.event_type_value == "STEP_OUTPUT" and r.step_key.startswith("make_chunk["):
            meta = event.step_output_data.metadata
            stages = dict(meta["stage_seconds"].value)
            documents = meta["documents"].value
            rates.append(documents / (sum(stages.values()) - stages.get("bundle", 0.0)))
            shard_costs.append(stages.get("bundle", 0.0) / documents)
    stats = {s.step_key: s for s in instance.get_run_step_stats(run.run_id)}
    bundle = stats["bundle"].end_time - stats["bundle"].start_time
    launch = min(starts[k] for k in chunk_keys) - run_start
    overhead = sum(overheads) / len(overheads) if overheads else 0.0
    return launch, overhead, sum(rates) / len(rates), len(chunk_keys), sum(shard_costs) / len(shard_costs), bundle


def measure(n: int, workers: int) -> Measured:
    with tempfile.TemporaryDirectory(prefix="symage-bulk-") as tmp:
        settings = Settings(data_dir=Path(tmp), default_credits=None, workers=workers)
        db = Database(settings.resolved_database_url)
        submitter = InProcessRunSubmitter(settings, quiet=True)
        request = GenerateRequest.model_validate({"form_id": "irs_w2_2025", "quantity": n, "seed": 11})
        with RssWatch() as watch:
            start = time.perf_counter()
            job = create_job(db=db, catalog=load_catalog(), launcher=submitter, settings=settings, user_id="bench",
                             request=request, created_via="cli").job  # fmt: skip
            assert job is not None
            tracker = JobTracker(db)
            while (current := tracker.get(job.job_id)) is not None and current.status not in ("completed", "failed"):
                time.sleep(0.2)
            wall = time.perf_counter() - start
        assert current is not None and current.status == "completed", current and current.error
        submitter.close()
        launch, overhead, rate, chunks, shard_cost, bundle = _step_figures(submitter, job.job_id)
        db.dispose()
    return Measured(workers, n, wall, launch, overhead, rate, chunks, shard_cost, bundle, watch.peaks)


def extrapolate(runs: list[Measured], settings: Settings) -> None:
    """T(N) = launch + waves × (step overhead + chunk × (1 / per-core rate + shard bundling per
    document)) + the bundle step, with the chunks the plan gives 10,000,000 documents. The chunks
    bundle their own shards (in parallel); the bundle step's measured per-document cost (its joins)
    is the serial part."""
    fanned = max(runs, key=lambda m: m.workers)
    rate = sum(m.chunk_docs_per_s for m in runs) / len(runs)
    shard_cost = fanned.shard_bundle_per_doc
    bundle_per_doc = fanned.bundle / fanned.documents
    print(f"\nextrapolation to {TARGET:,} typed W-2 (per-core rate {rate:.0f} docs/s, shard bundling in the "
          f"chunk steps {shard_cost * 1000:.2f} ms/doc, step overhead {fanned.step_overhead:.2f} s, launch "
          f"{fanned.launch:.1f} s, bundle step {bundle_per_doc * 1000:.3f} ms/doc, serial)")  # fmt: skip
    heads = ("workers", "steps", "chunk", "make (h)", "bundle (h)", "total (h)", "docs/s")
    print(" ".join(f"{h:>10}" for h in heads))
    from symage_pipeline.spec import GenerationSpec

    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=TARGET, output_formats=("pdf_typed",), seed=1)
    for workers in (1, 2, 8, 32, 128, 256):
        plan = plan_execution(spec, settings.model_copy(update={"workers": workers}))
        chunks = math.ceil(TARGET / plan.chunk_size)
        waves = math.ceil(chunks / workers)
        make = fanned.launch + waves * (fanned.step_overhead + plan.chunk_size * (1 / rate + shard_cost))
        bundle = TARGET * bundle_per_doc
        total = make + bundle
        row = (workers, chunks, plan.chunk_size, f"{make / 3600:.2f}", f"{bundle / 3600:.2f}",
               f"{total / 3600:.2f}", f"{TARGET / total:.0f}")  # fmt: skip
        print(" ".join(f"{v:>10}" for v in row))


def measure_apart(n: int, workers: int) -> Measured:
    """`measure` in a process of its own: a process's VmHWM is its lifetime's peak, so a run
    measured after another in the same process would report the earlier one's."""
    out = subprocess.run([sys.executable, __file__, "--n", str(n), "--one", str(workers)],
                         check=True, stdout=subprocess.PIPE, text=True).stdout  # fmt: skip
    fields = json.loads(out.strip().splitlines()[-1])
    fields["rss"] = {int(pid): tuple(v) for pid, v in fields["rss"].items()}
    return Measured(**fields)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one measurement, as JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(dataclasses.asdict(measure(args.n, args.one))))
        return
    runs = []
    for workers in args.workers:
        m = measure_apart(args.n, workers)
        runs.append(m)
        print(f"\n{m.documents:,} typed W-2, {workers} worker(s): {m.wall:.1f} s, {m.documents / m.wall:.0f} docs/s "
              f"end to end; {m.chunks} chunk steps at {m.chunk_docs_per_s:.0f} docs/s each; launch → first "
              f"step {m.launch:.1f} s; step start overhead {m.step_overhead:.2f} s; shard bundling in "
              f"the chunk steps {m.shard_bundle_per_doc * 1000:.2f} ms/doc; bundle step {m.bundle:.1f} s")  # fmt: skip
        print(f"  peak RSS by process ({len(m.rss)} processes):")
        by_name: dict[str, list[int]] = {}
        for name, kib in m.rss.values():
            by_name.setdefault(name, []).append(kib)
        for name, peaks in sorted(by_name.items()):
            print(f"    {name:<30} x{len(peaks):<3} max {max(peaks) / 1024:7.0f} MiB")
    if len(runs) > 1:
        one, two = runs[0], runs[-1]
        print(f"\nratio {two.workers} workers / {one.workers}: {one.wall / two.wall:.2f}x end to end")
    extrapolate(runs, Settings())


if __name__ == "__main__":
    main()
