"""evidencehub: a research-intelligence hub for type 1 diabetes and stem-cell therapies.

The package follows one pipeline, one subpackage per stage (see ``DESIGN.md``)::

    ingest -> store <-> review -> stats -> grade -> publish

Subpackages are imported on demand; importing :mod:`evidencehub` itself is cheap.
"""

from evidencehub.errors import EvidenceHubError, InputError, StatsWarning

__version__ = "0.1.0"

__all__ = ["EvidenceHubError", "InputError", "StatsWarning", "__version__"]
