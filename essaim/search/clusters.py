"""The map's clusters: the matches in a box grouped on a grid, computed by the tantivy index's
aggregations."""

from dataclasses import replace

import tantivy

from .geo import mercator
from .query import Cluster, SearchQuery


class Clustering:
    """Mixed into the tantivy index: needs its searcher, filters and cache."""

    def clusters(
        self, query: SearchQuery, zoom: int, max_clusters: int = 500
    ) -> tuple[Cluster, ...]:
        """Organisations in the query's box grouped on a grid of 64-pixel cells at `zoom`."""
        return self.remembered(
            ("clusters", query.cache_key(), zoom, max_clusters),
            lambda searcher: self._clusters(searcher, query, zoom, max_clusters),
        )

    def _clusters(self, searcher, query: SearchQuery, zoom: int, max_clusters: int):
        cell = 1.0 / (2 ** (zoom + 2))
        x_bounds = y_bounds = {}
        if query.bbox and query.bbox[0] <= query.bbox[2]:
            # The box bounds the grid itself (inclusive bounds: the same documents), and only
            # the latitudes are queried: intersecting two ranges over millions of documents
            # costs more than the whole aggregation.
            west, south, east, north = query.bbox
            (x_min, y_min), (x_max, y_max) = mercator(north, west), mercator(south, east)
            x_bounds = {"hard_bounds": {"min": x_min, "max": x_max}}
            y_bounds = {"hard_bounds": {"min": y_min, "max": y_max}}
            query = replace(query, bbox=None)
            latitudes = tantivy.Query.range_query(
                self.schema, "lat", tantivy.FieldType.Float, south, north
            )
        else:
            latitudes = tantivy.Query.exists_query("lat")
        clauses, _shared = self._filtered(searcher, query)
        clauses.append(latitudes)
        inner = {
            "lat": {"avg": {"field": "lat"}},
            "lon": {"avg": {"field": "lon"}},
            "first": {"min": {"field": "id"}},
            **{f"{name}_{end}": {end: {"field": name}}
               for name in ("lat", "lon") for end in ("min", "max")},
        }  # fmt: skip
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
        result = searcher.aggregate(self._combine(clauses), aggregation)
        clusters = []
        for column in result["x"]["buckets"]:
            for bucket in column["y"]["buckets"]:
                count = bucket["doc_count"]
                clusters.append(
                    Cluster(
                        latitude=round(bucket["lat"]["value"], 5),
                        longitude=round(bucket["lon"]["value"], 5),
                        count=count,
                        organisation_id=int(bucket["first"]["value"]) if count == 1 else None,
                        same_place=count > 1
                        and all(
                            bucket[f"{name}_max"]["value"] - bucket[f"{name}_min"]["value"] < 1e-5
                            for name in ("lat", "lon")
                        ),
                    )
                )
        clusters.sort(key=lambda cluster: -cluster.count)
        return tuple(clusters[:max_clusters])
