package ticket

import (
	"context"
	"testing"
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

func TestUIDIsRandomV4(t *testing.T) {
	ctx := context.Background()
	a, b := newUID(ctx), newUID(ctx)
	if a == b || len(a) != 36 || a[14] != '4' {
		t.Fatalf("bad uids %q %q", a, b)
	}
}
