package ticket

// TraceQueries has fn called with every query a list runs (tests only).
func (s *Service) TraceQueries(fn func(query string, args []any)) { s.trace = fn }

// SetTextWindow makes the search window n matches until the returned
// function restores it.
func SetTextWindow(n int) func() {
	old := textWindow
	textWindow = n
	return func() { textWindow = old }
}
