"""What the rooftop map draws, read through Leaflet in its frame.

The buildings are drawn on a canvas, not as one SVG path each: they are
counted and found through the layer the map keeps as ``window.qsBuildings``.
"""

# Buildings drawn (0 until the layer exists).
COUNT = "window.qsBuildings ? window.qsBuildings.getLayers().length : 0"
# Number of outlines of a selected building (a thick line, no fill).
OUTLINED = """() => {
    let n = 0;
    window.map.eachLayer(l => {
        if (l.feature && l.options.weight === 3 && !l.options.fill) { n++; }
    });
    return n;
}"""
# Id and centre, in the frame's pixels, of the largest building in view.
LARGEST = """() => {
    let best = null, area = 0;
    const view = window.map.getBounds();
    window.qsBuildings.eachLayer(l => {
        const b = l.getBounds();
        if (!view.contains(b)) { return; }
        const a = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
        if (a > area) { area = a; best = l; }
    });
    const p = window.map.latLngToContainerPoint(best.getBounds().getCenter());
    return {id: best.feature.properties.id, x: p.x, y: p.y};
}"""


def count(frame) -> int:
    """Return how many buildings the map's frame draws."""
    return frame.evaluate(COUNT)


def click_largest(page, frame) -> str:
    """Click the middle of the largest building in view; return its id."""
    target = frame.evaluate(LARGEST)
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    return target["id"]
