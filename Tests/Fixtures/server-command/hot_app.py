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

    disable_nagle_algorithm = True

    def do_GET(self):
        body = ("hot %d\n" % hot_python_function(300000)).encode()
        # One write per response: separate header and body writes meet delayed ACKs (40 ms each).
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
        self.wfile.write(head.encode() + body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("hot_app listening on", sys.argv[1], flush=True)
    server.serve_forever()
