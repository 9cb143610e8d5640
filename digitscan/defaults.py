"""Defaults shared by the library and the command line, in a module that imports nothing, so
that `digitscan --help` loads neither OpenCV nor numpy."""

DEFAULT_MAX_PIXELS = 200_000_000  # an A0 poster at 600 dpi is ~140 Mpx; 30000x30000 is not a scan
DEFAULT_DPI = 300
# Strings with a digit below this calibrated probability are flagged for review; chosen on the
# real sources' validation data (see benchmarks/README.md, "Review flags").
DEFAULT_MIN_CONFIDENCE = 0.9
