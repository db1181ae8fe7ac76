"""Circles on the index: each document is filed under the grid cells that hold its point, one
per level of a quadtree on longitude and latitude, so that "within 50 km of Lyon" becomes a few
hundred cell terms instead of a distance computed for every organisation of the region.

A circle is covered by cells lying wholly inside it (their documents match without a distance
computed) and by cells crossing its edge (only their documents are measured). At 2.8 million
organisations a term list of cells costs as little as any facet, where an id list of the tens of
thousands of organisations around a city costs a lookup each, in every facet count.
"""

import functools
import math
from dataclasses import dataclass

from .query import distance_km

# Level z cuts the world into 2^z × 2^z cells: 2 is a quarter of a hemisphere, 18 a block of
# about 150 × 75 m.
COARSEST_LEVEL = 2
FINEST_LEVEL = 18
# The cells crossing the circle's edge are about this fraction of the radius tall: the smaller,
# the fewer documents to measure, the more cells to list.
EDGE_CELL_SHARE = 1 / 64
KM_PER_DEGREE = 111.195  # along a meridian, on the sphere of distance_km
HALF_CIRCUMFERENCE_KM = math.pi * 6371.0088


def mercator(latitude: float, longitude: float) -> tuple[float, float]:
    """Web Mercator position in [0, 1]², as map tiles count it (y grows southwards)."""
    x = (longitude + 180.0) / 360.0
    sin_lat = math.sin(math.radians(max(min(latitude, 85.0511), -85.0511)))
    y = 0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)
    return x, y


def cell_terms(latitude: float, longitude: float) -> list[str]:
    """The cells holding a point, from the coarsest level to the finest. A coarser level's
    column and row are the finest's shifted right (scaling by a power of two is exact): one
    position computed instead of seventeen, for each of millions of documents at a load."""
    column, row = _cell_at(FINEST_LEVEL, latitude, longitude)
    return [f"{level}/{column >> (FINEST_LEVEL - level)}/{row >> (FINEST_LEVEL - level)}"
            for level in _levels()]  # fmt: skip


def _levels() -> range:
    return range(COARSEST_LEVEL, FINEST_LEVEL + 1)


def _cell_at(level: int, latitude: float, longitude: float) -> tuple[int, int]:
    side = 1 << level
    column = min(side - 1, max(0, int((longitude + 180.0) / 360.0 * side)))
    row = min(side - 1, max(0, int((latitude + 90.0) / 180.0 * side)))
    return column, row


def _cell_name(level: int, column: int, row: int) -> str:
    return f"{level}/{column}/{row}"


def box_cells(west: float, south: float, east: float, north: float, most: int = 16) -> list[str]:
    """The cells of the finest level at which at most `most` of them cover the box (west <=
    east): a short term list that holds the box's documents and few others, from which the
    exact bounds keep those inside."""
    level = COARSEST_LEVEL
    while level < FINEST_LEVEL:
        (west_column, south_row), (east_column, north_row) = (
            _cell_at(level + 1, south, west), _cell_at(level + 1, north, east))  # fmt: skip
        if (east_column - west_column + 1) * (north_row - south_row + 1) > most:
            break
        level += 1
    (west_column, south_row), (east_column, north_row) = (
        _cell_at(level, south, west), _cell_at(level, north, east))  # fmt: skip
    return [_cell_name(level, column, row) for column in range(west_column, east_column + 1)
            for row in range(south_row, north_row + 1)]  # fmt: skip


@dataclass(frozen=True)
class Covering:
    """The cells covering a circle: `inside` wholly within it, `edge` crossing its border."""

    inside: tuple[str, ...]
    edge: tuple[str, ...]


@functools.lru_cache(maxsize=256)  # the same places are asked for again and again
def covering(latitude: float, longitude: float, radius_km: float) -> Covering:
    """The cells covering the circle of `radius_km` around a point, coarse where they fit
    inside it, fine along its edge."""
    finest = _finest_level_for(radius_km)
    # Start from a level whose cells are about the circle's size: a handful to split.
    start = max(COARSEST_LEVEL, min(finest, _level_of_height(2 * radius_km)))
    inside, edge = [], []
    for column, row in _cells_over_box(start, latitude, longitude, radius_km):
        _split(inside, edge, start, column, row, latitude, longitude, radius_km, finest)
    return Covering(inside=tuple(inside), edge=tuple(edge))


