"""A minimal keep-alive HTTP/1.1 server on loopback that answers every request with canned bytes.

It is a raw asyncio protocol (on uvloop when installed) so it costs far less CPU
per request than the client under test; ``bench_client.py`` starts it pinned to
the other core. Each ``--route METHOD PREFIX FILE`` answers requests whose method
is METHOD and whose target starts with PREFIX with FILE (the longest prefix wins);
any other GET gets the ``--get`` file, any other POST the ``--post`` file. It
listens on 127.0.0.1 only (over TLS with ``--certfile`` and ``--keyfile``),
prints its port on the first line of stdout and exits by itself after
``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
from pathlib import Path

HEADER_END = b"\r\n\r\n"


def canned(body: bytes) -> bytes:
    """The complete response for ``body``."""
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class CannedProtocol(asyncio.Protocol):
    """Parses just enough HTTP/1.1 (request line, Content-Length) to answer pipelined requests."""

    def __init__(self, get: bytes, post: bytes, routes: list[tuple[bytes, bytes]]) -> None:
        self._get = get
        self._post = post
        # (b"GET /prefix", response), longest prefix first
        self._routes = routes
        self._buffer = bytearray()
        self._transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; both can write.
        self._transport = transport  # type: ignore[assignment]

    def _answer(self, head: bytes) -> bytes:
        for start, response in self._routes:
            if head.startswith(start):
                return response
        return self._post if head.startswith(b"POST") else self._get

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        out = []
        while True:
            end = buffer.find(HEADER_END)
            if end < 0:
                break
            head = bytes(buffer[:end])
            length = 0
            lowered = head.lower()
            at = lowered.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lowered.find(b"\r\n", at + 2)
                length = int(lowered[at + 17 : stop if stop >= 0 else None])
            total = end + 4 + length
            if len(buffer) < total:
                break
            out.append(self._answer(head))
            del buffer[:total]
        if out and self._transport is not None:
            self._transport.write(b"".join(out))


async def serve(
    get: bytes,
    post: bytes,
    routes: list[tuple[bytes, bytes]],
    seconds: float,
    tls: ssl.SSLContext | None,
) -> None:
    """Serve on an ephemeral loopback port for ``seconds`` (over TLS if ``tls`` is given)."""
    loop = asyncio.get_running_loop()
    get_response, post_response = canned(get), canned(post)
    answers = sorted(((start, canned(body)) for start, body in routes), key=lambda r: -len(r[0]))
    server = await loop.create_server(
        lambda: CannedProtocol(get_response, post_response, answers),
        "127.0.0.1",
        0,
        backlog=1024,
        ssl=tls,
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await asyncio.sleep(seconds)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--get", type=Path, required=True, help="body for every GET")
    parser.add_argument("--post", type=Path, required=True, help="body for every POST")
    parser.add_argument(
        "--route",
        nargs=3,
        action="append",
        default=[],
        metavar=("METHOD", "PREFIX", "FILE"),
        help="answer METHOD requests whose target starts with PREFIX with FILE",
    )
    parser.add_argument("--seconds", type=float, default=600.0, help="exit after this long")
    parser.add_argument("--no-uvloop", action="store_true", help="use the stdlib event loop")
    parser.add_argument("--certfile", type=Path, help="serve TLS with this certificate chain")
    parser.add_argument("--keyfile", type=Path, help="the certificate's private key")
    args = parser.parse_args(argv)
    get, post = args.get.read_bytes(), args.post.read_bytes()
    routes = [
        (f"{method} {prefix}".encode("ascii"), Path(file).read_bytes())
        for method, prefix, file in args.route
    ]
    tls = None
    if args.certfile is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.certfile, args.keyfile)
    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            print("stub: uvloop not installed, using the stdlib loop", file=sys.stderr)
        else:
            uvloop.run(serve(get, post, routes, args.seconds, tls))
            return
    asyncio.run(serve(get, post, routes, args.seconds, tls))


if __name__ == "__main__":
    main()
