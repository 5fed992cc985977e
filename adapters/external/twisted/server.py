"""Twisted echo server: epoll reactor, Protocol.dataReceived -> transport.write.

    /usr/bin/python3 server.py --port PORT --backlog BACKLOG
"""
import argparse
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
    args = parser.parse_args()

    reactor.listenTCP(args.port, EchoFactory(), backlog=args.backlog, interface="127.0.0.1")
    print(f"twisted listening on 127.0.0.1:{args.port}", flush=True)
    reactor.run()  # installs SIGTERM/SIGINT handlers that stop the reactor


if __name__ == "__main__":
    sys.exit(main())
