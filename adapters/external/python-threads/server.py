"""Python threads echo server: plain blocking sockets, one thread per
connection with a small stack, recv(16384) + sendall.

    /usr/bin/python3 server.py --port PORT --backlog BACKLOG [--nodelay] [--reuseport]
"""
import argparse
import errno
import socket
import sys
import threading
import time

STACK_SIZE = 64 * 1024  # CPython accepts >= 32 KiB; 64 KiB leaves room for signal handling


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
    name = "python-threads-nodelay" if args.nodelay else "python-threads"

    threading.stack_size(STACK_SIZE)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.reuseport:  # before bind: every process sharing the port must set it
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    server.bind((args.host, args.port))
    server.listen(args.backlog)
    print(f"{name} listening on {args.host}:{args.port}", flush=True)

    while True:
        try:
            sock, _ = server.accept()
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                print(f"{name}: accept: {e}", file=sys.stderr, flush=True)
                time.sleep(0.1)
                continue
            raise
        if args.nodelay:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            threading.Thread(target=handle, args=(sock,), daemon=True).start()
        except RuntimeError as e:  # can't start new thread (pid_max, threads-max, memory)
            print(f"{name}: thread: {e}", file=sys.stderr, flush=True)
            sock.close()
            time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
