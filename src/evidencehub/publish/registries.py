"""Where a trial's registration is read: the registry's own page of it, by registry id.

URL shapes, from each registry's site:

* ClinicalTrials.gov — ``https://clinicaltrials.gov/study/<NCT id>`` (the study record page);
* ISRCTN — ``https://www.isrctn.com/<ISRCTN id>``;
* jRCT — ``https://jrct.niph.go.jp/en-latest-detail/<jRCT id>``;
* EU CTIS — ``https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=<EU CT id>``;
* EudraCT — the EU Clinical Trials Register's search,
  ``https://www.clinicaltrialsregister.eu/ctr-search/search?query=<EudraCT number>``;
* every other registry — the WHO International Clinical Trials Registry Platform's record,
  ``https://trialsearch.who.int/Trial2.aspx?TrialID=<id>``, where Japanese registries' ids
  carry the ``JPRN-`` prefix (``JPRN-UMIN000033564``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from evidencehub.model import Registry

__all__ = ["RegistryLink", "registry_link"]


@dataclass(frozen=True, slots=True)
class RegistryLink:
    """Where a registration is read: its URL, and the name of the site it opens."""

    url: str
    site: str

_ICTRP = "https://trialsearch.who.int/Trial2.aspx?TrialID="
_OWN: dict[Registry, tuple[str, str]] = {
    Registry.NCT: ("https://clinicaltrials.gov/study/", "ClinicalTrials.gov"),
    Registry.ISRCTN: ("https://www.isrctn.com/", "ISRCTN registry"),
    Registry.JRCT: ("https://jrct.niph.go.jp/en-latest-detail/", "jRCT"),
    Registry.EUCT: ("https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=",
                    "EU Clinical Trials Information System"),
    Registry.EUDRACT: ("https://www.clinicaltrialsregister.eu/ctr-search/search?query=",
                       "EU Clinical Trials Register"),
}


def registry_link(registry: Registry | None, registry_id: str) -> RegistryLink | None:
    """The registry's page of the trial ``registry_id``; None if the registry is unknown."""
    if registry is None:
        return None
    if registry in _OWN:
        prefix, site = _OWN[registry]
        return RegistryLink(prefix + quote(registry_id, safe=""), site)
    japanese = "JPRN-" if registry is Registry.UMIN else ""
    return RegistryLink(_ICTRP + quote(japanese + registry_id, safe=""),
                        "WHO International Clinical Trials Registry Platform")
