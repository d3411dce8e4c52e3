package ticket

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPriorityMatrix(t *testing.T) {
	want := map[[2]Level]Priority{
		{High, High}: P1, {High, Medium}: P2, {High, Low}: P3,
		{Medium, High}: P2, {Medium, Medium}: P3, {Medium, Low}: P4,
		{Low, High}: P3, {Low, Medium}: P4, {Low, Low}: P4,
	}
	for k, p := range want {
		if got := FromMatrix(k[0], k[1]); got != p {
			t.Errorf("impact %s × urgency %s = %s, want %s", k[0], k[1], got, p)
		}
	}
}

func TestTransitions(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusNew, StatusOpen}: true, {StatusNew, StatusResolved}: true, {StatusOpen, StatusPending}: true,
		{StatusPending, StatusOpen}: true, {StatusResolved, StatusOpen}: true, {StatusResolved, StatusClosed}: true,
		{StatusOnHold, StatusOpen}: true,
	}
	forbidden := [][2]Status{{StatusClosed, StatusOpen}, {StatusClosed, StatusResolved}, {StatusResolved, StatusPending},
		{StatusOpen, StatusNew}, {StatusResolved, StatusNew}, {StatusOpen, StatusOpen}}
	for k := range allowed {
		if !CanTransition(k[0], k[1]) {
			t.Errorf("%s → %s should be allowed", k[0], k[1])
		}
	}
	for _, k := range forbidden {
		if CanTransition(k[0], k[1]) {
			t.Errorf("%s → %s should be forbidden", k[0], k[1])
		}
	}
}

func TestParseNumberAndETag(t *testing.T) {
	for in, want := range map[string]int64{"1042": 1042, "#1042": 1042, "INC-1042": 1042, "REQ-7": 7} {
		if got, ok := ParseNumber(in); !ok || got != want {
			t.Errorf("ParseNumber(%q) = %d, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "abc", "-1", "INC-", "1.5"} {
		if _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
	if v, ok := ParseETag(`"12"`); !ok || v != 12 {
		t.Errorf("ParseETag = %d %v", v, ok)
	}
	if v, ok := ParseETag(`W/"3"`); !ok || v != 3 {
		t.Errorf("weak ParseETag = %d %v", v, ok)
	}
	for _, bad := range []string{"12", `"x"`, `""`, `"0"`} {
		if _, ok := ParseETag(bad); ok {
			t.Errorf("ParseETag(%q) accepted", bad)
		}
	}
}

// A uid is a version 7 UUID: the row's millisecond first (so uids sort
// as their rows' times), random bits after.
func TestUIDIsTimeOrderedV7(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 15, 40, 0, 123_456_000, time.UTC).UnixMicro()
	a, b := newUID(ctx, at), newUID(ctx, at)
	if a == b || len(a) != 36 || a[14] != '7' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Fatalf("bad uids %q %q", a, b)
	}
	if ms := fmt.Sprintf("%012x", at/1000); strings.ReplaceAll(a, "-", "")[:12] != ms || b[:13] != a[:13] {
		t.Fatalf("uids %q %q do not begin with the millisecond %s", a, b, ms)
	}
	if later := newUID(ctx, at+1000); later <= a || later <= b {
		t.Fatalf("a millisecond later, %q sorts before %q or %q", later, a, b)
	}
}
