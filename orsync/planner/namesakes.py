"""Live objects sharing a name: which one an entry is, which may be deleted, and which renames
would make two of one name.

Identity is the name (ADR 0001), so two live objects with a declared name are an error that
names every id, unless this tool can prove it made the extra ones: the intent records apply
writes before it creates (orsync.apply.intents) name the old object of a replacement it started
and the objects whose create answer (and secret) it never stored. Only such proven objects are
deleted; a namesake made by hand never is, whatever its fields say.
"""

from __future__ import annotations

from dataclasses import dataclass

from orsync.resources.base import Desired, LiveObject


@dataclass(frozen=True)
class Proof:
    """Why this tool may delete a live object it finds under a declared name."""

    reason: str
    # True: the object is useless whatever else is live (a key whose secret nobody holds);
    # False: it is the old half of a replacement, deleted only once the new half exists.
    always: bool = False


def proven_namesakes(want: Desired, candidates: list[LiveObject], resolution) -> list[LiveObject]:
    """The candidates left once the proven leftovers are set aside (and planned for deletion)."""
    proofs = resolution.proven_leftovers
    if not proofs or not any(obj.id in proofs for obj in candidates):
        return candidates
    useless = [obj for obj in candidates if obj.id in proofs and proofs[obj.id].always]
    rest = [obj for obj in candidates if obj not in useless]
    replaced = [obj for obj in rest if obj.id in proofs]
    kept = [obj for obj in rest if obj.id not in proofs]
    if len(kept) == 1:
        leftovers, rest = useless + replaced, kept
    else:  # the replacement's new object is not there (or not alone): the old one is the entry
        leftovers = useless
    resolution.leftovers.extend((f"{want.name}#{obj.id[:8]}", obj, proofs[obj.id].reason) for obj in leftovers)
    return rest


def duplicate_name_problem(kind, desired: list[Desired], matched: dict[str, LiveObject], live: list[LiveObject],
                           deleted: set[str]) -> tuple[Desired, str] | None:
    """A pinned entry renaming its object onto a name that another live object keeps: (the
    entry, the message). Objects deleted or renamed away by the same plan free their name."""
    final = {obj.id: obj.name for obj in live if obj.id not in deleted}
    for want in desired:
        obj = matched.get(want.name)
        if want.present and obj is not None:
            final[obj.id] = want.name
    for want in desired:
        obj = matched.get(want.name)
        if not (want.pin and want.present and obj is not None and obj.name != want.name):
            continue
        holders = [other for other, name in final.items() if name == want.name and other != obj.id]
        if holders:
            return want, (f"renaming {kind.kind} {obj.id} ({obj.name!r}) to {want.name!r} would leave "
                          f"{len(holders) + 1} live {kind.kind}s of that name ({', '.join(holders)} keeps it); "
                          f"rename that one, or declare it `state: absent`, first")
    return None


def namesakes_message(kind, found: list[tuple[Desired, list[LiveObject]]]) -> str:
    """`2 live keys are named 'a' (h1, h2); 3 ... 'b' (...)`: every name, every id in full."""
    parts = [f"{len(objects)} live {kind.kind}s are named {want.name!r} ({', '.join(obj.id for obj in objects)})"
             for want, objects in found]
    return "; ".join(parts) + f"; pin one with `{kind.id_attribute}:` or rename the others"
