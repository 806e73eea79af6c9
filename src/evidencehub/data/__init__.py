"""The bundled demo corpus (the hub's embedded default) and its loader.

``data/demo/`` holds a small, real corpus: the records, trials and studies cited by two source
pages about stem-cell therapies, an article, an intervention page and an analysis page, and the
arm-level HbA1c data of 26 randomised trials (metadat's ``dat.senn2013``) with the plan for
pooling them. :func:`~evidencehub.data.corpus.load_corpus` reads and validates it.
"""

from pathlib import Path

__all__ = ["DEMO_DIR"]

#: Directory of the bundled demo corpus.
DEMO_DIR = Path(__file__).parent / "demo"
