package mail

import (
	"io"
	"net"
	"testing"
	"time"
)

// Only a CR that another CR follows is dropped; nothing turns into an
// end-of-data line that was not one, and bytes split across writes read
// the same.
func TestBoundedConnReadsBareCRSafely(t *testing.T) {
	cases := map[string]string{
		"end\r\r\n.\r\n":       "end\r\n.\r\n",
		"a\r\r\r\nb\r\n":       "a\r\nb\r\n",
		"x\r.\r\nMAIL FROM:<>": "x\r.\r\nMAIL FROM:<>",
		"old\rmac\rtext\r\n":   "old\rmac\rtext\r\n",
		"\r\r\n":               "\r\n",
	}
	for in, want := range cases {
		for _, split := range []int{1, 2, len(in)} {
			client, server := net.Pipe()
			c := newBoundedConn(server, time.Minute)
			go func() {
				for i := 0; i < len(in); i += split {
					_, _ = client.Write([]byte(in[i:min(i+split, len(in))]))
				}
				client.Close()
			}()
			got, err := io.ReadAll(c)
			if err != nil || string(got) != want {
				t.Errorf("%q in pieces of %d: read %q, %v; want %q", in, split, got, err, want)
			}
			server.Close()
		}
	}
}
