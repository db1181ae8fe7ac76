"""Where, in the tantivy engine: a box, a circle (see `geo.py` for its cells), the nearest
first, and the distances shown beside the results."""

import tantivy

from .geo import HALF_CIRCUMFERENCE_KM, box_cells, covering
from .query import SearchQuery, distance_km


class PlaceMatching:
    """Mixed into the tantivy index: needs `self.schema`, `_combine`, `_common_clauses` and
    `_every_hit`."""

    def _bbox_clauses(self, bbox):
        west, south, east, north = bbox
        lat = tantivy.Query.range_query(self.schema, "lat", tantivy.FieldType.Float, south, north)
        if west <= east:
            lon = tantivy.Query.range_query(self.schema, "lon", tantivy.FieldType.Float, west, east)
            return [self._box_cells(bbox), lat, lon]
        else:  # the box crosses the antimeridian
            lon = tantivy.Query.boolean_query(
                [
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.range_query(
                            self.schema, "lon", tantivy.FieldType.Float, west, 180.0
                        ),
                    ),
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.range_query(
                            self.schema, "lon", tantivy.FieldType.Float, -180.0, east
                        ),
                    ),
                ]
            )
        return [lat, lon]

    def _box_cells(self, bbox):
        """The grid cells over a box (west <= east): a short term list that leads an
        intersection, so that the ranges only check the documents it holds."""
        return tantivy.Query.term_set_query(self.schema, "cell", box_cells(*bbox))

    def _circle(self, searcher, common_clauses, near, radius_km):
        """The documents within `radius_km` of `near`: those filed under a cell wholly inside
        the circle, and those of the cells crossing its edge that are measured within it
        (among the documents `common_clauses` let through, which every count of the search
        shares: not the facet filters, which the facet counts leave out in turn)."""
        cells = covering(*near, radius_km)
        parts = []
        if cells.inside:
            parts.append(tantivy.Query.term_set_query(self.schema, "cell", cells.inside))
        if cells.edge:
            edge = tantivy.Query.term_set_query(self.schema, "cell", cells.edge)
            measured = self._every_hit(searcher, self._combine([*common_clauses, edge]),
                                       ("id", "lat", "lon"))  # fmt: skip
            within = [pk for pk, lat, lon in measured if distance_km(*near, lat, lon) <= radius_km]
            if within:
                parts.append(tantivy.Query.term_set_query(self.schema, "id", within))
        if not parts:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, part) for part in parts])

    def _nearest_first(self, searcher, query: SearchQuery, clauses, limit) -> tuple[list, int]:
        """The page of matches nearest to `near`, and the number of matches. The matches are
        looked for in circles widening up to the radius (or the whole globe), until one holds
        enough of them to fill the page: only those are measured and sorted. Every match
        outside a circle is farther than every match inside it."""
        located = clauses if query.radius_km else [*clauses, tantivy.Query.exists_query("lat")]
        total = searcher.search(self._combine(located), 1).count
        wanted = query.offset + limit
        largest = query.radius_km or HALF_CIRCUMFERENCE_KM
        radii = [radius for radius in (5.0, 20.0, 80.0, 320.0, 1280.0, 5120.0) if radius < largest]
        common = self._common_clauses(searcher, query)
        for radius in [*radii, largest]:
            circle = self._combine([*clauses, self._circle(searcher, common, query.near, radius)])
            if radius == largest or searcher.search(circle, 1).count >= wanted:
                break
        measured = self._every_hit(searcher, circle, ("id", "lat", "lon"))
        nearest = sorted((distance_km(*query.near, lat, lon), pk) for pk, lat, lon in measured)
        ids = [pk for _distance, pk in nearest[query.offset : wanted]] if query.limit else []
        return ids, total

    def _distances(self, searcher, ids: list[int], near) -> dict[int, float]:
        """{id: distance to `near` in km} of the entries `ids` that have a position."""
        if not ids:
            return {}
        entries = tantivy.Query.term_set_query(self.schema, "id", list(ids))
        return {
            pk: distance_km(*near, lat, lon)
            for pk, lat, lon in self._every_hit(searcher, entries, ("id", "lat", "lon"))
            if lat is not None
        }
