// Package webtest holds what tests of HTTP handlers share.
package webtest

import (
	"net/http"
	"syscall"
)

// GoneWriter is a ResponseWriter whose client went away: every write
// fails (broken pipe). Statuses records each status sent.
type GoneWriter struct {
	Headers  http.Header
	Statuses []int
}

// NewGoneWriter returns a GoneWriter with empty headers.
func NewGoneWriter() *GoneWriter { return &GoneWriter{Headers: http.Header{}} }

func (g *GoneWriter) Header() http.Header       { return g.Headers }
func (g *GoneWriter) WriteHeader(status int)    { g.Statuses = append(g.Statuses, status) }
func (g *GoneWriter) Write([]byte) (int, error) { return 0, syscall.EPIPE }
