package loadgen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/loadgen"
)

// TestRunDrivesEveryOperation: a short run against a real server makes
// every operation of the mix succeed, and the hello-world baseline runs
// with the same client.
func TestRunDrivesEveryOperation(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	mix, err := loadgen.ParseMix("create=1,reply=1,get=1,list=1,search=1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: apptest.Token(t, e.Services, e.Admin),
		Concurrency: 4, Duration: 1500 * time.Millisecond, Mix: mix, Baseline: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range res.Ops {
		if s.Count == 0 || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 {
			t.Fatalf("%s: %+v", s.Op, s)
		}
		seen[s.Op] = true
	}
	for _, op := range loadgen.Ops {
		if !seen[op] {
			t.Fatalf("%s never ran: %+v", op, res.Ops)
		}
	}
	if res.Hello == nil || res.Hello.Count == 0 || res.Share <= 0 {
		t.Fatalf("baseline: %+v", res.Hello)
	}
	var text bytes.Buffer
	res.Text(&text)
	if !strings.Contains(text.String(), "hello-world ceiling") || !strings.Contains(text.String(), "search") {
		t.Fatalf("report:\n%s", text.String())
	}
	if b, err := json.Marshal(res); err != nil || !strings.Contains(string(b), `"p99_ms":`) {
		t.Fatalf("json: %s %v", b, err)
	}
}

// TestRunRefusesABadToken: a token that cannot read tickets stops the run
// before it starts, saying why.
func TestRunRefusesABadToken(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	_, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: "nope", Concurrency: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad token: %v", err)
	}
	if _, err := loadgen.ParseMix("create=1,delete=2"); err == nil {
		t.Fatal("an unknown operation was accepted")
	}
}
