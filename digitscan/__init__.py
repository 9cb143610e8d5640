"""digitscan: read handwritten digits off scanned forms."""

__version__ = "0.1.0"
