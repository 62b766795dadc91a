"""A TCP relay that holds every chunk for a fixed time in each direction, keeping order: a stand-in
for a network link between the application and PostgreSQL (this kernel has no `sch_netem`, so
`tc qdisc ... netem delay` is not available).

    python -m bench.relay --listen 10.231.0.1:15432 --target 127.0.0.1:5432 --delay-ms 0.5

Each accepted connection gets a connection to `target`; in each direction one thread reads chunks
and stamps them with the time they may leave (arrival + delay), and another sends them at that time,
in order. A request and its answer therefore take at least twice the delay more than over loopback.

Threads rather than asyncio: the event loop waits in `epoll` with a timeout rounded up to whole
milliseconds, which would turn a 0.5 ms hold into 1 ms; `time.sleep` sleeps with `clock_nanosleep`
(tens of microseconds of slack). The relay prints `listening HOST:PORT` once it accepts connections.
"""

from __future__ import annotations

import argparse
import queue
import socket
import threading
import time

#: Largest chunk read at once (a PostgreSQL result page easily fills it).
CHUNK = 256 * 1024


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Relay source -> target, each chunk sent `delay` seconds after it arrived, in order."""
    held: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while data := source.recv(CHUNK):
                held.put((time.perf_counter() + delay, data))
        except OSError:
            pass
        held.put(None)

    def send() -> None:
        try:
            while (item := held.get()) is not None:
                due, data = item
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            source.close()
            target.close()

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=send, daemon=True).start()


def _connect(client: socket.socket, target: tuple[str, int], delay: float) -> None:
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    for sock in (client, upstream):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _pump(client, upstream, delay)
    _pump(upstream, client, delay)


def serve(listen: tuple[str, int], target: tuple[str, int], delay: float) -> None:
    server = socket.create_server(listen, reuse_port=False)
    host, port = server.getsockname()[:2]
    print(f"listening {host}:{port}", flush=True)
    while True:
        client, _ = server.accept()
        _connect(client, target, delay)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--listen", type=_address, default=("127.0.0.1", 15432))
    parser.add_argument("--target", type=_address, default=("127.0.0.1", 5432))
    parser.add_argument("--delay-ms", type=float, default=0.5, help="hold per direction, milliseconds")
    args = parser.parse_args(argv)
    serve(args.listen, args.target, args.delay_ms / 1000)


if __name__ == "__main__":
    main()
