package ticket

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"

	"github.com/docket/docket/internal/fault"
)

type sortSpec struct {
	expr string
	desc bool
}

var sorts = map[string]string{
	"updated_at": "t.updated_at",
	"created_at": "t.created_at",
	"priority":   "t.priority",
	"due_at":     dueKey,
	"number":     "t.number",
}

// Tickets without a running clock (none, paused, stopped) have no due time
// and sort after every ticket with one, in both directions: as the largest
// value ascending, as a value below every time descending.
const (
	noDueLast     = "9223372036854775807"
	noDueLastDesc = "-1"
)

// ValidSort reports whether s is a list order the API takes (sort=…).
func ValidSort(s string) bool {
	_, _, err := parseSort(s)
	return err == nil
}

func parseSort(s string) (sortSpec, string, error) {
	if s == "" {
		s = "-updated_at"
	}
	if s == relevance {
		// Ordered by rank in listText; ties newest first.
		return sortSpec{expr: "t.id", desc: true}, s, nil
	}
	name := strings.TrimPrefix(s, "-")
	expr, ok := sorts[name]
	if !ok {
		return sortSpec{}, "", fault.Field("sort", "must be one of updated_at, created_at, priority, due_at, number, optionally prefixed with -, or relevance")
	}
	desc := strings.HasPrefix(s, "-")
	if name == "due_at" && desc {
		expr = strings.Replace(expr, noDueLast, noDueLastDesc, 1)
	}
	return sortSpec{expr: expr, desc: desc}, s, nil
}

type cursor struct {
	Sort string `json:"s"`
	V    int64  `json:"v"`
	ID   int64  `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Sort != sort {
		return nil, fault.Field("cursor", "is not a cursor from this list (with this sort)")
	}
	return &c, nil
}

func sortValue(name string, t *Ticket) int64 {
	switch strings.TrimPrefix(name, "-") {
	case "created_at":
		return t.CreatedAt.UnixMicro()
	case "priority":
		return int64(t.Priority)
	case "due_at":
		if t.DueAt == nil && strings.HasPrefix(name, "-") {
			return -1
		}
		if t.DueAt == nil {
			return math.MaxInt64
		}
		return t.DueAt.UnixMicro()
	case "number":
		return t.Number
	}
	return t.UpdatedAt.UnixMicro()
}
