"""How a job is cut into steps: few large chunks, a step count that does not grow with the quantity."""

import pytest

from symage_pipeline.defs.execution import plan_execution
from symage_pipeline.spec import GenerationSpec


def w2(quantity: int) -> GenerationSpec:
    return GenerationSpec(form_ids=("irs_w2_2025",), quantity=quantity, output_formats=("pdf_typed",), seed=1)


def steps(spec: GenerationSpec, plan) -> int:
    return -(-spec.quantity // plan.chunk_size)


def test_small_jobs_run_in_one_process_in_small_chunks(settings) -> None:
    two = settings.model_copy(update={"workers": 2})
    plan = plan_execution(w2(999), two)
    assert plan.executor_config() == {"in_process": {}}
    assert plan.chunk_size == two.min_chunk_documents
    # from 1,000 the second core saves more than the fanned-out steps' starts cost
    assert plan_execution(w2(1_000), two).executor_config()["multiprocess"]["max_concurrent"] == 2


def test_the_threshold_counts_work_so_costlier_documents_fan_out_sooner(settings) -> None:
    two = settings.model_copy(update={"workers": 2})

    def fans_out(quantity: int, formats: list[str], **config: str) -> bool:
        spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=quantity, output_formats=tuple(formats),
                              seed=1, config=config)  # fmt: skip
        return plan_execution(spec, two).multiprocess

    assert not fans_out(999, ["pdf_typed"]) and fans_out(999, ["pdf_handwritten"])
    assert not fans_out(333, ["pdf_handwritten"]) and fans_out(334, ["pdf_handwritten"])
    assert not fans_out(99, ["pdf_typed", "png_typed"]) and fans_out(100, ["pdf_typed", "png_typed"])
    assert not fans_out(49, ["pdf_typed", "png_typed"], degradation_profile="scanned")
    assert fans_out(50, ["pdf_typed", "png_typed"], degradation_profile="scanned")
    assert not fans_out(99, ["pdf_typed", "png_typed"], degradation_profile="clean")


def test_a_costly_job_that_fans_out_gives_every_worker_a_chunk(settings) -> None:
    """The chunk floor counts work too: 200 PNG or scanned documents fan out for their work, and
    one chunk of them (the typed floor, 250 documents) would leave the second worker idle."""
    two = settings.model_copy(update={"workers": 2})
    for config in ({"dpi": 150}, {"degradation_profile": "scanned"}):
        spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=200, output_formats=("pdf_typed", "png_typed"),
                              seed=1, config=config)  # fmt: skip
        plan = plan_execution(spec, two)
        assert plan.multiprocess and steps(spec, plan) == 2
    assert plan_execution(w2(1_200), two).chunk_size == 600  # typed: two chunks, above the floor


def test_a_fanned_out_job_gives_each_worker_one_large_step(settings) -> None:
    two = settings.model_copy(update={"workers": 2})
    plan = plan_execution(w2(10_000), two)
    assert plan.executor_config()["multiprocess"]["max_concurrent"] == 2
    assert plan.chunk_size == 5_000 and steps(w2(10_000), plan) == 2


@pytest.mark.parametrize("quantity", [100_000, 1_000_000, 10_000_000])
@pytest.mark.parametrize("workers", [1, 2, 64])
def test_the_step_count_is_bounded_whatever_the_quantity(settings, quantity: int, workers: int) -> None:
    config = settings.model_copy(update={"workers": workers})
    spec = w2(quantity)
    plan = plan_execution(spec, config)
    assert steps(spec, plan) <= config.max_chunks
    assert plan.chunk_size <= config.max_chunk_documents  # what a failed step redoes
    assert steps(spec, plan) >= min(workers, config.max_chunks)  # every worker has a step


def test_chunks_count_items_so_every_form_of_an_item_is_in_one_chunk(settings) -> None:
    spec = GenerationSpec(form_ids=("irs_w2_2025", "irs_f1040_2024"), quantity=10_000,
                          output_formats=("pdf_typed",), seed=1)  # fmt: skip
    plan = plan_execution(spec, settings.model_copy(update={"workers": 2}))
    assert plan.chunk_size == 5_000  # items: 10,000 documents each of two chunks


# A step process forked from the forkserver opens the run's Dagster instance first. Run in a fresh
# interpreter: the preload's imports, then the instance, reporting what opening it still imported.
_OPEN_INSTANCE = """
import importlib, json, sys
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
failed = []
for name in sys.argv[2].split(","):
    try:
        importlib.import_module(name)
    except ImportError:
        failed.append(name)
before = set(sys.modules)
with DagsterInstance.from_ref(InstanceRef.from_dir(sys.argv[1])) as instance:
    instance.get_runs(limit=1)
print(json.dumps({"failed": failed, "imported": sorted(set(sys.modules) - before)}))
"""


