"""The machine's limit: a Flask view that does nothing, served by the same gunicorn.conf.py.

bench/throughput.py measures it first so that every page's figure can be read against it.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
