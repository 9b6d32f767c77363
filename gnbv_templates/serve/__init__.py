"""`gnbv serve`: a local web application for officers who do not use a command line.

The application and the server are imported on first use (PEP 562): the port below is all the command
line needs to describe ``gnbv serve``, and other commands should not pay for loading a web framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .server import serve

DEFAULT_PORT = 8765

_HOMES = {"create_app": "gnbv_templates.serve.app", "serve": "gnbv_templates.serve.server"}

__all__ = ["DEFAULT_PORT", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
