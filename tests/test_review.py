"""The review station: its store, its HTTP app, its export, and a real browser at it."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digitscan.errors import DigitscanError
from digitscan.review.store import Conflict, ReviewStore, read_results
from tests.conftest import ENV, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("review")
    out = folder / "results.jsonl"
    subprocess.run(
        [sys.executable, "-m", "digitscan", "run", str(REPO / "samples"), "--format", "jsonl",
         "--out", str(out), "-q"],
        env=ENV, check=True, timeout=300,
    )  # fmt: skip
    return out


@pytest.fixture
def fresh(results, tmp_path) -> Path:
    """A copy of the results with no corrections yet."""
    copy = tmp_path / "results.jsonl"
    shutil.copy(results, copy)
    return copy


def test_malformed_and_truncated_results_are_clear_errors(fresh) -> None:
    text = fresh.read_bytes()
    fresh.write_bytes(text[:-40])
    with pytest.raises(DigitscanError, match="truncated"):
        read_results(fresh)
    fresh.write_bytes(b'{"file": "a.png"}\n')
    with pytest.raises(DigitscanError, match="line 1 is not a digitscan result"):
        read_results(fresh)
    fresh.write_bytes(b"file,page\n")
    with pytest.raises(DigitscanError, match="line 1 is not JSON"):
        read_results(fresh)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("box", [1, 2, 3], "its box"),
        ("box", [1.5, 2, 3, 4], "its box"),
        ("box", [0, 0, -5, 10], "its box"),
        ("page", "2", "its page"),
        ("page", 0, "its page"),
        ("text", 12, "its text"),
        ("needs_review", "false", "needs_review"),
        ("reason", "low-confidence", "its reason"),
        ("digits", None, "its digits"),
        ("dpi", 0, "its dpi"),
    ],
)
def test_a_record_edited_out_of_shape_is_an_error_naming_its_line(fresh, key, value, problem) -> None:
    lines = fresh.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record[key] = value
    lines[2] = json.dumps(record)
    fresh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DigitscanError, match=f"line 3 is not a digitscan result: {problem}"):
        read_results(fresh)


def test_a_box_off_its_page_is_told_not_shown_or_exported(fresh, tmp_path) -> None:
    from digitscan import review

    records = [json.loads(line) for line in fresh.read_text(encoding="utf-8").splitlines()]
    flagged = next(n for n, r in enumerate(records) if r["needs_review"] and r["digits"])
    records[flagged]["box"] = [-900, -900, 50, 50]  # a negative index would show the page's far corner
    records[flagged]["digits"][0]["box"] = [10**6, 10, 40, 50]
    fresh.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    client, store = client_for(fresh)
    line = flagged + 1
    for view in ("crop", "page"):
        answer = client.get(f"/api/item/{line}/{view}?token=secret")
        assert answer.status_code == 410 and "outside page" in answer.text, view
    item = store.item(line)
    store.lease(line, "ann")
    store.save(line, "ann", "7" * len(records[flagged]["digits"]), item.version, accepted=False)
    store.close()
    with pytest.raises(DigitscanError, match=f"digit 1 of line {line} lies outside page"):
        review.export_corrections(fresh, tmp_path / "out.csv", tmp_path / "crops")


def test_leases_and_versions_keep_two_reviewers_apart(fresh) -> None:
    store = ReviewStore(fresh, read_results(fresh))
    first = store.next_for("ann")
    second = store.next_for("bob")
    assert first is not None and second is not None and first.record.line != second.record.line
    with pytest.raises(Conflict):  # bob cannot save ann's string while she holds it
        store.save(first.record.line, "bob", "123", first.version, accepted=False)
    saved = store.save(first.record.line, "ann", "123", first.version, accepted=False)
    with pytest.raises(Conflict):  # a save from a stale view never overwrites
        store.save(first.record.line, "bob", "999", first.version, accepted=False)
    with pytest.raises(ValueError):
        store.save(second.record.line, "bob", "12a", second.version, accepted=False)
    assert saved.text == "123" and store.progress()[0] == 1
    store.close()


def client_for(path: Path):
    from starlette.testclient import TestClient

    from digitscan.review.server import create_app

    store = ReviewStore(path, read_results(path))
    return TestClient(create_app(store, "secret")), store


def test_http_needs_the_token_and_serves_only_the_results_pages(fresh) -> None:
    client, store = client_for(fresh)
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    assert client.get("/?token=secret").status_code == 200
    assert client.get("/static/review.js").status_code == 200
    assert client.get("/static/..%2F..%2Fstore.py").status_code == 404
    item = client.get("/api/next", headers={"X-Token": "secret", "X-Reviewer": "ann"}).json()
    line = item["id"]
    assert client.get(f"/api/item/{line}/crop").status_code == 403
    crop = client.get(f"/api/item/{line}/crop?token=secret")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    assert client.get(f"/api/item/{line}/page?token=secret").headers["content-type"] == "image/jpeg"
    unflagged = next(n for n in store.records if n not in store.flagged_lines)
    for path in (
        f"/api/item/{unflagged}/crop",
        "/api/item/..%2F..%2Fetc%2Fpasswd/crop",
        "/api/item/1/..%2Fx",
    ):
        assert client.get(path + "?token=secret").status_code == 404, path
    post = {"action": "save", "text": "42", "version": item["version"]}
    assert client.post(f"/api/item/{line}", json=post).status_code == 403  # POSTs need the token
    assert (
        client.post(
            f"/api/item/{line}", json=post, headers={"X-Token": "secret", "X-Reviewer": "bob"}
        ).status_code
        == 409
    )
    saved = client.post(f"/api/item/{line}", json=post, headers={"X-Token": "secret", "X-Reviewer": "ann"})
    assert saved.status_code == 200 and saved.json()["text"] == "42"
    store.close()


def test_export_applies_the_corrections_and_writes_training_crops(fresh, tmp_path) -> None:
    from digitscan import review
    from digitscan.inspect import read_corrected_crops

    store = ReviewStore(fresh, read_results(fresh))
    item = store.next_for("ann")
    assert item is not None
    corrected = "".join("7" for _ in item.record.data["digits"])
    store.save(item.record.line, "ann", corrected, item.version, accepted=False)
    store.close()
    out, crops = tmp_path / "corrected.csv", tmp_path / "crops"
    reviewed, written, left_out = review.export_corrections(fresh, out, crops)
    assert (reviewed, written, left_out) == (1, len(corrected), 0)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[-2:] == ["reviewed", "original_text"]
    assert len(rows) == len(read_results(fresh).records)
    changed = [r for r in rows if r["reviewed"] == "true"]
    assert len(changed) == 1 and changed[0]["text"] == corrected
    assert changed[0]["original_text"] == item.record.data["text"]
    images, labels = read_corrected_crops(crops)
    assert images.shape == (len(corrected), 28, 28) and set(labels.tolist()) == {7}
    with pytest.raises(DigitscanError, match="never overwrites"):
        review.export_corrections(fresh, out, None)


def where(record) -> str:
    return f"{record.file}, page {record.page}, {record.label}"


def start_server(
    path: Path, host: str = "127.0.0.1", shown: str = "127.0.0.1"
) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "digitscan", "review", str(path), "--port", "0", "--host", host],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(f"review at http://{shown}:"), line + (
        process.stderr.read() if process.stderr else ""
    )
    return process, line.split()[2]


def test_listening_everywhere_the_url_names_this_machine(fresh) -> None:
    import socket

    process, url = start_server(fresh, host="0.0.0.0", shown=socket.gethostname())  # not 0.0.0.0
    process.terminate()
    process.wait(10)
    assert "?token=" in url


def test_a_browser_reviews_by_keyboard_alone_and_resumes_after_a_restart(fresh, tmp_path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    flagged = [r for r in read_results(fresh).records if r.data["needs_review"]]
    process, url = start_server(fresh)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            page = browser.new_page()
            page.goto(url)
            box = page.locator("#value")
            sync_api.expect(page.locator("#progress")).to_have_text(f"1 of {len(flagged)}")
            assert page.evaluate("document.activeElement.id") == "value"
            page.keyboard.type("12a3")  # the letter is refused
            sync_api.expect(box).to_have_value("123")
            page.keyboard.press("Enter")
            sync_api.expect(page.locator("#progress")).to_have_text(f"2 of {len(flagged)}")
            page.keyboard.press("Escape")  # skip the second
            sync_api.expect(page.locator("#progress")).to_have_text(f"2 of {len(flagged)}")
            sync_api.expect(page.locator("#where")).to_have_text(where(flagged[2]))
            page.keyboard.type("4?")
            page.keyboard.press("Enter")
            sync_api.expect(page.locator("#progress")).to_have_text(f"3 of {len(flagged)}")
            page.keyboard.press("PageDown")  # the whole page, the string boxed
            sync_api.expect(page.locator("#whole")).to_be_visible()
            switch_ms = page.evaluate("window.lastSwitchMs")
            assert switch_ms is not None and switch_ms > 0
            browser.close()
        process.terminate()
        process.wait(10)
        process, url = start_server(fresh)  # killed and started again: it goes on where it was
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(url)
            sync_api.expect(page.locator("#progress")).to_have_text(f"3 of {len(flagged)}")
            sync_api.expect(page.locator("#where")).to_have_text(
                where(flagged[1])
            )  # skipped, for a new reviewer
            browser.close()
    finally:
        process.terminate()
        process.wait(10)
    out = tmp_path / "corrected.csv"
    result = subprocess.run(
        [sys.executable, "-m", "digitscan", "review", str(fresh), "--export", str(out)],
        capture_output=True, text=True, env=ENV, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    reviewed = [r["text"] for r in rows if r["reviewed"] == "true"]
    assert reviewed == ["123", "4?"]
