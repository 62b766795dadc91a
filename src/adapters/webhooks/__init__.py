"""Webhook delivery adapters: signing (Standard Webhooks), secrets at rest (Fernet), the payload, the
SSRF guard, and the HTTP sender (httpx: no redirects, timeouts, bounded bodies). Docs: docs/webhooks.md."""
