"""gunicorn reads this from the directory it starts in (scripts/start runs it from here).

The request-line and header limits are gunicorn's largest; the app refuses well below them
(coordination/errors.py) so that users read its Chinese page, not gunicorn's bare English one.
"""

limit_request_line = 8190
limit_request_field_size = 16384
