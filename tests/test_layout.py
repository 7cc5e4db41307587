"""The house rules of DESIGN.md that a test can check."""

import ast
import tomllib

import pytest

from tests.conftest import ROOT

DOMAIN = ("solar", "geodata", "planner")


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_never_import_streamlit(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = [
        str(f.relative_to(ROOT))
        for f in files
        if any(name.split(".")[0] in ("streamlit", "streamlit_folium") for name in _imports(f))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_never_import_app_pages(package):
    offenders = [
        str(f.relative_to(ROOT))
        for f in (ROOT / package).rglob("*.py")
        if any(name.split(".")[0] == "app_pages" for name in _imports(f))
    ]
    assert offenders == []


def test_no_pages_folder_beside_app_py():
    # Streamlit gives a pages/ folder beside the main script its legacy meaning
    # in the first session, even with st.navigation: pages live in app_pages/.
    assert not (ROOT / "pages").exists()


def test_app_is_the_router_and_the_shared_sidebar():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    nodes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    nodes.sort(key=lambda node: (node.lineno, node.col_offset))
    calls = list(dict.fromkeys(node.func.attr for node in nodes))
    # The language first (the page titles are written in it), then the account (the
    # pages offered depend on its role), the rest of the shared sidebar before the
    # page runs, so that it survives a change of page.
    order = [
        "set_page_config",
        "init",
        "language",
        "panel",
        "navigation",
        "build",
        "show_flash",
        "run_page",
    ]
    assert [c for c in calls if c in order] == order
    # Nothing else: any other widget or drawing belongs to a page.
    assert set(calls) == set(order)


def test_caching_lives_only_in_app_pages_cache():
    code = [ROOT / "app.py"] + [
        f
        for folder in ("app_pages", *DOMAIN, "quartier_solaire")
        for f in (ROOT / folder).rglob("*.py")
    ]
    users = [
        str(f.relative_to(ROOT))
        for f in code
        if any(word in f.read_text(encoding="utf-8") for word in ("cache_data", "cache_resource"))
    ]
    assert users == ["app_pages/_cache.py"]


def test_streamlit_config_is_explicit_and_safe():
    with (ROOT / ".streamlit" / "config.toml").open("rb") as f:
        config = tomllib.load(f)
    server = config["server"]
    assert isinstance(server["maxUploadSize"], int) and server["maxUploadSize"] > 0
    assert server["enableXsrfProtection"] is True
    assert server["enableStaticServing"] is True
    assert "theme" in config


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


@pytest.mark.parametrize("package", DOMAIN)
def test_public_api_is_declared_and_importable(package):
    import importlib

    module = importlib.import_module(package)
    assert module.__all__, f"{package} declares its public API"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
