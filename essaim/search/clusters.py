"""The map's clusters: the matches in a box grouped on a grid, computed by the tantivy index's
aggregations."""

from dataclasses import replace

import tantivy
from django.conf import settings

from .geo import mercator
from .query import SAMPLE_BUCKETS, Cluster, SearchQuery


class Clustering:
    """Mixed into the tantivy index: needs its searcher, filters and cache."""

    def clusters(
        self, query: SearchQuery, zoom: int, max_clusters: int = 500
    ) -> tuple[Cluster, ...]:
        """Organisations in the query's box grouped on a grid of 64-pixel cells at `zoom`."""
        return self.remembered(
            (
                "clusters",
                query.cache_key(),
                zoom,
                max_clusters,
                settings.ESSAIM["MAP_SAMPLE_ABOVE"],
            ),
            lambda searcher: self._clusters(searcher, query, zoom, max_clusters),
        )

    def _clusters(self, searcher, query: SearchQuery, zoom: int, max_clusters: int):
        cell = 1.0 / (2 ** (zoom + 2))
        x_bounds = y_bounds = {}
        if query.bbox and query.bbox[0] <= query.bbox[2]:
            # The box bounds the grid itself (inclusive bounds: the same documents). Only the
            # grid cells over the box and its latitudes are queried: a short term list and one
            # range, where intersecting two ranges over millions of documents would cost more
            # than the whole aggregation.
            west, south, east, north = query.bbox
            (x_min, y_min), (x_max, y_max) = mercator(north, west), mercator(south, east)
            x_bounds = {"hard_bounds": {"min": x_min, "max": x_max}}
            y_bounds = {"hard_bounds": {"min": y_min, "max": y_max}}
            where = [
                self._box_cells(query.bbox),
                tantivy.Query.range_query(
                    self.schema, "lat", tantivy.FieldType.Float, south, north
                ),
            ]
            query = replace(query, bbox=None)
        else:
            where = [tantivy.Query.exists_query("lat")]
        clauses, _shared = self._filtered(searcher, query)
        clauses.extend(where)
        inner = {
            "lat": {"stats": {"field": "lat"}},
            "lon": {"stats": {"field": "lon"}},
            "first": {"min": {"field": "id"}},
        }
        aggregation = {
            "x": {
                "histogram": {"field": "x", "interval": cell, "min_doc_count": 1, **x_bounds},
                "aggs": {
                    "y": {
                        "histogram": {
                            "field": "y",
                            "interval": cell,
                            "min_doc_count": 1,
                            **y_bounds,
                        },
                        "aggs": inner,
                    }
                },
            }
        }
        # A stable sixteenth of the matches first (see `_aggregate`): when it says there are
        # more than MAP_SAMPLE_ABOVE in the view, its cells, their counts times sixteen, are
        # the map (cells too sparse to be sampled are among those the 500 largest leave out
        # anyway); otherwise every match is counted.
        sample = tantivy.Query.term_query(self.schema, "sample", 0)
        result = searcher.aggregate(self._combine([*clauses, sample]), aggregation)
        scale = SAMPLE_BUCKETS
        sampled = sum(bucket["doc_count"] for column in result["x"]["buckets"]
                      for bucket in column["y"]["buckets"])  # fmt: skip
        if sampled * SAMPLE_BUCKETS <= settings.ESSAIM["MAP_SAMPLE_ABOVE"]:
            result, scale = searcher.aggregate(self._combine(clauses), aggregation), 1
        clusters = []
        for column in result["x"]["buckets"]:
            for bucket in column["y"]["buckets"]:
                count = bucket["doc_count"] * scale
                latitude, longitude = bucket["lat"], bucket["lon"]
                clusters.append(
                    Cluster(
                        latitude=round(latitude["avg"], 5),
                        longitude=round(longitude["avg"], 5),
                        count=count,
                        organisation_id=int(bucket["first"]["value"]) if count == 1 else None,
                        # (A sample says nothing of the positions of the others.)
                        same_place=count > 1
                        and scale == 1
                        and all(
                            stats["max"] - stats["min"] < 1e-5 for stats in (latitude, longitude)
                        ),  # fmt: skip
                        estimated=scale > 1,
                    )
                )
        clusters.sort(key=lambda cluster: -cluster.count)
        return tuple(clusters[:max_clusters])
