"""The Shanghai–Dalian counterpart-cooperation coordination system."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from coordination.config import Config


def create_app(config: type[Config] | dict[str, object] | None = None) -> Flask:
    # Here, not at the top: importing a model or a rule must not load every view and blueprint.
    from coordination.app import create_app as build

    return build(config)
