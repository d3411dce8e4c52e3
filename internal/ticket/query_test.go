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
	for _, k := range search.Keys {
		if terms[k].apply == nil || terms[k].values == nil || terms[k].kind == "" {
			t.Errorf("search key %q has no row in the translation", k)
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
