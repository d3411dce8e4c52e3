package ticket

import (
	"fmt"
	"strings"
)

// Priority is P1 (critical) to P4 (low).
type Priority int

// The priorities.
const (
	P1 Priority = 1
	P2 Priority = 2
	P3 Priority = 3
	P4 Priority = 4
)

// String is the API form, "p1" to "p4".
func (p Priority) String() string { return fmt.Sprintf("p%d", int(p)) }

// Label is the human name.
func (p Priority) Label() string {
	return [...]string{"", "critical", "high", "medium", "low"}[p]
}

// ParsePriority reads "p1".."p4" (or "P1", or the names critical…low).
func ParsePriority(s string) (Priority, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "p1", "critical":
		return P1, true
	case "p2", "high":
		return P2, true
	case "p3", "medium":
		return P3, true
	case "p4", "low":
		return P4, true
	}
	return 0, false
}

// Level is an impact or urgency rating.
type Level string

// The levels.
const (
	High   Level = "high"
	Medium Level = "medium"
	Low    Level = "low"
)

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l == High || l == Medium || l == Low }

func (l Level) rank() int {
	switch l {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// matrix is the ITIL impact × urgency table (rows impact, columns urgency,
// both high → low).
var matrix = [3][3]Priority{
	{P1, P2, P3},
	{P2, P3, P4},
	{P3, P4, P4},
}

// FromMatrix derives priority from impact and urgency.
func FromMatrix(impact, urgency Level) Priority {
	return matrix[impact.rank()][urgency.rank()]
}
