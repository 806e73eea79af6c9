"""Person names as the text formats write them, split into family and given names.

Two shapes occur in the formats read here: *inverted* names with the family name first (RIS and
CSV exports: ``"Marx, Karl"``, ``"Adler DG"``, ``"Liu R."``) and *display* names with the family
name last (OpenAlex: ``"Johannes Oldenburg"``, ``"Ludwig van Beethoven"``). The functions return
plain field dicts for :class:`~evidencehub.model.Author`, so that a bad name is reported by the
record's validation like any other field. No maintained library splits both shapes (nameparser
handles Western display names only and does not know the ``Family INITIALS`` form), hence the
two small rules below.
"""

from __future__ import annotations

import re

__all__ = ["display_name_fields", "inverted_name_fields", "name_fields", "split_author_list"]

_FAMILY_INITIALS = re.compile(r"^((?:(?:van|von|de|der|den|da|di|du|la|le|del|dos|das) )*\S+)\s+"
                              r"((?:[A-Z]\.?-?\s?){1,4})$")
# Initials first, then the family name: "E J Reimer", "R. L. Whistler", "D.G. Adler".
_INITIALS_FAMILY = re.compile(r"^(?:[A-Z]\.?-?\s?){1,4}\s+\S.*$")
# Lower-case particles that belong to the family name ("van der Berg", "de la Cruz").
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della",
              "dos", "das", "ter", "ten", "zu", "bin", "ibn", "al", "el"}


def inverted_name_fields(name: str) -> dict[str, str]:
    """Split a family-first name; a name that fits neither form is a collective name.

    >>> inverted_name_fields("Marx, Karl")
    {'family': 'Marx', 'given': 'Karl'}
    >>> inverted_name_fields("Adler D.G.")
    {'family': 'Adler', 'given': 'D.G.'}
    >>> inverted_name_fields("METRIC Study Group")
    {'collective': 'METRIC Study Group'}
    """
    name = " ".join(name.split()).strip(" ;")
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if family:
            return {"family": family, "given": given} if given else {"family": family}
    match = _FAMILY_INITIALS.match(name)
    if match:
        return {"family": match.group(1), "given": match.group(2).strip()}
    return {"collective": name}


def display_name_fields(name: str) -> dict[str, str]:
    """Split a given-first display name at its last word, keeping particles with the family.

    >>> display_name_fields("Johannes Oldenburg")
    {'family': 'Oldenburg', 'given': 'Johannes'}
    >>> display_name_fields("Ludwig van Beethoven")
    {'family': 'van Beethoven', 'given': 'Ludwig'}
    >>> display_name_fields("Madonna")
    {'family': 'Madonna'}
    """
    words = " ".join(name.split()).split(" ")
    if len(words) == 1:
        return {"family": words[0]}
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return {"family": " ".join(words[cut:]), "given": " ".join(words[:cut])}


def name_fields(name: str) -> dict[str, str]:
    """Split a name whose order is not known: family-first when it has a comma or ends in
    initials (``"Liu R."``), else given-first (``"E J Reimer"``, ``"Tamara Berman"``).

    >>> name_fields("E J Reimer")
    {'family': 'Reimer', 'given': 'E J'}
    >>> name_fields("Adler D.G.")
    {'family': 'Adler', 'given': 'D.G.'}
    """
    name = " ".join(name.split()).strip(" ;")
    if "," in name or _FAMILY_INITIALS.match(name):
        return inverted_name_fields(name)
    return display_name_fields(name)


def split_author_list(value: str, separator: str | None = None) -> list[str]:
    """Split one cell of author names into names.

    With ``separator`` given, split on it. Otherwise: on ``;`` when present (Scopus, SYNERGY),
    else on `` and `` and then on commas that separate whole names — a comma-separated piece of
    one word (``"Smith, J."``) is an inverted name, not a list (``"D. Pavlinac, R. Langer and
    L. Deftos"``, ``"Liu R., Adler D.G."``).

    >>> split_author_list("D. Pavlinac, R. Langer, L. Lenhard and L. Deftos")
    ['D. Pavlinac', 'R. Langer', 'L. Lenhard', 'L. Deftos']
    >>> split_author_list("Smith, John and Jones, K.")
    ['Smith, John', 'Jones, K.']
    """
    if separator is not None:
        return [n.strip() for n in value.split(separator) if n.strip()]
    if ";" in value:
        return [n.strip() for n in value.split(";") if n.strip()]
    names: list[str] = []
    # (?<!\s): a separator starts where its whitespace does; without it a long run of spaces is
    # rescanned from each of its characters (quadratic time).
    for chunk in re.split(r"(?<!\s)\s+and\s+|(?<!\s)\s*&\s*", value):
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        if len(parts) > 1 and all(len(p.split()) > 1 for p in parts):
            names.extend(parts)
        elif chunk.strip():
            names.append(chunk.strip())
    return names
