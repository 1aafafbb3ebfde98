"""An aiohttp server whose /block handler blocks the event loop for 150 ms (time.sleep in a
coroutine): asyncio debug mode must report it as a slow callback. Usage: slow_aiohttp.py PORT"""
import sys
import time

from aiohttp import web


async def hello(request):
    return web.Response(text="Hello, World!")


async def block(request):
    time.sleep(0.15)
    return web.Response(text="blocked\n")


app = web.Application()
app.router.add_get("/", hello)
app.router.add_get("/block", block)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *a: print("slow_aiohttp ready", flush=True))
