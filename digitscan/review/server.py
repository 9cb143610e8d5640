"""The review station's web app: a Starlette app over a `ReviewStore`, served by uvicorn.

Everything it needs is served by itself (one HTML page, a script, a style sheet: no CDN, no
build). Every request but the static files carries the access token (`?token=` or the
`X-Token` header): printed in the URL, as notebook servers do, so that neither another
machine (with `--host`) nor another web site open in the same browser can read or post
corrections. Images are asked for by item number only: the file they are cut from comes
from the results file, never from the request.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import cv2
import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from digitscan.defaults import DEFAULT_DPI, DEFAULT_MIN_CONFIDENCE
from digitscan.errors import DigitscanError
from digitscan.pages import page_image
from digitscan.review.store import Conflict, Item, ReviewStore, box_on_page

STATIC = Path(__file__).with_name("static")
Endpoint = Callable[[Request], Awaitable[Response]]
CACHED_PAGES = 8
CROP_MARGIN = 0.4  # of the string's height, around it: enough to see what touches it
PAGE_VIEW_LONG_SIDE = 1600


class PageCache:
    """Decoded pages, the most recent few: a reviewer goes through a page's strings in turn."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, file: str, page: int, dpi: float | None) -> np.ndarray:
        """A page as `run` loaded it: a PDF's rendered at the dpi its boxes are in."""
        key = (file, page)
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
                return self.pages[key]
        image = page_image(file, page, dpi or DEFAULT_DPI)
        if image is None:
            raise DigitscanError(f"{file}: has no page {page}")
        with self.lock:
            self.pages[key] = image
            while len(self.pages) > CACHED_PAGES:
                self.pages.popitem(last=False)
        return image

    def warm(self, file: str, page: int, dpi: float | None) -> None:
        """Decode a page in the background, before it is asked for."""

        def load() -> None:
            with suppress(DigitscanError, OSError, ValueError, cv2.error):  # asked for later: reported then
                self.get(file, page, dpi)

        threading.Thread(target=load, daemon=True).start()


def item_json(item: Item, store: ReviewStore) -> dict:
    record = item.record.data
    done, total = store.progress()
    return {
        "id": item.record.line,
        "file": record["file"],
        "page": record["page"],
        "where": item.record.label,
        "text": item.text,
        "read_as": record["text"],
        "status": item.status,
        "version": item.version,
        "reason": record["reason"],
        "digits": [
            {"label": d["label"], "doubtful": d["label"] == "?" or d["confidence"] < DEFAULT_MIN_CONFIDENCE}
            for d in record["digits"]
        ],
        "done": done,
        "total": total,
    }


def create_app(store: ReviewStore, token: str) -> Starlette:
    cache = PageCache()

    def authorised(request: Request) -> bool:
        given = request.headers.get("x-token") or request.query_params.get("token") or ""
        return secrets.compare_digest(given.encode(), token.encode())

    def guarded(handler: Endpoint) -> Endpoint:
        """The handler behind the token check: every route but the static files."""

        async def checked(request: Request) -> Response:
            if not authorised(request):
                message = "the access token is missing or wrong: open the URL digitscan printed"
                return JSONResponse({"error": message}, 403)
            return await handler(request)

        return checked

    def line_of(request: Request) -> int | None:
        try:
            line = int(request.path_params["line"])
        except ValueError:
            return None
        return line if line in store.flagged_lines else None

    def reviewer_of(request: Request) -> str:
        return (request.query_params.get("reviewer") or request.headers.get("x-reviewer") or "anonymous")[:64]

    def hand_out(item: Item | None) -> Response:
        if item is None:
            done, total = store.progress()
            return JSONResponse({"finished": True, "done": done, "total": total})
        following = store.next_pending_after(item.record.line)
        if following is not None:
            cache.warm(following.file, following.page, following.data.get("dpi"))
        return JSONResponse(item_json(item, store))

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("review.js", "review.css"):
            return Response("not found", 404)
        return FileResponse(STATIC / name)

    async def next_item(request: Request) -> Response:
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            after = 0
        return hand_out(store.next_for(reviewer_of(request), after))

    async def get_item(request: Request) -> Response:
        line = line_of(request)
        if line is None:
            return JSONResponse({"error": "no such flagged string"}, 404)
        if not store.lease(line, reviewer_of(request)):
            return JSONResponse({"error": "another reviewer has this string now"}, 409)
        return JSONResponse(item_json(store.item(line), store))

    async def save(request: Request) -> Response:
        line = line_of(request)
        if line is None:
            return JSONResponse({"error": "no such flagged string"}, 404)
        try:
            body = await request.json()
            action, text, version = body["action"], str(body.get("text", "")), int(body["version"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "expected JSON with action, text and version"}, 400)
        reviewer = reviewer_of(request)
        if action == "skip":
            store.skip(line, reviewer)
            return JSONResponse({"ok": True})
        if action not in ("save", "accept"):
            return JSONResponse({"error": f"unknown action {action!r}"}, 400)
        if action == "accept":
            text = str(store.records[line].data["text"])
        try:
            item = store.save(line, reviewer, text, version, accepted=action == "accept")
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        except Conflict as exc:
            return JSONResponse({"error": str(exc)}, 409)
        return JSONResponse(item_json(item, store))

    async def image(request: Request) -> Response:
        line = line_of(request)
        if line is None:
            return Response("no such flagged string", 404)
        record = store.records[line]
        try:
            page = cache.get(record.file, record.page, record.data.get("dpi"))
        except (DigitscanError, OSError, ValueError, cv2.error) as exc:
            return Response(f"cannot show the page: {exc}", 410)
        view = request.path_params["view"]
        if view not in ("crop", "page"):
            return Response("not found", 404)
        box = box_on_page(record.box, page.shape)
        if box is None:
            message = f"the string's box lies outside page {record.page}: not the file that was read"
            return Response(message, 410)
        x, y, w, h = box
        if view == "page":
            picture = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
            thickness = max(2, round(max(page.shape) / 600))
            cv2.rectangle(picture, (x, y), (x + w, y + h), (0, 110, 255), thickness)
            scale = min(1.0, PAGE_VIEW_LONG_SIDE / max(page.shape))
            picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
            kind = "image/jpeg"
        else:
            margin = max(10, round(CROP_MARGIN * h))
            top, left = max(0, y - margin), max(0, x - margin)
            crop = page[top : y + h + margin, left : x + w + margin]
            ok, data = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            kind = "image/png"
        if not ok:
            return Response("cannot encode the image", 500)
        return Response(data.tobytes(), media_type=kind, headers={"Cache-Control": "private, max-age=3600"})

    return Starlette(
        routes=[
            Route("/", guarded(index)),
            Route("/static/{name}", static),
            Route("/api/next", guarded(next_item)),
            Route("/api/item/{line}", guarded(get_item), methods=["GET"]),
            Route("/api/item/{line}", guarded(save), methods=["POST"]),
            Route("/api/item/{line}/{view}", guarded(image)),
        ]
    )
