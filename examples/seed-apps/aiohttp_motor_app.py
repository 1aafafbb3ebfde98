"""The PyCon 2017 talk's aiohttp app with motor (pymongo in a thread pool): `/` answers
Hello, World!; `/fetch` does find_one on test.greetings and answers its `pycon` field -- the
same bytes as Volley's reference servers.

Run: python aiohttp_motor_app.py  (PORT and MONGO_URI from the environment; volley bench sets them)"""
import os

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorClient


async def hello(request):
    return web.Response(text="Hello, World!", content_type="text/plain")


async def fetch(request):
    document = await request.app["greetings"].find_one()
    if document is None:
        return web.Response(text="not found\n", status=404, content_type="text/plain")
    return web.Response(text=document["pycon"], content_type="text/plain")


async def connect(app):
    app["client"] = AsyncIOMotorClient(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"), maxPoolSize=100)
    app["greetings"] = app["client"].test.greetings
    yield
    app["client"].close()


def make_app():
    app = web.Application()
    app.cleanup_ctx.append(connect)
    app.router.add_get("/", hello)
    app.router.add_get("/fetch", fetch)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), access_log=None)
