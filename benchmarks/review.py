"""The review station's speed: Enter to the next image, and requests/s with 4 reviewers.

    python benchmarks/review.py --pages 20 --data ../shared/datasets/mnist

Generates 300-dpi form pages, reads them with `--min-confidence 1` (every string flagged, so
there is plenty to review), serves them with `digitscan review`, then:
- drives Debian's Chromium with Playwright, pressing Enter on 40 strings in turn, and reads the
  page's own measure of each: from the key press to the next string's image loaded;
- lets 4 reviewers (threads, each its own HTTP client, loopback only) work through the rest as
  fast as they can: next string, its image, save; requests/s over the whole run, and a check
  that no string was handed to two of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from digitscan.data import load_mnist
from digitscan.synth import SampleFile, generate_samples

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def serve(results: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "digitscan", "review", str(results), "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    return process, process.stdout.readline().split()[2]


def enter_to_next_image(url: str, presses: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function(
            "document.getElementById('crop').src && document.getElementById('crop').complete"
        )
        times = []
        for _ in range(presses):
            page.evaluate("window.lastSwitchMs = null")
            page.keyboard.press("Enter")
            page.wait_for_function("window.lastSwitchMs !== null")
            times.append(page.evaluate("window.lastSwitchMs"))
        browser.close()
    return times


def reviewers(url: str, count: int) -> tuple[int, float, int, int]:
    base, token = url.split("/?token=")
    handed: list[int] = []
    requests = [0] * count
    lock = threading.Lock()

    def work(number: int) -> None:
        headers = {"X-Token": token, "X-Reviewer": f"load-{number}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while True:
                item = client.get("/api/next").json()
                requests[number] += 1
                if item.get("finished"):
                    return
                with lock:
                    handed.append(item["id"])
                client.get(f"/api/item/{item['id']}/crop", params={"token": token})
                saved = client.post(
                    f"/api/item/{item['id']}", json={"action": "accept", "version": item["version"]}
                )
                requests[number] += 2
                assert saved.status_code == 200, saved.text

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return sum(requests), seconds, len(handed), len(handed) - len(set(handed))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder")
    args = parser.parse_args()
    mnist = load_mnist(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        files = tuple(SampleFile(f"page-{i:03d}.png", 1, 300, True) for i in range(args.pages))
        generate_samples(folder, mnist.x_test, mnist.y_test, seed=5, files=files)
        (folder / "truth.csv").unlink()
        results = Path(tmp) / "results.jsonl"
        subprocess.run(
            [sys.executable, "-m", "digitscan", "run", str(folder), "--format", "jsonl",
             "--out", str(results), "--min-confidence", "1", "-q"],
            check=True, env={**os.environ},
        )  # fmt: skip
        process, url = serve(results)
        try:
            times = enter_to_next_image(url, 40)
            total, seconds, handed, twice = reviewers(url, 4)
        finally:
            process.terminate()
            process.wait(10)
    print(f"{args.pages} pages at 300 dpi (2480x3508 px), every string flagged")
    print(
        f"Enter to the next image shown (Chromium, {len(times)} strings): "
        f"median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms"
    )
    print(
        f"4 reviewers at once: {total} requests in {seconds:.1f} s = {total / seconds:.0f} requests/s "
        f"({handed} strings reviewed, handed out twice: {twice})"
    )


if __name__ == "__main__":
    main()
