// Package ticket is the heart of Docket: tickets, their numbers, statuses,
// priorities, conversation, links, merges and append-only history. Every
// change to a ticket goes through Service, whatever surface it came from.
package ticket

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Type is what kind of work a ticket is.
type Type string

// The ticket types.
const (
	Incident Type = "incident"
	Request  Type = "request"
	Problem  Type = "problem"
	Change   Type = "change"
)

// Types lists every type in display order.
var Types = []Type{Incident, Request, Problem, Change}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Channel is where a ticket or message came from.
type Channel string

// The channels.
const (
	ChannelEmail      Channel = "email"
	ChannelPortal     Channel = "portal"
	ChannelAPI        Channel = "api"
	ChannelPhone      Channel = "phone"
	ChannelMonitoring Channel = "monitoring"
	ChannelWeb        Channel = "web"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelEmail, ChannelPortal, ChannelAPI, ChannelPhone, ChannelMonitoring, ChannelWeb:
		return true
	}
	return false
}

// Ref names a related record (category, team, organization).
type Ref struct {
	ID   int64
	Name string
}

// Person is a user as shown on a ticket or message.
type Person struct {
	ID    int64
	Email string
	Name  string
}

// Ticket is one reported problem or request.
type Ticket struct {
	ID             int64
	UID            string
	Number         int64
	Reference      string // number with the type's prefix, e.g. INC-1042 or #1042
	Type           Type
	Subject        string
	Status         Status
	Resolution     Resolution
	Solution       string
	Priority       Priority
	Impact         Level
	Urgency        Level
	Category       *Ref
	Team           *Ref
	TeamRestricted bool
	Assignee       *Person
	Requester      Person
	Organization   *Ref
	Channel        Channel
	CustomFields   map[string]any
	// MissingFields are the keys of the required custom fields that apply
	// to the ticket and are still empty, in the fields' order; nil when not
	// looked up (for requesters, and Docket's own actors).
	MissingFields []string
	Tags          []string
	Followers     []Person
	MergedInto    int64 // survivor's number, 0 when not merged
	// Rated says the requester rated the ticket: its rating, which the
	// satisfaction service owns, is then worth reading.
	Rated           bool
	Version         int64
	DueAt           *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FirstResponseAt *time.Time
	ResolvedAt      *time.Time
	ClosedAt        *time.Time
}

// ETag is the entity tag for optimistic concurrency: it changes with every
// write to the ticket.
func (t *Ticket) ETag() string { return fmt.Sprintf(`"%d"`, t.Version) }

// ParseETag extracts the version from an If-Match value; ok is false when the
// value is not one of our tags.
func ParseETag(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "W/"))
	if len(s) < 3 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(s[1:len(s)-1], 10, 64)
	return v, err == nil && v > 0
}

// ParseNumber reads a ticket number as people write it: 1042, #1042 or
// INC-1042.
func ParseNumber(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "#"); ok {
		s = rest
	} else if i := strings.LastIndexByte(s, '-'); i >= 0 {
		if i == 0 || strings.ContainsAny(s[:i], "0123456789#/ ") {
			return 0, false
		}
		s = s[i+1:]
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// newUID returns a time-ordered UUID (RFC 9562 version 7): the 48-bit
// Unix millisecond of at (µs, the row's own time) followed by 74 random
// bits, from crypto/rand or the source ctx carries (WithUIDs). Rows are
// written in about the order of their times, so a uid index grows at its
// end like the primary key instead of taking each new uid on a random leaf
// page: with version 4 uids every batch of a million-ticket seed dirtied
// thousands of pages of tickets_uid and messages_uid, written to the WAL
// and back at each commit.
func newUID(ctx context.Context, at int64) string {
	var b [16]byte
	if src, ok := ctx.Value(uidKey{}).(io.Reader); ok {
		if _, err := io.ReadFull(src, b[:]); err != nil {
			panic("ticket: uid source: " + err.Error())
		}
	} else if _, err := rand.Read(b[:]); err != nil {
		panic("ticket: no randomness: " + err.Error())
	}
	ms := uint64(max(at, 0) / 1000)
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

type uidKey struct{}

// WithUIDs returns a context under which the tickets and messages written
// take their uids' random bits from src, read in the order the rows are
// written, instead of from crypto/rand: two writers given the same source
// write the same uids (the seeder's proof that its bulk path writes the
// service's rows). src is read by one goroutine at a time.
func WithUIDs(ctx context.Context, src io.Reader) context.Context {
	return context.WithValue(ctx, uidKey{}, src)
}
