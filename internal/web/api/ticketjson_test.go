package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTicketJSONWritesAsEncodingJSON: a ticket and a page of tickets are
// written byte for byte as encoding/json writes them, with every optional
// part set and unset, hostile strings and custom fields of every kind;
// what encoding/json refuses is an error here too.
func TestTicketJSONWritesAsEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	at := func(t time.Time) *time.Time { return &t }
	n := int64(1042)
	overdue, remaining := 7, 0
	zone := time.FixedZone("", -(3*3600 + 30*60))
	full := ticketJSON{
		Number: 1001, Reference: "INC-1001", ID: "0f8e", Subject: `Printer <b>"down"</b> & out`, Type: "incident",
		Status: "open", Resolution: str("fixed"), Solution: str("line\nbreak\ttab"), Priority: "p1", Impact: str("high"),
		Urgency: str("low"), Category: str("Hardware"), Tags: []string{"vpn", "a&b", ""},
		Requester: personJSON{"r@example.com", "Rita <R>"}, Organization: str("Acme"),
		Assignee: &personJSON{"a@example.com", "Ann"}, Team: str("L1"), Channel: "email",
		CustomFields: map[string]any{"b": true, "a": "x<y", "n": nil, "f": 1.5, "z": 0.0, "neg": -3.0, "big": 123456789.0,
			"m": math.Copysign(0, -1), "small": 0.000001},
		MissingFields: &[]string{"asset_tag"}, Followers: []personJSON{{"f@example.com", "F"}, {"g@example.com", ""}},
		MergedInto: &n, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC),
		UpdatedAt:       time.Date(2026, 1, 2, 3, 4, 5, 0, zone),
		FirstResponseAt: at(time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)), ResolvedAt: at(time.Unix(0, 0).UTC()),
		ClosedAt: at(time.Date(2026, 12, 31, 23, 59, 59, 100000000, time.Local)), DueAt: at(time.Time{}),
		SLA: slaJSON{Policy: str("Gold"), FirstResponseDueAt: at(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)), Breached: true,
			Targets: []targetJSON{{Target: "resolution", Policy: "Gold", GoalMinutes: 60, State: "running",
				StartedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), OverdueMinutes: &overdue, RemainingMinutes: &remaining}}},
		Satisfaction: &satisfactionJSON{Scale: "two", Score: "good", Comment: "<3 & thanks"},
	}
	empty := ticketJSON{SLA: slaJSON{Targets: []targetJSON{}}, MissingFields: &[]string{}, CustomFields: map[string]any{},
		Tags: []string{}}
	nested := full
	nested.CustomFields = map[string]any{"list": []any{"a", 1.0}, "obj": map[string]any{"k": "<v>"}, "exp": 1e21, "tiny": 1e-7}
	hostile := []string{"", "plain", "<script>alert(1)</script>", "a&b>c", `quote " backslash \ slash /`,
		"\x00\x01\x1f\x7f", "\b\f\n\r\t", "\xff\xfe bad", "a\xc3", "\u2028\u2029", "Grüße, ÄÖÜ ß", "日本語 🎫", "\ufffd",
		"\xed\xa0\x80 surrogate", "ends in \xe2\x80"}
	var cases []ticketJSON
	cases = append(cases, full, empty, ticketJSON{}, nested)
	for _, s := range hostile {
		c := full
		c.Subject, c.Requester.Name, c.Tags, c.CustomFields = s, s, []string{s}, map[string]any{s: s}
		c.Category, c.SLA.Policy = &s, &s
		cases = append(cases, c)
	}
	// Random strings over the characters that matter.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "<", ">", "&", `"`, `\`, "\n", "\x00", "\x1f", "\x7f", "é", "€", "🎫",
		"\u2028", "\u2029", "\xff", "\xc3", "\xe2\x80"}
	for range 500 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		c := empty
		c.Subject, c.Reference = sb.String(), sb.String()
		c.CustomFields = map[string]any{sb.String(): rng.Float64() * math.Pow(10, float64(rng.IntN(30)-10))}
		cases = append(cases, c)
	}

	for i := range cases {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(cases[i]); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := writeTicketJSON(rec, 200, &cases[i]); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := rec.Body.String(); got != want.String() {
			t.Fatalf("case %d written as\n%s\nencoding/json:\n%s", i, got, want.String())
		}
	}
	for _, next := range []*string{nil, str("c<ursor>&")} {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(list[ticketJSON]{Items: cases, NextCursor: next}); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := writeTicketList(rec, cases, next); err != nil {
			t.Fatal(err)
		}
		if rec.Body.String() != want.String() {
			t.Errorf("the page is not written as encoding/json writes it")
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	rec := httptest.NewRecorder()
	if err := writeTicketList(rec, []ticketJSON{}, nil); err != nil || rec.Body.String() != "{\"items\":[],\"next_cursor\":null}\n" {
		t.Errorf("an empty page written as %q (%v)", rec.Body.String(), err)
	}

	// The fields appendTicketJSON writes, in its order: a field added to
	// ticketJSON (one with omitempty would be left out unseen above)
	// fails here until the encoder writes it.
	var fields []string
	for i := range reflect.TypeFor[ticketJSON]().NumField() {
		fields = append(fields, reflect.TypeFor[ticketJSON]().Field(i).Tag.Get("json"))
	}
	written := "number reference id subject type status resolution solution priority impact urgency category tags " +
		"requester organization assignee team channel custom_fields missing_fields,omitempty followers,omitempty " +
		"merged_into created_at updated_at first_response_at resolved_at closed_at due_at sla satisfaction"
	if got := strings.Join(fields, " "); got != written {
		t.Errorf("ticketJSON's fields are\n%s\nthe encoder writes\n%s", got, written)
	}

	// What encoding/json refuses.
	for _, bad := range []ticketJSON{{CustomFields: map[string]any{"nan": math.NaN()}},
		{CustomFields: map[string]any{"inf": math.Inf(1)}}, {CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		if err := json.NewEncoder(&bytes.Buffer{}).Encode(bad); err == nil {
			t.Fatalf("encoding/json wrote %+v", bad)
		}
		if err := writeTicketJSON(httptest.NewRecorder(), 200, &bad); err == nil {
			t.Errorf("%v written without an error", bad.CustomFields)
		}
	}
}
