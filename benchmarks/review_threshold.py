"""How --min-confidence trades review work against misreads caught, on pages with truth.

    digitscan samples /tmp/check --data ../shared/datasets/mnist --seed 2 --copies 3
    digitscan run /tmp/check --out /tmp/check.csv
    python benchmarks/review_threshold.py /tmp/check/truth.csv /tmp/check.csv

For each threshold: the share of misread fields it flags for review, and the share of
correctly read fields it flags (work for nothing). The run's own --min-confidence does not
matter: the CSV's confidence column is what is thresholded.
"""

import sys
from pathlib import Path

from digitscan.evaluate import read_fields, review_tradeoff

THRESHOLDS = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    points = review_tradeoff(read_fields(Path(sys.argv[1])), read_fields(Path(sys.argv[2])), THRESHOLDS)
    print("threshold  accepted  wrong among accepted  misread flagged  correct flagged")
    for p in points:
        print(
            f"{p.threshold:>9}  {p.accepted:>8.1%}  {p.wrong_among_accepted:>20.2%}"
            f"  {p.wrong_flagged:>15.1%}  {p.right_flagged:>15.1%}"
        )


if __name__ == "__main__":
    main()
