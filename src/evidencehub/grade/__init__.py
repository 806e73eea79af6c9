"""Grading: what a page's claims rest on and how far it can be trusted.

Pure parts: evidence kinds, labels and tags (``labels``, ``tags``, ``claims``), tag proposals by
rule, risk of bias (``rob``: RoB 2 and ROBINS-I), GRADE certainty (``certainty``) and the
consistency audit of reported statistics (``audit``). The ``*_service`` modules join them to
the store: they read runs, studies and reviewers' judgements and append what people decide.
"""
