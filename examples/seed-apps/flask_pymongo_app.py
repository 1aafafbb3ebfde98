"""The PyCon 2017 talk's Flask app: `/` answers Hello, World!; `/fetch` does find_one on
test.greetings and answers its `pycon` field -- the same bytes as Volley's reference servers
(text/plain; `Hello, Pycon!` with `volley mongod --seed`).

Run: python flask_pymongo_app.py  (PORT and MONGO_URI from the environment; volley bench sets them)
Flask's own threaded server, one thread per connection, as in the talk."""
import os

from flask import Flask, Response
from pymongo import MongoClient

app = Flask(__name__)
client = MongoClient(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"), maxPoolSize=400)
greetings = client.test.greetings


@app.route("/")
def hello():
    return Response("Hello, World!", content_type="text/plain")


@app.route("/fetch")
def fetch():
    document = greetings.find_one()
    if document is None:
        return Response("not found\n", status=404, content_type="text/plain")
    return Response(document["pycon"], content_type="text/plain")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), threaded=True)
