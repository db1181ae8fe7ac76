"""The scale targets (issue 21), printed beside the figures of a run.

The targets are set at the EU's scale: 2.8 million organisations for the search, the map and
the load, a million rows for an import. A run at another size prints its own figures and, for
durations, what they would be at the target's size at the same rate (labelled "projected")."""

EU_SCALE = 2_800_000
IMPORT_SCALE = 1_000_000


def projected(seconds: float, count: int, scale: int) -> float:
    return seconds * scale / count


def print_targets(rows: list[tuple[str, str, float, float, str]]) -> list[dict]:
    """Print (what, unit, figure, target, how measured) rows, each met or missed by how much;
    return them as JSON for the results file."""
    print(f"\n{'target':<52}{'figure':>12}{'target':>10}  ")
    written = []
    for what, unit, figure, target, how in rows:
        met = figure <= target
        verdict = "met" if met else f"missed by {figure / target - 1:.0%}"
        print(f"{what:<52}{figure:>10.1f} {unit:<2}{'< ' + format(target, 'g'):>8} {unit:<2}"
              f" {verdict}  ({how})")  # fmt: skip
        written.append({"what": what, "figure": round(figure, 1), "target": target,
                        "unit": unit, "met": met, "measured": how})  # fmt: skip
    return written
