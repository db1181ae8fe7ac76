"""The offline basemap's files, as the map pages hand them to map.js."""

import json
from pathlib import Path

from django.templatetags.static import static

# The detailed basemap's country files (built by scripts/build_basemap.py).
BASEMAP_COUNTRIES = sorted(
    path.stem for path in (Path(__file__).resolve().parent.parent / "static" / "geo" / "basemap")
    .glob("*.geojson")
)  # fmt: skip


def basemap_context() -> dict:
    """The addresses of the offline basemap's files, as served (fingerprinted in production)."""
    files = {code: static(f"geo/basemap/{code}.geojson") for code in BASEMAP_COUNTRIES}
    return {"basemap_index": static("geo/basemap/index.json"),
            "basemap_files": json.dumps(files, separators=(",", ":"))}  # fmt: skip
