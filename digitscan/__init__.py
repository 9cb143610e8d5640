"""digitscan: read handwritten digits off scanned forms.

The library under the `digitscan` command::

    import digitscan
    for result in digitscan.scan(["forms/a.png", "forms/b.pdf"]):
        for page in result.pages:
            for string in page.strings:
                print(result.source, page.page, string.text, string.confidence)

    classifier = digitscan.load_classifier()
    pair_reader = digitscan.load_pair_reader()  # touching digits read whole; None: cuts only
    reading = digitscan.read_image(gray_or_bgr_array, classifier, pair_reader=pair_reader)
"""

from importlib import import_module

__version__ = "0.1.0"

# Loaded on first use, so `import digitscan` (and `digitscan --help`) stays instant.
LAZY = {
    "scan": "digitscan.api",
    "run_batch": "digitscan.api",
    "ScanOptions": "digitscan.api",
    "read_page": "digitscan.pipeline",
    "read_image": "digitscan.pipeline",
    "load_classifier": "digitscan.classify",
    "load_pair_reader": "digitscan.classify",
    "load_pages": "digitscan.pages",
}
__all__ = ["__version__", *LAZY]


def __getattr__(name: str) -> object:
    if name in LAZY:
        return getattr(import_module(LAZY[name]), name)
    raise AttributeError(f"module 'digitscan' has no attribute {name!r}")
