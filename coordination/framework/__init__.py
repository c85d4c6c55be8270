"""The implementation plan's framework: 6 areas and 27 key tasks."""

from flask import Blueprint

bp = Blueprint("framework", __name__)
