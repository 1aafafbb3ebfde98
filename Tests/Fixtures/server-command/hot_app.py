"""A Python HTTP server (standard library only) for the py-spy test: every request spends its
time in hot_python_function, so a profile of this process must show it. Usage: hot_app.py PORT"""
import http.server
import sys


def hot_python_function(rounds):
    total = 0
    for i in range(rounds):
        total = (total * 31 + i) % 1000003
    return total


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("hot %d\n" % hot_python_function(20000)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("hot_app listening on", sys.argv[1], flush=True)
    server.serve_forever()
