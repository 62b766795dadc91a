"""The interactive API docs, `/docs` (Swagger UI) and `/redoc` (ReDoc), served without internet.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine without internet access (as
many banks' are) they are blank. Here the two pages are built with FastAPI's `get_swagger_ui_html` and
`get_redoc_html`, pointing at files this app serves itself under `/docs/assets/<version>/`.

Where the files come from: the PyPI package `fastapi-offline` (MIT), pinned exactly in pyproject.toml,
which ships Swagger UI 5.32.6 (Apache-2.0), ReDoc 2.5.3 (MIT) and a favicon as package data. Only its
static files are used (not its `FastAPIOffline` app factory). A package rather than files vendored from
the npm registry: `pip install` already brings it to every machine, the repository carries no 2.8 MB of
minified JavaScript, and an upgrade is one reviewed line.

Caching: the asset URLs carry the package's version, so a browser may keep them for a year
(`immutable`); an upgrade changes the URLs. The two HTML pages are tiny and say `no-cache`, so a browser
always picks up the current asset URLs. Like `/openapi.json`, the pages and assets need no API key.
"""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, Response

_PACKAGE = "fastapi_offline"
#: The version in the asset URLs: the package's, so an upgrade changes them (and every browser's cache).
ASSETS_VERSION = version("fastapi-offline")
ASSETS_PREFIX = f"/docs/assets/{ASSETS_VERSION}"

#: The only files served, with their media types: nothing else of the package's folder is reachable.
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}

_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_NO_CACHE = {"Cache-Control": "no-cache"}

#: Swagger UI options: no call to the online validator (BaseLayout shows no badge; this makes sure).
#: The API key typed into "Authorize" is not persisted: a shared machine's browser must not keep it.
_SWAGGER_PARAMETERS = {"validatorUrl": None}


def _static_folder() -> Path:
    return Path(str(files(_PACKAGE).joinpath("static")))


def _root(request: Request) -> str:
    """The path the app is mounted under behind a proxy (`--root-path`), which the page's URLs need."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _html(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(_NO_CACHE)
    return page


def docs_router(openapi_url: str, title: str) -> APIRouter:
    """The routes of the two pages and their assets (left out of the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)
    folder = _static_folder()
    favicon = f"{ASSETS_PREFIX}/favicon.png"

    @router.get("/docs")
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return _html(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PREFIX}/swagger-ui.css",
                swagger_favicon_url=root + favicon,
                oauth2_redirect_url=None,
                swagger_ui_parameters=_SWAGGER_PARAMETERS,
            )
        )

    @router.get("/redoc")
    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return _html(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=root + favicon,
                with_google_fonts=False,
            )
        )

    @router.get("/docs/assets/{assets_version}/{name}")
    async def asset(assets_version: str, name: str) -> Response:
        media_type = ASSETS.get(name)
        if assets_version != ASSETS_VERSION or media_type is None:
            raise HTTPException(404)  # the app's 404 problem, like any unknown path
        return FileResponse(folder / name, media_type=media_type, headers=_IMMUTABLE)

    return router


def add_docs_pages(app: FastAPI) -> None:
    """Serve `/docs` and `/redoc` from local assets (the app must be built with `docs_url=None` and
    `redoc_url=None`, so that FastAPI's CDN pages are not there as well)."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's CDN pages are still on"
    app.include_router(docs_router(app.openapi_url or "/openapi.json", app.title))