def _level_of_height(km: float) -> int:
    """The finest level whose cells are at least `km` tall."""
    if km <= 0:
        return FINEST_LEVEL
    return max(COARSEST_LEVEL, min(FINEST_LEVEL, int(math.log2(180.0 * KM_PER_DEGREE / km))))


def _finest_level_for(radius_km: float) -> int:
    return _level_of_height(radius_km * EDGE_CELL_SHARE)


def _cells_over_box(level: int, latitude: float, longitude: float, radius_km: float):
    """The cells of `level` over the box around the circle (every cell if it reaches a pole
    or wraps around the globe)."""
    side = 1 << level
    d_lat = radius_km / KM_PER_DEGREE
    south, north = latitude - d_lat, latitude + d_lat
    cos_lat = math.cos(math.radians(min(max(abs(south), abs(north)), 90.0)))
    if south <= -90 or north >= 90 or cos_lat < 1e-6:
        columns = range(side)
    else:
        d_lon = d_lat / cos_lat
        if d_lon >= 180:
            columns = range(side)
        else:  # unwrapped across the antimeridian, then folded back
            first = math.floor((longitude - d_lon + 180.0) / 360.0 * side)
            last = math.floor((longitude + d_lon + 180.0) / 360.0 * side)
            columns = sorted({column % side for column in range(first, last + 1)})
    first_row = _cell_at(level, max(-90.0, south), longitude)[1]
    last_row = _cell_at(level, min(90.0, north), longitude)[1]
    return [(column, row) for row in range(first_row, last_row + 1) for column in columns]


def _split(inside, edge, level, column, row, latitude, longitude, radius_km, finest) -> None:
    """File the cell under `inside` or `edge`, or split it in four, or leave it (outside)."""
    side = 1 << level
    west = column * 360.0 / side - 180.0
    south = row * 180.0 / side - 90.0
    width, height = 360.0 / side, 180.0 / side
    north, east = south + height, west + width
    nearest, farthest = _distance_range(latitude, longitude, south, west, north, east)
    if farthest <= radius_km:
        inside.append(_cell_name(level, column, row))
    elif nearest > radius_km:
        return
    elif level >= finest:
        edge.append(_cell_name(level, column, row))
    else:
        for d_column in (0, 1):
            for d_row in (0, 1):
                _split(inside, edge, level + 1, 2 * column + d_column, 2 * row + d_row,
                       latitude, longitude, radius_km, finest)  # fmt: skip


def _distance_range(latitude, longitude, south, west, north, east) -> tuple[float, float]:
    """The least and the greatest distance from a point to a cell (a cell spans less than
    180° of longitude). Along a parallel the distance grows with the difference of longitude;
    along a meridian it falls to one nearest point then grows: the farthest point is a corner,
    the nearest is on the edge meridian nearest in longitude."""
    farthest = max(
        distance_km(latitude, longitude, corner_lat, corner_lon)
        for corner_lat in (south, north)
        for corner_lon in (west, east)
    )
    if _within_longitudes(longitude, west, east):
        if south <= latitude <= north:
            return 0.0, farthest
        return min(abs(latitude - south), abs(latitude - north)) * KM_PER_DEGREE, farthest
    edge = min((west, east), key=lambda meridian: _longitude_gap(longitude, meridian))
    gap = math.radians(_longitude_gap(longitude, edge))
    if math.cos(gap) > 1e-12:
        foot = math.degrees(math.atan(math.tan(math.radians(latitude)) / math.cos(gap)))
    else:  # a quarter of the globe away or more: the nearest point is toward the pole
        foot = math.copysign(90.0, latitude)
    foot = min(north, max(south, foot))
    return distance_km(latitude, longitude, foot, edge), farthest


def _longitude_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _within_longitudes(longitude: float, west: float, east: float) -> bool:
    return west <= longitude <= east or west <= longitude + 360.0 <= east
