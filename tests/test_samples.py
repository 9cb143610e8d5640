"""The whole run on samples/, scored against samples/truth.csv: the targets of the run
pipeline (97% of fields exact, 99.5% of digits, at most 0.2 spurious strings a page). Today's
reading: 97.75% (87 of 89 fields), 99.56%, no field missed, no spurious string.
"""

from digitscan.api import ScanOptions, scan
from digitscan.evaluate import fields_of, read_fields, score_forms
from digitscan.pages import find_inputs
from tests.conftest import REPO


def test_samples_read_against_truth(classifier):
    samples = REPO / "samples"
    rows = []
    results = list(scan(list(find_inputs([str(samples)]).files), ScanOptions(), classifier=classifier))
    assert all(result.error is None for result in results)
    for result in results:
        for page in result.pages:
            rows.extend(fields_of(page, ScanOptions().min_confidence))
    score = score_forms(read_fields(samples / "truth.csv"), rows)
    assert score.pages == 8 and score.fields == 89
    assert score.exact >= 0.97
    assert score.digit_accuracy >= 0.995
    assert score.missed == 0
    assert score.spurious_per_page <= 0.2
