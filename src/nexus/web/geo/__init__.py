"""Travel routes on a plain vector world map: Natural Earth land and OurAirports positions, vendored."""

import csv
from functools import cache
from html import escape
from pathlib import Path

import orjson

HERE = Path(__file__).parent


@cache
def airports() -> dict[str, tuple[str, str, float, float]]:
    """IATA code → (name, country, latitude, longitude)."""
    with (HERE / "airports.csv").open(encoding="utf-8", newline="") as fh:
        return {r["iata"]: (r["name"], r["country"], float(r["latitude"]), float(r["longitude"]))
                for r in csv.DictReader(fh)}


@cache
def land_rings() -> list[list[tuple[float, float]]]:
    """The land's outlines as rings of (longitude, latitude), decoded from TopoJSON (delta-encoded, quantised arcs)."""
    topology = orjson.loads((HERE / "land-110m.json").read_bytes())
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for i in indexes:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(part[1:] if points else part)
        return points

    rings = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings.extend(ring(r) for polygon in polygons for r in polygon)
    return rings


def _project(lon: float, lat: float, width: int) -> tuple[float, float]:
    """Equirectangular: the map is `width` wide and half as high."""
    return (lon + 180) / 360 * width, (90 - lat) / 180 * (width / 2)


@cache
def _land_path(width: int) -> str:
    return " ".join("M" + "L".join("{:.1f},{:.1f}".format(*_project(lon, lat, width)) for lon, lat in piece) + "Z"
                    for ring in land_rings() for piece in _split_at_antimeridian(ring))


def _split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses ±180° as pieces that each begin and end on the map's edge: closed, each runs along the
    edge rather than across the whole map."""
    jumps = [i for i in range(1, len(ring)) if abs(ring[i][0] - ring[i - 1][0]) > 180]
    if not jumps:
        return [ring]
    turned = ring[jumps[0]:-1] + ring[:jumps[0]]  # start just after a crossing (the ring's last point is its first)
    pieces, piece = [], [turned[0]]
    for before, point in zip(turned, turned[1:]):
        if abs(point[0] - before[0]) > 180:
            pieces.append(piece)
            piece = []
        piece.append(point)
    pieces.append(piece)
    return pieces


def route_map(legs: list[dict], width: int = 760) -> str:
    """An SVG world map (equirectangular) with each leg (`origin`, `destination` IATA codes, `date`, `flight`)
    drawn from airport to airport; legs whose airports are unknown are listed under it, never guessed."""
    known = airports()
    drawn = [leg for leg in legs if leg.get("origin") in known and leg.get("destination") in known]
    if not drawn:
        return ""
    height = width / 2
    land = _land_path(width)
    marks, places = [], {}
    for leg in drawn:
        (ax, ay), (bx, by) = (_project(known[c][3], known[c][2], width) for c in (leg["origin"], leg["destination"]))
        bend = -0.15 * abs(bx - ax) - 8
        what = f"{leg.get('flight') or ''} {leg['origin']}→{leg['destination']} {leg.get('date') or ''}".strip()
        marks.append(f'<path d="M{ax:.1f},{ay:.1f} Q{(ax + bx) / 2:.1f},{(ay + by) / 2 + bend:.1f} {bx:.1f},{by:.1f}" '
                     f'fill="none" stroke="#b42318" stroke-width="1.6"><title>{escape(what)}</title></path>')
        places[leg["origin"]], places[leg["destination"]] = (ax, ay), (bx, by)
    for code, (x, y) in sorted(places.items()):
        name, country = known[code][0], known[code][1]
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#111827"><title>{escape(code)}: {escape(name)} '
                     f'({escape(country)})</title></circle><text x="{x + 4:.1f}" y="{y - 4:.1f}" font-size="10">'
                     f'{escape(code)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="img" class="chart map" '
            f'aria-label="travel routes"><rect width="{width}" height="{height:.0f}" fill="#eef4fb"/>'
            f'<path d="{land}" fill="#d9dde3"/>{"".join(marks)}</svg>')
