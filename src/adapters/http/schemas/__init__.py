"""Pydantic models of the HTTP API's bodies (requests validated at the edge, responses with examples)."""
