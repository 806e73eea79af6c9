"""The consistency audit: reported statistics checked against each other.

``reported`` holds what a text or table states (numbers as printed, with their rounding);
``checks`` recomputes what can be recomputed and returns :class:`findings.Finding` objects;
``scan`` finds statements in text, HTML and PDF; ``table`` reads a CHECKS.csv.
"""
