// Go "v2" echo server: one goroutine per connection, a 32 KiB buffer
// read/write loop (no splice, one fd per connection).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
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
	port := flag.Int("port", 8000, "port to listen on (127.0.0.1)")
	// net.Listen takes its backlog from net.core.somaxconn; the flag is
	// accepted so every target has the same command line.
	_ = flag.Int("backlog", 32768, "ignored: Go uses net.core.somaxconn")
	flag.Parse()

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-buffer:", err)
		os.Exit(1)
	}
	fmt.Printf("go-buffer listening on 127.0.0.1:%d\n", *port) // os.Stdout is unbuffered

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
