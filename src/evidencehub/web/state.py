"""What every endpoint of the app shares: the store, its published view, the sign-in throttle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Engine
from starlette.requests import Request

from evidencehub.web.security import LoginThrottle
from evidencehub.web.view import StoreView

__all__ = ["SESSION_LIFETIME", "WebHub", "hub_of"]

#: How long a sign-in lasts (a working day).
SESSION_LIFETIME = dt.timedelta(hours=10)


@dataclass(slots=True)
class WebHub:
    """The app's shared state (``app.state.hub``)."""

    engine: Engine
    view: StoreView
    site_dir: Path | None = None
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    session_lifetime: dt.timedelta = SESSION_LIFETIME


def hub_of(request: Request) -> WebHub:
    """The shared state of the app serving ``request``."""
    return cast(WebHub, request.app.state.hub)
