"""The stable assignment of a programme's round: each side's ranking of the other (their
page offers Essaim's order by the match score; only a saved ranking takes part, as the
participant's consent), only the pairs both sides find acceptable, capacities on the side
that has places, solved as the hospital–residents problem by the `matching` library
(Gale–Shapley, optimal for the side without places)."""

from dataclasses import dataclass

from matching.games import HospitalResident

from .facts import need_facts, profile_facts
from .models import Participant, Programme
from .scoring import score


@dataclass(frozen=True)
class Sides:
    hosts: list[Participant]  # those with places
    guests: list[Participant]
    scores: dict[tuple[int, int], int]  # (host id, guest id) → match score
    # Participant id → the other side, preferred first: as they ranked it (only those who
    # did take part in an assignment: ranking is their consent), or as Essaim suggests it.
    rankings: dict[int, list[int]]
    suggested: dict[int, list[int]]


def sides_of(programme: Programme) -> Sides:
    participants = list(programme.participants.select_related("need__organisation", "profile"))
    needs = [p for p in participants if p.need_id]
    profiles = [p for p in participants if p.profile_id]
    need_facts_by = {f.pk: f for f in need_facts([p.need for p in needs])}
    profile_facts_by = {f.pk: f for f in profile_facts([p.profile for p in profiles])}
    pair_scores = {}
    for n in needs:
        for v in profiles:
            pair_scores[(n.pk, v.pk)] = score(need_facts_by[n.need_id],
                                              profile_facts_by[v.profile_id]).score  # fmt: skip
    hosts, guests = (needs, profiles) if programme.hosts_are_needs else (profiles, needs)
    scores = {}
    for (n, v), value in pair_scores.items():
        scores[(n, v) if programme.hosts_are_needs else (v, n)] = value
    rankings, suggested = {}, {}
    for p in participants:
        others = profiles if p.need_id else needs
        current = {o.pk for o in others}
        key = (lambda o, p=p: pair_scores[(p.pk, o.pk)]) if p.need_id else (
            lambda o, p=p: pair_scores[(o.pk, p.pk)])  # fmt: skip
        suggested[p.pk] = [o.pk for o in sorted(others, key=lambda o: (-key(o), o.pk))]
        if p.ranked_at is not None:  # those who left since are dropped
            rankings[p.pk] = [pk for pk in p.ranking if pk in current]
    return Sides(hosts, guests, scores, rankings, suggested)


def stable_assignment(sides: Sides) -> list[list[int]]:
    """[[host id, guest id], ...]: no host and guest would both rather be together than with
    whom they are given."""

    def mutual(guest: int, host: int) -> bool:
        return host in sides.rankings.get(guest, ()) and guest in sides.rankings.get(host, ())

    guests = {g.pk: [h for h in sides.rankings[g.pk] if mutual(g.pk, h)] for g in sides.guests}
    guests = {pk: ranking for pk, ranking in guests.items() if ranking}
    hosts = {
        h.pk: [g for g in sides.rankings.get(h.pk, ()) if g in guests and mutual(g, h.pk)]
        for h in sides.hosts
    }
    hosts = {pk: ranking for pk, ranking in hosts.items() if ranking}
    if not guests or not hosts:
        return []
    capacities = {h.pk: h.capacity for h in sides.hosts if h.pk in hosts}
    game = HospitalResident.create_from_dictionaries(guests, hosts, capacities)
    found = game.solve(optimal="resident")
    return sorted([host.name, guest.name] for host, assigned in found.items() for guest in assigned)
