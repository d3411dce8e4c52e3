package mail

import (
	"bufio"
	"net"
	"time"
)

// boundedListener hands out connections that cannot outlive their session
// bound and that read bare carriage returns safely.
type boundedListener struct {
	net.Listener
	session time.Duration
}

func (l *boundedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newBoundedConn(c, l.session), nil
}

// writeGrace is how long after the session's end a last answer (421) may
// still be written.
const writeGrace = 5 * time.Second

// boundedConn is a connection whose read and write deadlines never reach
// past the end of its session: go-smtp moves the read deadline forward on
// every command, so a client sending a command now and then (slowloris)
// would otherwise hold the connection for ever.
//
// It also drops a carriage return that another one follows ("\r\r\n" is
// "\r\n"). go-smtp v0.25/v0.26 lose track of the line there, miss the
// end-of-data line and wait for more data until the read timeout: the
// sender hangs, and then retries into the same hang. A lone CR followed by
// anything else is passed on as it is, and nothing can become an
// end-of-data line that was not one ("x\r.\r\n" stays data).
type boundedConn struct {
	net.Conn
	r   *bufio.Reader
	end time.Time
}

func newBoundedConn(c net.Conn, session time.Duration) *boundedConn {
	b := &boundedConn{Conn: c, r: bufio.NewReader(c), end: time.Now().Add(session)}
	_ = c.SetReadDeadline(b.end)
	_ = c.SetWriteDeadline(b.end.Add(writeGrace))
	return b
}

// clamp returns t, or end when t is later or not set.
func clamp(t, end time.Time) time.Time {
	if t.IsZero() || t.After(end) {
		return end
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *boundedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(clamp(t, c.end))
}

func (c *boundedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(clamp(t, c.end.Add(writeGrace)))
}

// Read reads from the connection, dropping each CR that a CR follows. It
// waits for more input only when it has nothing to return yet.
func (c *boundedConn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if n > 0 && c.r.Buffered() == 0 {
			break
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil // the error comes again on the next read
			}
			return 0, err
		}
		if b == '\r' {
			if n > 0 && c.r.Buffered() == 0 {
				// Whether it is followed by another CR is not known yet:
				// keep it for the next read.
				_ = c.r.UnreadByte()
				break
			}
			if next, err := c.r.Peek(1); err == nil && next[0] == '\r' {
				continue
			}
		}
		p[n] = b
		n++
	}
	return n, nil
}
