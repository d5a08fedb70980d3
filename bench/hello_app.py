"""The raw baseline of bench/request_path.py: a bare Flask hello, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
