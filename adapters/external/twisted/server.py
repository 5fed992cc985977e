"""Twisted echo server: epoll reactor, Protocol.dataReceived -> transport.write.

    /usr/bin/python3 server.py --port PORT --backlog BACKLOG [--reuseport]
"""
import argparse
import socket
import sys

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import protocol, reactor  # noqa: E402  (after install)


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    protocol = Echo
    noisy = False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backlog", type=int, default=32768)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--reuseport", action="store_true", help="set SO_REUSEPORT so several processes share the port")
    args = parser.parse_args()

    if args.reuseport:
        # listenTCP has no SO_REUSEPORT: bind and listen here, then hand the
        # socket to the reactor (adoptStreamPort duplicates the descriptor).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((args.host, args.port))
        sock.listen(args.backlog)
        sock.setblocking(False)
        reactor.adoptStreamPort(sock.fileno(), socket.AF_INET, EchoFactory())
        sock.close()
    else:
        reactor.listenTCP(args.port, EchoFactory(), backlog=args.backlog, interface=args.host)
    print(f"twisted listening on {args.host}:{args.port}", flush=True)
    reactor.run()  # installs SIGTERM/SIGINT handlers that stop the reactor


if __name__ == "__main__":
    sys.exit(main())
