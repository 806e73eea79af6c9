"""ClinicalTrials.gov API v2 study JSON reader (``/api/v2/studies/{nctId}`` and ``/api/v2/studies``).

Accepted shapes: one study (``{"protocolSection": …, "hasResults": …}``), a search page
``{"studies": [...], "nextPageToken": …}``, or a JSON array of studies. Each becomes a
:class:`~evidencehub.model.Trial` (field names from the API's data model, "Study Data
Structure"):

=============================================  ====================================================
ClinicalTrials.gov v2                          Trial
=============================================  ====================================================
``identificationModule.nctId``                 ``registry_id``
``identificationModule.secondaryIdInfos[].id`` ``secondary_ids``: only ids of a known registry
                                               (EudraCT, UMIN, jRCT, ISRCTN, ChiCTR…, checked by
                                               ``parse_registry_id``); sponsor protocol numbers
                                               and grant numbers are not trial registry ids
``briefTitle`` (else ``officialTitle``)        ``title``
``designModule.phases``                        ``phase``: ``["PHASE1", "PHASE2"]`` → ``PHASE1/PHASE2``
``statusModule.overallStatus``                 ``status`` (``RECRUITING``, ``COMPLETED``…)
``designModule.enrollmentInfo.count``          ``enrollment``
``conditionsModule.conditions``                ``conditions``
``armsInterventionsModule.interventions``      ``interventions`` as ``"Biological: name"``
``armsInterventionsModule.armGroups``          ``arms`` as ``"label (Experimental)"``
``sponsorCollaboratorsModule.leadSponsor``     ``sponsor``
``startDateStruct``, ``completionDateStruct``  ``start_date``, ``completion_date``
``lastUpdatePostDateStruct``                   ``last_updated``
``hasResults``                                 ``has_results``
``designModule.studyType``                     ``study_type``
``descriptionModule.briefSummary``             ``summary``
``contactsLocationsModule.locations``          ``locations`` as ``"facility, city, state, country"``
=============================================  ====================================================

Dates: the registry gives months without days for planned and many actual dates (``"2019-05"``);
such a date is read as the first day of its month, and a bare year (``"2019"``) as 1 January.
The day is then a convention, not information: compare these dates at month precision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, ClassVar

from evidencehub.ingest._json import convert_items, load_json, looks_like_json, unwrap_items
from evidencehub.ingest._text import clean_text
from evidencehub.ingest.base import Item
from evidencehub.model import Trial, parse_registry_id

__all__ = ["CtgovReader", "partial_date"]

_WHAT = "ClinicalTrials.gov API v2 study JSON (a study, a list of studies, or a {\"studies\": [...]} page)"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def partial_date(value: str | None) -> dt.date | str | None:
    """``"2019-05-17"`` → that day; ``"2019-05"`` → 1 May 2019; ``"2019"`` → 1 January 2019.

    Anything else is returned unchanged, for validation to report.
    """
    if not value:
        return None
    match = _DATE.match(value.strip())
    if not match:
        return value
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return value


def _label(code: str | None) -> str | None:
    """``"ACTIVE_COMPARATOR"`` → ``"Active comparator"``."""
    return code.replace("_", " ").capitalize() if code else None


def _phase(phases: Any) -> str | None:
    if not phases:
        return None
    return "/".join(str(p) for p in phases)  # the TrialPhase vocabulary validates the result


def _secondary_ids(infos: Any) -> list[str]:
    found = []
    for info in infos or []:
        try:
            found.append(parse_registry_id(str(info.get("id", "")))[1])
        except ValueError:
            continue  # a sponsor's protocol number or a grant: not a registry id
    return found


def _location(location: Mapping[str, Any]) -> str | None:
    parts = [clean_text(location.get(k)) for k in ("facility", "city", "state", "country")]
    return ", ".join(p for p in parts if p) or None


def study_fields(study: Mapping[str, Any]) -> dict[str, Any]:
    """Map one API v2 study onto :class:`Trial` fields (``None`` for absent ones)."""
    protocol = study.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    status = protocol.get("statusModule") or {}
    design = protocol.get("designModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    interventions = [
        f"{_label(i.get('type'))}: {i['name']}" if i.get("type") else i["name"]
        for i in arms.get("interventions") or [] if i.get("name")
    ]
    arm_groups = [
        f"{g['label']} ({_label(g.get('type'))})" if g.get("type") else g["label"]
        for g in arms.get("armGroups") or [] if g.get("label")
    ]
    locations = [_location(loc) for loc in (protocol.get("contactsLocationsModule") or {}).get("locations") or []]
    return {
        "registry_id": ident.get("nctId"),
        "secondary_ids": _secondary_ids(ident.get("secondaryIdInfos")),
        "title": clean_text(ident.get("briefTitle") or ident.get("officialTitle")),
        "phase": _phase(design.get("phases")),
        "status": status.get("overallStatus"),
        "enrollment": (design.get("enrollmentInfo") or {}).get("count"),
        "conditions": [c for c in map(clean_text, (protocol.get("conditionsModule") or {}).get("conditions") or []) if c],
        "interventions": [clean_text(i) for i in interventions],
        "arms": [clean_text(a) for a in arm_groups],
        "sponsor": clean_text(((protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name")),
        "start_date": partial_date((status.get("startDateStruct") or {}).get("date")),
        "completion_date": partial_date((status.get("completionDateStruct") or {}).get("date")),
        "last_updated": partial_date((status.get("lastUpdatePostDateStruct") or {}).get("date")),
        "has_results": study.get("hasResults"),
        "study_type": design.get("studyType"),
        "summary": clean_text((protocol.get("descriptionModule") or {}).get("briefSummary")),
        "locations": [loc for loc in locations if loc],
    }


def _is_study(data: Mapping[str, Any]) -> bool:
    return "protocolSection" in data


def _nct_id(study: Mapping[str, Any]) -> str | None:
    nct = ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
    return str(nct) if nct else None


class CtgovReader:
    """Read ClinicalTrials.gov API v2 study JSON into trials (see the module docstring)."""

    name: ClassVar[str] = "ctgov"
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def sniff(self, head: bytes) -> bool:
        text = looks_like_json(head)
        return text is not None and '"protocolSection"' in text

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        data = load_json(stream, source=source, what=_WHAT)
        studies = unwrap_items(data, source=source, what=_WHAT, envelope_keys=("studies",),
                               is_item=_is_study)
        yield from convert_items(studies, source=source, model=Trial, to_fields=study_fields,
                                 item_id=_nct_id, unit="study", noun="study",
                                 wrong_type=(TypeError, ValueError, AttributeError, KeyError, OverflowError))
