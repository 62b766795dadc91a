"""The broker stream's adapter: publishing the feed's events to RabbitMQ (`amqp`) and the long-running
loop around `application.stream.publish_pending` (`runner`), started by `razao stream`.

Nothing here connects at import time; the composition root (`razao.container`) builds both only when
`RAZAO_EVENT_STREAM_URL` is set, and injects how an event is rendered (the HTTP feed's own document), so
that this package depends on no other adapter.
"""
