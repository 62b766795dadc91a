"""The API factory for uvicorn (`uvicorn --factory razao.api:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.http.app import create_app as create_http_app
from razao.container import build_container
from razao.logging import configure_logging
from razao.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    container = build_container(settings)
    app = create_http_app(container.services())
    app.state.container = container
    return app
