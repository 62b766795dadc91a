"""Razão's use cases and the ports they need (clock, id source, unit of work, repositories).

Each use case is a short function over ports; the adapters (SQLAlchemy, PL/Python, HTTP, Celery)
implement or call them. Imports only `domain` and the standard library.
"""
