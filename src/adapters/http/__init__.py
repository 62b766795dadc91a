"""HTTP adapter: the FastAPI application (`/v1`), problem+json errors, API-key authentication."""
