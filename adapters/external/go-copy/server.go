// Go "v1" echo server: one goroutine per connection, io.Copy(conn, conn).
//
// On Linux, (*net.TCPConn).ReadFrom turns io.Copy between two TCP sockets
// into splice(2) through a pipe, so every active connection holds the socket
// plus a pipe pair (3 fds). See target.json notes for what that means at a
// 20000 fd limit.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 8000, "port to listen on")
	// net.Listen takes its backlog from net.core.somaxconn; the flag is
	// accepted so every target has the same command line.
	_ = flag.Int("backlog", 32768, "ignored: Go uses net.core.somaxconn")

	reusePort := flag.Bool("reuseport", false, "set SO_REUSEPORT so several processes can share the port")
	flag.Parse()
	// SO_REUSEPORT must be set before bind, so it goes through ListenConfig.Control.
	config := net.ListenConfig{Control: func(_, _ string, raw syscall.RawConn) error {
		if !*reusePort {
			return nil
		}
		var sockErr error
		if err := raw.Control(func(fd uintptr) {
			sockErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1)
		}); err != nil {
			return err
		}
		return sockErr
	}}
	ln, err := config.Listen(context.Background(), "tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-copy:", err)
		os.Exit(1)
	}
	fmt.Printf("go-copy listening on %s\n", net.JoinHostPort(*host, strconv.Itoa(*port))) // os.Stdout is unbuffered

	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			// Same back-off as net/http: EMFILE and friends are retried.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			fmt.Fprintf(os.Stderr, "go-copy: accept: %v; retrying in %v\n", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go func(c net.Conn) {
			defer c.Close()
			io.Copy(c, c) // errors (reset, broken pipe) just end the connection
		}(conn)
	}
}
