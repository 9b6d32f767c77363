"""`gnbv serve`: a local web application for officers who do not use a command line."""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
