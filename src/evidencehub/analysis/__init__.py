"""The analysis service: from stored outcome data to stored, traceable runs.

``stats/`` is pure; this package is where the store meets it. :mod:`.contrasts` builds an
analysis's rows from stored arm rows, :mod:`.run` is the typed, versioned result of a fit, and
:mod:`.service` fits stale analyses and stores their runs.
"""
