"""`/docs` and `/redoc` work without internet: every script, style sheet and icon they load is served by
Razão itself (adapters/http/docs_pages.py), without an API key, with sensible cache headers."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from adapters.http.docs_pages import ASSETS_PREFIX
from tests.e2e.conftest import Api, problem_code

PAGES = ("/docs", "/redoc")
#: What each kind of asset must be answered as, and a token its content must hold.
KINDS = {
    ".js": ("text/javascript", b"function"),
    ".css": ("text/css", b"swagger-ui"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
#: Smaller than any real Swagger UI, ReDoc or favicon file: an empty or stub answer fails.
NON_TRIVIAL = 1000


class _References(HTMLParser):
    """Every URL a page makes the browser load: scripts, style sheets and icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}
        name = wanted.get(tag)
        self.urls += [value for key, value in attrs if key == name and value]
        if tag == "redoc":
            self.urls += [value for key, value in attrs if key == "spec-url" and value]


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", PAGES)
def test_the_page_loads_only_local_urls(api: Api, page: str) -> None:
    response = api.client.get(page)  # no API key
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    urls = references(response.text)
    assert len(urls) >= 3, urls  # the UI's script, the favicon, the OpenAPI document (+ CSS for Swagger)
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), f"{page} loads {url}"
    assert "http://" not in response.text and "https://" not in response.text, response.text
    assert "/openapi.json" in response.text


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_a_page_loads_is_served(api: Api, page: str) -> None:
    assets = [url for url in references(api.client.get(page).text) if url != "/openapi.json"]
    assert assets and all(url.startswith(ASSETS_PREFIX + "/") for url in assets), assets
    for url in assets:
        response = api.client.get(url)
        assert response.status_code == 200, url
        media_type, token = KINDS[url[url.rindex(".") :]]
        assert response.headers["content-type"].split(";")[0] == media_type, url
        assert len(response.content) > NON_TRIVIAL, url
        assert token in response.content, url
        assert "immutable" in response.headers["cache-control"], url


def test_the_ui_bundles_are_the_real_ones(api: Api) -> None:
    swagger = api.client.get(f"{ASSETS_PREFIX}/swagger-ui-bundle.js").content
    redoc = api.client.get(f"{ASSETS_PREFIX}/redoc.standalone.js").content
    assert b"SwaggerUIBundle" in swagger and len(swagger) > 500_000
    assert b"Redoc" in redoc and len(redoc) > 500_000


def test_the_openapi_document_the_pages_read_is_public(api: Api) -> None:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/v1/transfers" in paths
    assert not any(path.startswith(("/docs", "/redoc")) for path in paths)


@pytest.mark.parametrize(
    "url",
    [
        "/docs/assets/0.0.0/swagger-ui.css",  # another version: its files are not these
        f"{ASSETS_PREFIX}/core.py",  # a file of the package that is not an asset
        f"{ASSETS_PREFIX}/..%2Fcore.py",
        f"{ASSETS_PREFIX}/%2e%2e%2fconsts.py",
        "/docs/oauth2-redirect",  # Razão uses bearer keys, not OAuth2
    ],
)
def test_nothing_else_is_served_there(api: Api, url: str) -> None:
    response = api.client.get(url)
    assert response.status_code == 404, url
    assert problem_code(response) == "not_found"
