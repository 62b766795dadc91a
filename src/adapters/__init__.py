"""Adapters: the only code that knows FastAPI, SQLAlchemy, SQL, PL/Python function names or Celery."""
