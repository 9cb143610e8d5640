"""The local pool against the Ray engine, on the same pages, in one run.

    python benchmarks/engines.py --pages 100 --data ../shared/datasets/mnist

Generates form pages (as benchmarks/run.py does), then times `digitscan run` with
`--workers 2` and with `--engine ray --workers 2` (two actors on a local Ray started by the
run): on one page (start-up: interpreter, models, Ray) and on all of them; pages/s with the
start-up taken out; the peak resident memory of each reading process (a local worker, a Ray
actor) and of the whole process tree. Checks that both wrote the same rows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from run import generate, tree_rss


def process_rss(marker: str) -> list[int]:
    """Resident memory (bytes) of every process whose command line holds `marker`."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker not in (proc / "cmdline").read_bytes().decode(errors="replace"):
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) * 1024)
        except OSError:
            continue
    return sizes


def timed_run(inputs: list[str], engine: list[str], out: Path, marker: str) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "digitscan",
        "run",
        *inputs,
        *engine,
        "--workers",
        "2",
        "--out",
        str(out),
        "-q",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_tree, peak_worker = 0, 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_worker
        while not stop.is_set():
            peak_tree = max(peak_tree, tree_rss(process.pid))
            peak_worker = max([peak_worker, *process_rss(marker)])
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    return {"seconds": time.perf_counter() - started, "tree": peak_tree, "worker": peak_worker}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder")
    args = parser.parse_args()
    engines = {
        "local pool, --workers 2": (["--engine", "local"], "multiprocessing.spawn"),
        "Ray, 2 actors": (["--engine", "ray"], "MapWorker"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        generate(folder, args.pages, args.data, args.seed)
        files = sorted(str(p) for p in folder.iterdir() if p.suffix != ".csv")
        rows = {}
        print(f"{len(files)} pages; seconds and memory of each whole `digitscan run`")
        print(
            "| engine | start-up (1 page) | all pages | pages/s after start-up "
            "| per reader, peak RSS | whole tree, peak RSS |"
        )
        print("|---|---|---|---|---|---|")
        for k, (name, (flags, marker)) in enumerate(engines.items()):
            one = timed_run(files[:1], flags, Path(tmp) / f"one-{k}.csv", marker)
            everything = timed_run(files, flags, Path(tmp) / f"all-{k}.csv", marker)
            rows[name] = (Path(tmp) / f"all-{k}.csv").read_bytes()
            rate = (len(files) - 1) / max(1e-9, everything["seconds"] - one["seconds"])
            print(
                f"| {name} | {one['seconds']:.1f} s | {everything['seconds']:.1f} s | {rate:.2f} "
                f"| {everything['worker'] / 2**20:.0f} MB | {everything['tree'] / 2**20:.0f} MB |"
            )
        same = len(set(rows.values())) == 1
        print(f"same rows from both engines: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
