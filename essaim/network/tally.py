"""A vote's results, counted from its ballots with every step shown: who could vote, who took
part, the quorum (rounded up; abstentions count for it), the expressed ballots (abstentions do
not count for the result), each option's share and the majority it needed."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from .models import Vote

# The least a share of the expressed ballots must reach: (numerator, denominator, strictly more).
MAJORITIES = {
    Vote.Majority.SIMPLE: (1, 2, True),
    Vote.Majority.TWO_THIRDS: (2, 3, False),
    Vote.Majority.FOUR_FIFTHS: (4, 5, False),
}


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def quorum_needed(quorum: int, electorate: int) -> int:
    """The weight of ballots the quorum asks for, rounded up: 50 % of 7 voters is 4."""
    return -(-quorum * electorate // 100)


def majority_needed(majority: str, expressed: int) -> int:
    """The fewest ballots an option needs among `expressed`: more than half of 10 is 6, two
    thirds of 10 is 7, four fifths of 10 is 8."""
    numerator, denominator, strictly = MAJORITIES[majority]
    if strictly:
        return numerator * expressed // denominator + 1
    return -(-numerator * expressed // denominator)


@dataclass
class Line:
    code: str
    label: str  # lazy for yes and no: written in the reader's language
    weight: int
    share: Decimal | None  # of the expressed ballots; None for abstentions


@dataclass
class Tally:
    voters: int
    electorate: int  # the voters' weight (their number when the vote is not weighted)
    ballots: int
    cast: int  # the ballots' weight, abstentions included
    required: int
    expressed: int
    needed: int
    lines: list[Line]
    abstentions: int
    yes_no: bool

    @property
    def participation(self) -> Decimal:
        return percent(self.cast, self.electorate)

    @property
    def quorum_met(self) -> bool:
        return self.cast >= self.required

    @property
    def leading(self) -> Line | None:
        options = sorted(self.lines, key=lambda line: -line.weight)
        if not options or not options[0].weight:
            return None
        if len(options) > 1 and options[1].weight == options[0].weight:
            return None  # a tie leads nowhere
        return options[0]

    @property
    def majority_reached(self) -> bool:
        leading = self.leading
        return bool(self.expressed) and leading is not None and leading.weight >= self.needed

    @property
    def adopted(self) -> bool:
        """A yes/no vote: "yes" has the majority; a choice: the leading option has it."""
        leading = self.leading
        if leading is None or (self.yes_no and leading.code != "yes"):
            return False
        return self.quorum_met and self.majority_reached


def tally(vote: Vote) -> Tally:
    counted = {row["choice"]: (row["weight"], row["n"])
               for row in vote.ballots.values("choice").annotate(weight=Sum("weight"),
                                                                 n=Count("id"))}  # fmt: skip
    voters = vote.voters.aggregate(n=Count("id"), weight=Sum("weight"))
    lines = [Line(code, label, counted.get(code, (0, 0))[0], None)
             for code, label in vote.choices() if code != "abstain"]  # fmt: skip
    if vote.kind == Vote.Kind.YES_NO:
        lines = [line for line in lines if line.code == "yes"] + [
            line for line in lines if line.code == "no"]  # fmt: skip
    expressed = sum(line.weight for line in lines)
    for line in lines:
        line.share = percent(line.weight, expressed)
    electorate = voters["weight"] or 0
    return Tally(
        voters=voters["n"], electorate=electorate,
        ballots=sum(n for _weight, n in counted.values()),
        cast=sum(weight for weight, _n in counted.values()),
        required=quorum_needed(vote.quorum, electorate),
        expressed=expressed, needed=majority_needed(vote.majority, expressed),
        lines=lines, abstentions=counted.get("abstain", (0, 0))[0],
        yes_no=vote.kind == Vote.Kind.YES_NO,
    )  # fmt: skip


def state_of(vote: Vote, now: datetime | None = None) -> str:
    """draft (no date yet), scheduled, opening (its time has come, the list is being frozen),
    open, closed."""
    now = now or timezone.now()
    if vote.opened_at is None:
        if vote.opens_at is None or vote.closes_at is None:
            return "draft"
        return "opening" if vote.opens_at <= now else "scheduled"
    return "closed" if vote.closed_at or now >= vote.closes_at else "open"


def results_shown(vote: Vote, now: datetime | None = None) -> bool:
    """A secret ballot's results only once it has closed; a public one's as the board set."""
    state = state_of(vote, now)
    if state == "closed":
        return True
    return state == "open" and not vote.secret and vote.results == Vote.Results.LIVE
