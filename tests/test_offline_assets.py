from quartier_solaire.offline_assets import ensure_leaflet, leaflet_source


def test_leaflet_is_copied_from_the_installed_package(tmp_path):
    target = ensure_leaflet(tmp_path / "leaflet")
    js = (target / "leaflet.js").read_text(encoding="utf-8")
    assert "Leaflet 1.9" in js[:200]
    assert (target / "leaflet.css").stat().st_size > 1000
    assert (target / "images" / "layers.png").is_file()
    assert (leaflet_source() / "leaflet.js").read_bytes() == (target / "leaflet.js").read_bytes()


def test_copy_is_idempotent(tmp_path):
    target = ensure_leaflet(tmp_path / "leaflet")
    stamp = (target / "leaflet.js").stat().st_mtime_ns
    ensure_leaflet(target)
    assert (target / "leaflet.js").stat().st_mtime_ns == stamp
