// Go "v2" echo server: one goroutine per connection, a 32 KiB buffer
// read/write loop (no splice, one fd per connection).
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // io.EOF, reset, ...
			return
		}
	}
}

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
		fmt.Fprintln(os.Stderr, "go-buffer:", err)
		os.Exit(1)
	}
	fmt.Printf("go-buffer listening on %s\n", net.JoinHostPort(*host, strconv.Itoa(*port))) // os.Stdout is unbuffered

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
			fmt.Fprintf(os.Stderr, "go-buffer: accept: %v; retrying in %v\n", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go echo(conn)
	}
}
