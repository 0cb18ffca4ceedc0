"""A stand-in network camera for tests: serves a live MPEG-TS stream over HTTP on 127.0.0.1.

Run as a script (`python http_camera.py PORT TAG RRGGBB`) so a test can SIGKILL it like a camera that
loses power. Every GET gets its own live encode: solid colour, a timestamp strip with TAG and the capture
time, 30 fps, keyframe every second.
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import av

from vistterstream import yuv
from vistterstream.sources import strip

WIDTH, HEIGHT, FPS = 320, 240, 30


class Handler(BaseHTTPRequestHandler):
    tag = 1
    rgb = (200, 200, 0)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        self.end_headers()
        out = av.open(self.wfile, mode="w", format="mpegts")
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(FPS)}
        background = yuv.solid(WIDTH, HEIGHT, self.rgb)
        started, index = time.monotonic(), 0
        try:
            while True:
                picture = background.copy()
                strip.draw(yuv.planes(picture), self.tag, int(time.time() * 1000))
                frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
                frame.pts = index
                for packet in stream.encode(frame):
                    out.mux(packet)
                self.wfile.flush()
                index += 1
                time.sleep(max(0.0, started + index / FPS - time.monotonic()))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    port, tag, color = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    Handler.tag = tag
    Handler.rgb = (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