def test_a_step_process_opens_its_instance_without_importing_anything(settings, tmp_path) -> None:
    """The forkserver's preload holds what the instance's storage needs: a step that imported it
    itself spent 0.5-0.7 s of its start on that. A preload module a Dagster upgrade renamed would be
    skipped silently by the forkserver, so each must import."""
    import json
    import subprocess
    import sys

    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from symage_pipeline.defs.execution import preload_modules
    from symage_pipeline.defs.instance import write_dagster_home

    home = write_dagster_home(settings)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        instance.get_runs(limit=1)  # the storage exists, as it does before any step runs
    plan = plan_execution(w2(10_000), settings.model_copy(update={"workers": 2}))
    modules = plan.executor_config()["multiprocess"]["start_method"]["forkserver"]["preload_modules"]
    assert tuple(modules) == preload_modules(settings)
    out = subprocess.run([sys.executable, "-c", _OPEN_INSTANCE, str(home), ",".join(modules)],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    report = json.loads(out.strip().splitlines()[-1])
    assert report["failed"] == []
    # stdlib helpers that importlib.resources loads on first use are all that may remain
    assert [m for m in report["imported"] if not m.startswith("importlib.")] == []


def test_postgresql_and_s3_modules_are_preloaded_only_where_they_are_used(settings) -> None:
    from symage_pipeline.defs.execution import POSTGRES_INSTANCE_MODULES, S3_MODULES, preload_modules

    embedded = preload_modules(settings)
    assert not set(POSTGRES_INSTANCE_MODULES + S3_MODULES) & set(embedded)
    production = settings.model_copy(update={"dagster_postgres_url": "postgresql://127.0.0.1/test",
                                             "storage_url": "s3://bucket/prefix"})  # fmt: skip
    assert set(preload_modules(production)) == set(embedded) | set(POSTGRES_INSTANCE_MODULES + S3_MODULES)


def test_the_daemon_looks_at_the_run_queue_twice_a_second(settings) -> None:
    """A queued job waits for the daemon's next look at the queue: half a second at most, where
    Dagster's whole-second interval made it a second. Limits stay Dagster's."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef
    from dagster._daemon.controller import create_daemon_of_type
    from dagster._daemon.run_coordinator import QueuedRunCoordinatorDaemon

    from symage_pipeline.defs.instance import write_dagster_home
    from symage_pipeline.defs.run_coordinator import PromptRunCoordinator

    home = write_dagster_home(settings.model_copy(update={"max_concurrent_runs": 3}))
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, PromptRunCoordinator)
        assert coordinator.dequeue_interval_seconds == 0.5
        assert coordinator.get_run_queue_config().max_concurrent_runs == 3
        daemon = create_daemon_of_type(QueuedRunCoordinatorDaemon.daemon_type(), instance)
        assert daemon.interval_seconds == 0.5


def test_an_interval_below_the_daemons_sleep_step_is_the_step() -> None:
    from symage_pipeline.defs.run_coordinator import DAEMON_SLEEP_SECONDS, PromptRunCoordinator

    assert PromptRunCoordinator(dequeue_interval_seconds=0.1).dequeue_interval_seconds == DAEMON_SLEEP_SECONDS
    assert PromptRunCoordinator(dequeue_interval_seconds=2).dequeue_interval_seconds == 2.0


_FROZEN_IN_A_STEP = """
import gc, multiprocessing, sys
context = multiprocessing.get_context("forkserver")
context.set_forkserver_preload(["json", sys.argv[1]])
with context.Pool(1) as pool:
    print(pool.apply(gc.get_freeze_count))
"""


def test_steps_fork_from_a_heap_the_collector_leaves_alone(settings) -> None:
    """The forkserver's last preload freezes what the others made, so a step's collections never
    copy the inherited heap page by page (defs/freeze_heap.py). In a process of its own: a
    forkserver is one per process, and this one must not be the one later tests' steps fork from."""
    import subprocess
    import sys

    from symage_pipeline.defs.execution import FREEZE_MODULE, preload_modules

    assert preload_modules(settings)[-1] == FREEZE_MODULE
    out = subprocess.run([sys.executable, "-c", _FROZEN_IN_A_STEP, FREEZE_MODULE],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert int(out.split()[-1]) > 1_000
