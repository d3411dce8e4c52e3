package ticket

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/search"
)

// TestEveryKeyIsTranslated: the search language's keys and the
// translation's table name the same keys.
func TestEveryKeyIsTranslated(t *testing.T) {
	// sla: reads the clocks beside the ticket: lists only, not rules.
	listOnly := map[string]bool{"sla": true}
	for _, k := range search.Keys {
		if terms[k].apply == nil || (terms[k].values == nil) != listOnly[k] || terms[k].kind == "" {
			t.Errorf("search key %q has no row in the translation", k)
		}
		if _, ok := KeyKindOf(k); ok == listOnly[k] {
			t.Errorf("KeyKindOf(%q) ok = %v, want %v", k, ok, !listOnly[k])
		}
	}
	for k := range terms {
		if !slices.Contains(search.Keys, k) {
			t.Errorf("the translation has %q, which the parser does not know", k)
		}
	}
}

func TestApplySearch(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f := Filter{Status: activeStatuses, Assignee: []string{"me"}}
	if err := f.ApplySearch(`status:resolved priority:critical,p2 type:Request tag:a tag:b created:>=2026-01-01 created:<2026-02-01 vpn`, now); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Status, []Status{StatusResolved}) || !slices.Equal(f.Priority, []Priority{P1, P2}) ||
		!slices.Equal(f.Type, []Type{Request}) || !slices.Equal(f.Tag, []string{"a", "b"}) || !slices.Equal(f.Assignee, []string{"me"}) {
		t.Errorf("filter = %+v", f)
	}
	if f.CreatedAfter == nil || f.CreatedAfter.Format(time.DateOnly) != "2026-01-01" || f.CreatedBefore == nil ||
		f.CreatedBefore.Format(time.DateOnly) != "2026-02-01" || !f.Text.HasText() {
		t.Errorf("dates or text: %v %v %+v", f.CreatedAfter, f.CreatedBefore, f.Text)
	}
	for q, want := range map[string]string{
		"priority:p9":       `priority: "p9" is not a priority`,
		"status:sleeping":   `status: "sleeping" is not a status`,
		"type:bug":          `type: "bug" is not a type`,
		"updated:>tomorrow": `updated: ">tomorrow" is not a date range`,
		"status:":           "status: needs a value",
	} {
		var f Filter
		err := f.ApplySearch(q, now)
		if err == nil || !strings.Contains(err.Error(), "q: "+want) {
			t.Errorf("ApplySearch(%q) = %v, want q: %s", q, err, want)
		}
	}
}

func TestParseReference(t *testing.T) {
	s := &Service{opts: Options{Prefixes: map[Type]string{Incident: "INC-", Request: "REQ-"}}}
	for in, want := range map[string]int64{"1001": 1001, "#1001": 1001, "INC-1001": 1001, "req-7": 7, " 42 ": 42} {
		if n, _, ok := s.ParseReference(in); !ok || n != want {
			t.Errorf("ParseReference(%q) = %d, %v", in, n, ok)
		}
	}
	for _, in := range []string{"", "#", "ERR-500", "INC-", "INC-#5", "10 01", "1001a", "-5", "#-5", "99999999999999999999"} {
		if n, _, ok := s.ParseReference(in); ok {
			t.Errorf("ParseReference(%q) = %d, want no reference", in, n)
		}
	}
}

// TestSLATerms: the sla: and due: terms, as the translation reads them.
func TestSLATerms(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, berlin)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, berlin)
	for _, c := range []struct {
		q             string
		sla           []string
		after, before *time.Time
	}{
		{q: "sla:at_risk", sla: []string{"at_risk"}},
		{q: "sla:Breached,paused sla:met", sla: []string{"breached", "paused", "met"}},
		{q: "due:<2h", before: at(2 * time.Hour)},
		{q: "due:<=30m", before: at(30*time.Minute + time.Microsecond)},
		{q: "due:>1d", after: at(24*time.Hour + time.Microsecond)},
		{q: "due:>=1w", after: at(7 * 24 * time.Hour)},
		{q: "due:<-1h", before: at(-time.Hour)},
		{q: "due:overdue", before: at(0)},
		{q: "due:today", after: &day, before: at(12 * time.Hour)},
		{q: "due:tomorrow", after: at(12 * time.Hour), before: at(36 * time.Hour)},
		{q: "due:today due:<2h", after: &day, before: at(2 * time.Hour)},
		{q: "due:>1h,<4h", after: at(time.Hour + time.Microsecond), before: at(4 * time.Hour)},
	} {
		var f Filter
		if err := f.ApplySearch(c.q, now); err != nil {
			t.Errorf("ApplySearch(%q) = %v", c.q, err)
			continue
		}
		same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
		if !slices.Equal(f.SLA, c.sla) || !same(f.DueAfter, c.after) || !same(f.DueBefore, c.before) {
			t.Errorf("ApplySearch(%q) = sla %v due [%v, %v), want %v [%v, %v)", c.q, f.SLA, f.DueAfter, f.DueBefore, c.sla, c.after, c.before)
		}
	}
	for q, want := range map[string]string{
		"sla:late":     `sla: "late" is not an SLA state; use at_risk, breached, paused, met`,
		"due:<xyz":     `due: "<xyz" is not a due time; use overdue, today, tomorrow`,
		"due:2h":       `due: "2h" is not a due time`,
		"due:<2y":      `due: "<2y" is not a due time`,
		"due:<":        `due: "<" is not a due time`,
		"due:<+2h":     `due: "<+2h" is not a due time`,
		"due:=2h":      `due: "=2h" is not a due time`,
		"due:<999999h": `due: "<999999h" is not a due time`,
		"due:":         "due: needs a value",
	} {
		var f Filter
		err := f.ApplySearch(q, now)
		if err == nil || !strings.Contains(err.Error(), "q: "+want) {
			t.Errorf("ApplySearch(%q) = %v, want q: %s", q, err, want)
		}
	}
}
