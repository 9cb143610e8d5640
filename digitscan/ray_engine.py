"""The Ray engine: `digitscan run --engine ray` on one machine or a cluster.

The files are handed to Ray Data; a pool of actors (`PageReader`, a callable class given to
`map_batches`) each load the models once, then fetch, decode and read files on the workers;
each file's `FileResult` streams back to the driver in input order, where the same output
writer as the local pool's writes it (so `--resume`, `--errors` and progress work alike).

Each actor asks Ray for ACTOR_CPUS of a CPU, not a whole one: with every CPU reserved by an
actor, Ray Data's own tasks (handing out the file names) cannot be scheduled and a run on a
small machine never progresses. Reading one page at a time keeps an actor on one core.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from digitscan.api import ScanOptions, load_readers, read_file
from digitscan.containers import FileResult
from digitscan.cpus import usable_cpus
from digitscan.errors import DigitscanError, UsageError

RAY_EXTRA = 'pip install "digitscan[ray]"'
ACTOR_CPUS = 0.5
FILES_PER_CALL = 4  # files an actor reads per call: fewer round trips through the object store


class PageReader:
    """One Ray actor: the models loaded once, then each batch of file names read into results."""

    def __init__(self, model: Path | None, options: ScanOptions) -> None:
        cv2.setNumThreads(1)
        self.options = options
        self.readers = load_readers(model, options, threads=1)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = [pickle.dumps(read_file(str(name), self.readers, self.options)) for name in batch["source"]]
        return {"result": np.array(results, dtype=object)}


def require_ray() -> None:
    """A usage error, before any output is written, where Ray is not installed."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise UsageError(f"--engine ray needs Ray: {RAY_EXTRA}") from None


def start_ray(address: str | None, cpus: int | None) -> None:
    """Join the cluster at `address` (or RAY_ADDRESS), or start Ray on this machine."""
    require_ray()
    import ray

    if not ray.is_initialized():
        joining = address or os.environ.get("RAY_ADDRESS")
        try:
            ray.init(
                address=joining or None,
                num_cpus=None if joining else cpus,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                configure_logging=True,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(f"cannot start or join Ray at {joining or 'this machine'}: {exc}") from None


def scan_ray(
    files: list[str],
    model: Path | None,
    options: ScanOptions,
    actors: int | None = None,
    address: str | None = None,
) -> Iterator[FileResult]:
    """Files read by a pool of Ray actors (`actors`; default one per CPU of the cluster),
    yielded in input order as they finish."""
    if not files:
        return
    start_ray(address, usable_cpus())
    import ray
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its progress notes: digitscan shows its own
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # rows in input order, like the local pool
    context.enable_progress_bars = False  # digitscan shows its own
    blocks = -(-len(files) // FILES_PER_CALL)  # one block per call: results stream as soon as read
    size = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
    size = min(size, blocks)  # no actor waiting for work that is not there
    dataset = ray.data.from_items([{"source": name} for name in files], override_num_blocks=blocks)
    read = dataset.map_batches(
        PageReader,
        fn_constructor_args=(model, options),
        batch_size=FILES_PER_CALL,
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=ACTOR_CPUS,
    )
    try:
        for row in read.iter_rows():
            yield pickle.loads(row["result"])
    except ray.exceptions.RayError as exc:
        raise RayFailed(f"the Ray run failed: {str(exc).strip().splitlines()[0][:300]}") from None


class RayFailed(DigitscanError):
    """The cluster failed (an actor lost, a node gone): what was written so far is kept for --resume."""
