"""The page stage: binarize, deskew, remove rules, find glyphs, group strings.

Each module is a set of plain functions over numpy arrays; `digitscan.pipeline` runs them in order.
"""
