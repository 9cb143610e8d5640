"""The review station: flagged strings corrected in a browser (`digitscan review`).

`store` keeps the corrections (SQLite beside the results), `server` is the web app, `export`
writes the corrected results and the corrected digits' crops.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from pathlib import Path

from digitscan.errors import UsageError

REVIEW_EXTRA = 'pip install "digitscan[review]"'


def export_corrections(results: Path, out_file: Path | None, crops: Path | None) -> tuple[int, int, int]:
    """The corrections applied to `results` (`out_file`) and the corrected digits as crops;
    returns (strings reviewed, crops written, reviewed strings whose digits could not be paired)."""
    from digitscan.review.export import export_crops, export_csv
    from digitscan.review.store import ReviewStore, read_results

    read = read_results(results)
    store = ReviewStore(results, read)
    try:
        corrections = store.reviewed()
    finally:
        store.close()
    reviewed = export_csv(read.records, corrections, out_file) if out_file is not None else len(corrections)
    written, left_out = export_crops(read.records, corrections, crops) if crops is not None else (0, 0)
    return reviewed, written, left_out


def serve(results: Path, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the review page for `results` until interrupted; `on_ready` gets its URL."""
    try:
        import uvicorn

        from digitscan.review.server import create_app
    except ImportError:
        raise UsageError(f"digitscan review needs Starlette and uvicorn: {REVIEW_EXTRA}") from None
    from digitscan.review.store import ReviewStore, read_results

    store = ReviewStore(results, read_results(results))
    token = secrets.token_urlsafe(18)
    everywhere = host in ("0.0.0.0", "::")  # every interface: the URL others open names this machine
    shown = socket.gethostname() if everywhere else f"[{host}]" if ":" in host else host
    config = uvicorn.Config(
        create_app(store, token), host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listening = socket.create_server((host, port), family=family)
    except OSError as exc:
        store.close()
        raise UsageError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port"
        ) from None
    sockets = [listening]
    # Accepted connections inherit this (Linux): no Nagle delay between a response's headers
    # and its body, which with the browser's delayed ACKs cost 40 ms a request.
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    bound = sockets[0].getsockname()[1]
    done, total = store.progress()
    on_ready(f"http://{shown}:{bound}/?token={token}  ({done} of {total} flagged strings reviewed)")
    try:
        server.run(sockets=sockets)
    finally:
        store.close()
