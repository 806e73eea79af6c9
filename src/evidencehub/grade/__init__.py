"""Grading: what a page's claims rest on (evidence kinds, tags, labels); later, GRADE certainty."""
