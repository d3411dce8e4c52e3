package seed

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws the tickets written so far, the rate and the time left:
// redrawn on one line on a terminal, a line every ten seconds otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	total    int
	began    time.Time
	last     time.Time
}

func newProgress(o Options) *progress {
	now := time.Now()
	return &progress{out: o.Progress, terminal: o.Terminal, total: o.Tickets, began: now, last: now}
}

func (p *progress) update(done int) {
	if p.out == nil {
		return
	}
	now := time.Now()
	every := 10 * time.Second
	if p.terminal {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every && done < p.total {
		return
	}
	p.last = now
	el := now.Sub(p.began)
	rate := float64(done) / max(el.Seconds(), 1e-3)
	left := time.Duration(float64(p.total-done) / max(rate, 1e-3) * float64(time.Second))
	line := fmt.Sprintf("%s %d/%d tickets, %.0f/s, %s elapsed, %s left", bar(done, p.total), done, p.total, rate,
		el.Round(time.Second), left.Round(time.Second))
	if p.terminal {
		fmt.Fprintf(p.out, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.out, line)
	}
}

func (p *progress) finish() {
	if p.out != nil && p.terminal {
		fmt.Fprintln(p.out)
	}
}

func bar(done, total int) string {
	const width = 30
	f := width
	if total > 0 {
		f = done * width / total
	}
	return "[" + strings.Repeat("#", f) + strings.Repeat(".", width-f) + "]"
}
