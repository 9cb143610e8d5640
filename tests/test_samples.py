"""The whole run on samples/, scored against samples/truth.csv.

The floors are what the shipped model and page stage reach today (92.1% of fields exact,
97.8% of digits, no spurious strings), with a field's room for another CPU's rounding; the
issue's targets (97%, 99.5%, <= 0.2 spurious per page) are not reached yet.
"""

from digitscan.api import ScanOptions, scan
from digitscan.evaluate import Field, read_fields, score_forms
from digitscan.pages import find_inputs
from tests.conftest import REPO


def test_samples_read_against_truth(classifier):
    samples = REPO / "samples"
    rows = []
    results = list(scan(list(find_inputs([str(samples)]).files), ScanOptions(), classifier=classifier))
    assert all(result.error is None for result in results)
    for result in results:
        for page in result.pages:
            for string in page.strings:
                box = string.box
                rows.append(Field(page.source, page.page, box.x, box.y, box.width, box.height, string.text))
    score = score_forms(read_fields(samples / "truth.csv"), rows)
    assert score.pages == 8 and score.fields == 89
    assert score.exact >= 0.91
    assert score.digit_accuracy >= 0.975
    assert score.missed <= 1
    assert score.spurious_per_page <= 0.2
