"""Live members found by id or email through one index (orsync.resources.members.LiveMembers):
the member a scan of the listing finds, in one lookup, however many entries the file has."""

from __future__ import annotations

import random
from typing import NamedTuple

from orsync.resources.members import LiveMembers


class Member(NamedTuple):
    id: str
    email: str | None


def scanned(members: list[Member], *, email: str | None = None, user_id: str | None = None) -> Member | None:
    """The first member in listing order with this id or this email (case-insensitive)."""
    wanted = email.lower() if email else None
    for member in members:
        if user_id is not None and member.id == user_id:
            return member
        if wanted is not None and (member.email or "").lower() == wanted:
            return member
    return None


def test_the_index_finds_the_member_a_scan_finds():
    rng = random.Random(15)
    for _ in range(300):
        # Few ids and emails, so that duplicates, a case change and a missing email all occur.
        members = [Member(f"user-{rng.randrange(6)}", rng.choice([None, "", f"M{rng.randrange(6)}@x.io",
                                                                  f"m{rng.randrange(6)}@x.io"]))
                   for _ in range(rng.randrange(12))]
        index = LiveMembers(members)
        for _ in range(20):
            email = rng.choice([None, "", f"m{rng.randrange(7)}@X.io"])
            user_id = rng.choice([None, f"user-{rng.randrange(7)}"])
            assert index.find(email=email, user_id=user_id) is scanned(members, email=email, user_id=user_id)


def test_a_member_is_found_by_email_in_any_case_among_a_thousand():
    members = [Member(f"user-{n}", f"person{n}@example.com") for n in range(1000)]
    index = LiveMembers(members)
    assert [index.find(email=f"PERSON{n}@example.com").id for n in range(1000)] == [m.id for m in members]
    assert index.find(email="nobody@example.com") is None and index.find(user_id="user-1000") is None
