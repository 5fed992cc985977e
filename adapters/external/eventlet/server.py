"""Eventlet echo server: eventlet.listen, GreenPool(32768), one green thread
per connection doing recv(16384) + sendall.

    /usr/bin/python3 server.py --port PORT --backlog BACKLOG [--nodelay] [--reuseport]
"""
import argparse
import errno
import socket
import sys

import eventlet


def handle(sock):
    try:
        while True:
            data = sock.recv(16384)
            if not data:
                break
            sock.sendall(data)
    except OSError:  # reset by peer, broken pipe, ...
        pass
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backlog", type=int, default=32768)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--nodelay", action="store_true", help="set TCP_NODELAY on accepted sockets")
    parser.add_argument("--reuseport", action="store_true", help="set SO_REUSEPORT so several processes share the port")
    args = parser.parse_args()
    name = "eventlet-nodelay" if args.nodelay else "eventlet"

    # eventlet.listen sets SO_REUSEPORT unless told not to: only with
    # --reuseport, so a leftover server on the port makes a lone one fail
    # instead of silently sharing it.
    server = eventlet.listen((args.host, args.port), backlog=args.backlog, reuse_port=args.reuseport)
    pool = eventlet.GreenPool(32768)  # spawn_n waits when all 32768 are busy
    print(f"{name} listening on {args.host}:{args.port}", flush=True)

    while True:
        try:
            sock, _ = server.accept()
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                print(f"{name}: accept: {e}", file=sys.stderr, flush=True)
                eventlet.sleep(0.1)
                continue
            raise
        if args.nodelay:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pool.spawn_n(handle, sock)


if __name__ == "__main__":
    sys.exit(main())
