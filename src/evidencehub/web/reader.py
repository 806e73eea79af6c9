"""The reader's side: every page of the site, rendered from the store per request.

Paths are the static site's (``index.html``, ``library.html``, ``pages/<slug>.html``,
``studies/<key>.html``, ``trials/<id>.html``, ``trace/run-<id>.html``, each with its ``.json``
twin), so links inside pages work the same from the server and from a static copy; a page is
also found without its ``.html`` (``/pages/<slug>``). Forest plots, the stylesheet and the
icon are served from the same view. With ``--site``, files of a built site that the app does
not render itself (an editor's extra assets) are served from it as a fallback.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from evidencehub.errors import StoreError
from evidencehub.web.errors import error_response
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import header

__all__ = ["ROUTES", "site_page"]

_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def _site_path(url_path: str) -> tuple[str, bool]:
    """The site path of the HTML page for a request path, and whether the JSON twin is asked."""
    path = url_path.lstrip("/") or "index.html"
    if path.endswith(".json"):
        return path.removesuffix(".json") + ".html", True
    if not path.endswith(".html"):
        path += ".html"
    return path, False


def site_page(request: Request) -> Response:
    """A page of the site (HTML or its JSON twin), or the built site's file, or 404."""
    hub = hub_of(request)
    path, as_json = _site_path(request.url.path)
    try:
        rendered = hub.view.render(path, header=header(request))
    except KeyError:
        return _fallback(request, hub.site_dir)
    except StoreError:
        return error_response(request, 503, "The hub is unavailable", as_json)
    if as_json:
        return Response(rendered.json, media_type="application/json")
    return Response(rendered.html, media_type="text/html; charset=utf-8")


def _fallback(request: Request, site_dir: Path | None) -> Response:
    if site_dir is not None:
        relative = request.url.path.lstrip("/")
        target = (site_dir / relative).resolve()
        if target.is_relative_to(site_dir.resolve()) and target.is_file() and not any(
            part.startswith(".") for part in Path(relative).parts
        ):
            return FileResponse(target)
    return error_response(request, 404, "Not found", request.url.path.endswith(".json"))


def plot(request: Request) -> Response:
    """The forest plot of an analysis, as the site's ``plots/<slug>.svg``."""
    name = request.path_params["name"]
    try:
        plots = hub_of(request).view.published().plots
    except StoreError:
        return error_response(request, 503, "The hub is unavailable")
    svg = plots.get(name.removesuffix(".svg")) if name.endswith(".svg") else None
    if svg is None:
        return error_response(request, 404, "Not found")
    return Response(svg, media_type=_TYPES[".svg"])


def static_file(request: Request) -> Response:
    """The stylesheet, the icon and the scripts of the app."""
    name = request.path_params["name"]
    folder = resources.files("evidencehub.publish") / "static"
    item = folder / name
    if "/" in name or name.startswith(".") or not item.is_file():
        return error_response(request, 404, "Not found")
    suffix = Path(name).suffix
    media = _TYPES.get(suffix, "application/javascript" if suffix == ".js" else "text/plain")
    return Response(item.read_bytes(), media_type=media,
                    headers={"Cache-Control": "public, max-age=3600"})


def favicon(request: Request) -> Response:
    """Browsers ask for ``/favicon.ico`` on documents that declare no icon (the JSON twins)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


_PAGE_PATHS = ("/", "/index.html", "/index.json", "/library", "/library.html", "/library.json",
               "/pages/{name}", "/studies/{name}", "/trials/{name}", "/trace/{name}")

ROUTES = (
    *(WebRoute(path, site_page) for path in _PAGE_PATHS),
    WebRoute("/plots/{name}", plot),
    WebRoute("/static/{name}", static_file),
    WebRoute("/favicon.ico", favicon),
)
