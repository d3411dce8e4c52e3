package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

func weekdays(start, end string) *[]client.Interval {
	var out []client.Interval
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		out = append(out, client.Interval{Day: d, Start: start, End: end})
	}
	return &out
}

func officeHours(name string) client.CalendarInput {
	return client.CalendarInput{Name: client.Ptr(name), TimeZone: client.Ptr("Europe/Berlin"), Intervals: weekdays("09:00", "17:00"),
		Holidays: &[]client.Holiday{{Name: "Christmas", Start: "2026-12-24", End: "2026-12-26", Yearly: true}}}
}

func TestCalendars(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		c, err := f.admin.CreateCalendar(ctx, officeHours("Office hours"))
		check(t, err)
		if c.WeeklyMinutes != 2400 || len(c.Intervals) != 5 || c.Intervals[0] != (client.Interval{Day: "monday", Start: "09:00", End: "17:00"}) ||
			len(c.Holidays) != 1 || c.Holidays[0].End != "2026-12-26" {
			t.Fatalf("created %+v", c)
		}

		// Agents read; requesters do not even learn it exists.
		got, err := f.agentC.GetCalendar(ctx, c.ID)
		check(t, err)
		if got.Name != "Office hours" || got.TimeZone != "Europe/Berlin" {
			t.Fatalf("agent reads %+v", got)
		}
		_, err = f.reqC.GetCalendar(ctx, c.ID)
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.reqC.ListCalendars(ctx, client.ListOptions{})
		wantStatus(t, err, http.StatusForbidden)

		// Only admins write.
		_, err = f.agentC.CreateCalendar(ctx, officeHours("Agent's"))
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.agentC.UpdateCalendar(ctx, c.ID, client.CalendarInput{Name: client.Ptr("Mine")})
		wantStatus(t, err, http.StatusForbidden)
		wantStatus(t, f.agentC.DeleteCalendar(ctx, c.ID), http.StatusForbidden)

		// PATCH changes what it names; PUT replaces the whole calendar.
		night := []client.Interval{{Day: "friday", Start: "22:00", End: "06:00", NextDay: true}}
		c, err = f.admin.UpdateCalendar(ctx, c.ID, client.CalendarInput{Name: client.Ptr("Night desk"), Intervals: &night})
		check(t, err)
		if c.Name != "Night desk" || c.WeeklyMinutes != 480 || len(c.Holidays) != 1 || c.TimeZone != "Europe/Berlin" {
			t.Fatalf("patched %+v", c)
		}
		c, err = f.admin.ReplaceCalendar(ctx, c.ID, client.CalendarInput{Name: client.Ptr("Round the clock"), TimeZone: client.Ptr("UTC"),
			Intervals: &[]client.Interval{{Day: "monday", Start: "00:00", End: "00:00", NextDay: true}}})
		check(t, err)
		if c.WeeklyMinutes != 1440 || len(c.Holidays) != 0 || c.TimeZone != "UTC" {
			t.Fatalf("replaced %+v", c)
		}

		// Lists page by cursor.
		second, err := f.admin.CreateCalendar(ctx, officeHours("Second"))
		check(t, err)
		p, err := f.agentC.ListCalendars(ctx, client.ListOptions{Limit: 1})
		check(t, err)
		if len(p.Items) != 1 || p.Items[0].ID != c.ID || p.NextCursor == nil {
			t.Fatalf("first page %+v", p)
		}
		p, err = f.agentC.ListCalendars(ctx, client.ListOptions{Limit: 1, Cursor: *p.NextCursor})
		check(t, err)
		if len(p.Items) != 1 || p.Items[0].ID != second.ID || p.NextCursor != nil {
			t.Fatalf("second page %+v", p)
		}

		check(t, f.admin.DeleteCalendar(ctx, second.ID))
		_, err = f.admin.GetCalendar(ctx, second.ID)
		wantStatus(t, err, http.StatusNotFound)
		wantStatus(t, f.admin.DeleteCalendar(ctx, second.ID), http.StatusNotFound)

		// Every change is in the audit log, with what changed.
		entries, err := f.admin.ListAudit(ctx, client.AuditFilter{Subject: "calendar:" + strconv.FormatInt(c.ID, 10)})
		check(t, err)
		var kinds []string
		for _, e := range entries.Items {
			kinds = append(kinds, e.Kind)
		}
		if want := []string{"calendar.updated", "calendar.updated", "calendar.created"}; !slices.Equal(kinds, want) {
			t.Fatalf("audit kinds %v, want %v", kinds, want)
		}
		var payload struct {
			Changes map[string]struct{ Old, New any } `json:"changes"`
		}
		check(t, json.Unmarshal(entries.Items[0].Payload, &payload))
		if ch := payload.Changes["time_zone"]; ch.Old != "Europe/Berlin" || ch.New != "UTC" || payload.Changes["intervals"].New == nil {
			t.Fatalf("audit changes %+v", payload.Changes)
		}
		deleted, err := f.admin.ListAudit(ctx, client.AuditFilter{Subject: "calendar:" + strconv.FormatInt(second.ID, 10), Kind: "calendar.deleted"})
		check(t, err)
		if len(deleted.Items) != 1 {
			t.Fatalf("no calendar.deleted event: %+v", deleted.Items)
		}
	})
}

func TestCalendarRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		existing, err := f.admin.CreateCalendar(ctx, officeHours("Office hours"))
		check(t, err)
		target, err := f.admin.CreateCalendar(ctx, officeHours("Second"))
		check(t, err)
		iv := func(day, start, end string, next bool) client.Interval {
			return client.Interval{Day: day, Start: start, End: end, NextDay: next}
		}
		with := func(change func(*client.CalendarInput)) client.CalendarInput {
			in := officeHours("New calendar")
			change(&in)
			return in
		}
		cases := []struct {
			name  string
			in    client.CalendarInput
			field string
		}{
			{"overlapping intervals", with(func(in *client.CalendarInput) {
				in.Intervals = &[]client.Interval{iv("monday", "09:00", "13:00", false), iv("monday", "12:00", "17:00", false)}
			}), "intervals[1]"},
			{"overlapping past midnight", with(func(in *client.CalendarInput) {
				in.Intervals = &[]client.Interval{iv("sunday", "22:00", "06:00", true), iv("monday", "05:00", "09:00", false)}
			}), "intervals[1]"},
			{"end before start", with(func(in *client.CalendarInput) {
				in.Intervals = &[]client.Interval{iv("monday", "17:00", "09:00", false)}
			}), "intervals[0].end"},
			{"a malformed time", with(func(in *client.CalendarInput) {
				in.Intervals = &[]client.Interval{iv("monday", "9am", "17:00", false)}
			}), "intervals[0].start"},
			{"an unknown day", with(func(in *client.CalendarInput) {
				in.Intervals = &[]client.Interval{iv("someday", "09:00", "17:00", false)}
			}), "intervals[0].day"},
			{"no working time", with(func(in *client.CalendarInput) { in.Intervals = &[]client.Interval{} }), "intervals"},
			{"an unknown time zone", with(func(in *client.CalendarInput) { in.TimeZone = client.Ptr("Mars/Olympus_Mons") }), "time_zone"},
			{"an empty time zone", with(func(in *client.CalendarInput) { in.TimeZone = client.Ptr("") }), "time_zone"},
			{"a duplicate name", with(func(in *client.CalendarInput) { in.Name = client.Ptr("OFFICE HOURS") }), "name"},
			{"no name", with(func(in *client.CalendarInput) { in.Name = client.Ptr("  ") }), "name"},
			{"a holiday ending before it starts", with(func(in *client.CalendarInput) {
				in.Holidays = &[]client.Holiday{{Name: "Oops", Start: "2026-12-26", End: "2026-12-24"}}
			}), "holidays[0].end"},
			{"a holiday on no date", with(func(in *client.CalendarInput) {
				in.Holidays = &[]client.Holiday{{Name: "Oops", Start: "next friday"}}
			}), "holidays[0].start"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.admin.CreateCalendar(ctx, tc.in)
				wantField(t, err, tc.field)
				_, err = f.admin.UpdateCalendar(ctx, target.ID, tc.in)
				wantField(t, err, tc.field)
				_, err = f.admin.ReplaceCalendar(ctx, target.ID, tc.in)
				wantField(t, err, tc.field)
			})
		}
		// Nothing was saved.
		p, err := f.admin.ListCalendars(ctx, client.ListOptions{})
		check(t, err)
		if len(p.Items) != 2 {
			t.Fatalf("%d calendars after refusals, want 2", len(p.Items))
		}
		for i, was := range []*client.Calendar{existing, target} {
			if got := p.Items[i]; got.Name != was.Name || !got.UpdatedAt.Equal(was.UpdatedAt) || len(got.Intervals) != 5 {
				t.Fatalf("the calendar changed: %+v", got)
			}
		}
		// Its own name, in another case, is no conflict.
		renamed, err := f.admin.UpdateCalendar(ctx, existing.ID, client.CalendarInput{Name: client.Ptr("OFFICE HOURS")})
		check(t, err)
		if renamed.Name != "OFFICE HOURS" {
			t.Fatalf("renamed to %q", renamed.Name)
		}
		// Unknown fields are refused too, by name.
		r := raw(t, f.URL, apptest.Token(t, f.Services, f.Admin), http.MethodPost, "/api/v1/calendars", "application/json",
			[]byte(`{"name":"X","time_zone":"UTC","intervals":[{"day":"monday","start":"09:00","end":"17:00","ends":"never"}]}`))
		if r.status != http.StatusUnprocessableEntity || r.problem.Errors[0].Field != "ends" {
			t.Fatalf("unknown field: %d %s", r.status, r.body)
		}
	})
}

const holidaysICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" +
	"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260102\r\nSUMMARY:New Year\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261003\r\nSUMMARY:Unity <b>Day</b>\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestCalendarHolidayImport(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		c, err := f.admin.CreateCalendar(ctx, officeHours("Office hours"))
		check(t, err)
		res, err := f.admin.ImportHolidays(ctx, c.ID, []byte(holidaysICS))
		check(t, err)
		want := []client.Holiday{{Name: "New Year", Start: "2026-01-01", End: "2026-01-01", Yearly: true},
			{Name: "Unity <b>Day</b>", Start: "2026-10-03", End: "2026-10-03"},
			{Name: "Christmas", Start: "2026-12-24", End: "2026-12-26", Yearly: true}}
		if res.Added != 2 || !slices.Equal(res.Calendar.Holidays, want) {
			t.Fatalf("import: %+v", res)
		}
		// The same file again adds nothing.
		res, err = f.admin.ImportHolidays(ctx, c.ID, []byte(holidaysICS))
		check(t, err)
		if res.Added != 0 || len(res.Calendar.Holidays) != 3 {
			t.Fatalf("second import: %+v", res)
		}

		token := apptest.Token(t, f.Services, f.Admin)
		path := "/api/v1/calendars/" + strconv.FormatInt(c.ID, 10) + "/holidays/import"
		for _, tc := range []struct {
			name, contentType, body string
			status                  int
			field                   string
		}{
			{"malformed", "text/calendar", "BEGIN:VCALENDAR\r\nthis is not a content line\r\nEND:VCALENDAR\r\n", http.StatusBadRequest, ""},
			{"not a calendar", "text/calendar", "hello", http.StatusBadRequest, ""},
			{"an unsupported recurrence", "text/calendar", strings.Replace(holidaysICS, "FREQ=YEARLY", "FREQ=MONTHLY", 1),
				http.StatusUnprocessableEntity, "events[0].rrule"},
			{"JSON instead", "application/json", `{"holidays":[]}`, http.StatusUnsupportedMediaType, ""},
			{"too large", "text/calendar", holidaysICS + strings.Repeat("X-PAD:"+strings.Repeat("x", 70)+"\r\n", 16000),
				http.StatusRequestEntityTooLarge, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := raw(t, f.URL, token, http.MethodPost, path, tc.contentType, []byte(tc.body))
				if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("status %d (%s), want %d problem+json", r.status, r.body, tc.status)
				}
				if tc.field != "" && (len(r.problem.Errors) == 0 || r.problem.Errors[0].Field != tc.field) {
					t.Fatalf("errors %+v, want %s", r.problem.Errors, tc.field)
				}
				if tc.status == http.StatusBadRequest && !strings.Contains(r.problem.Detail, "iCalendar") {
					t.Fatalf("detail %q does not say what is wrong", r.problem.Detail)
				}
			})
		}
		_, err = f.agentC.ImportHolidays(ctx, c.ID, []byte(holidaysICS))
		wantStatus(t, err, http.StatusForbidden)
		got, err := f.admin.GetCalendar(ctx, c.ID)
		check(t, err)
		if len(got.Holidays) != 3 {
			t.Fatalf("refused imports changed the holidays: %+v", got.Holidays)
		}
	})
}

// TestCalendarInUse registers a counter as SLA policies will, and checks
// that a calendar in use is not deleted and the refusal gives the count.
func TestCalendarInUse(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		var inUse atomic.Int64
		e := apptest.ServerWith(t, d, func(s *app.Services) {
			s.Calendars.CountUsesWith(func(ctx context.Context, q db.Queryer, id int64) (int, string, error) {
				return int(inUse.Load()), "SLA policies", nil
			})
		})
		ctx := t.Context()
		c, err := e.Client.CreateCalendar(ctx, officeHours("Office hours"))
		check(t, err)
		inUse.Store(3)
		err = e.Client.DeleteCalendar(ctx, c.ID)
		if ce := wantStatus(t, err, http.StatusConflict); !strings.Contains(ce.Detail, "3 SLA policies") {
			t.Fatalf("detail %q lacks the count", ce.Detail)
		}
		if _, err := e.Client.GetCalendar(ctx, c.ID); err != nil {
			t.Fatalf("the calendar in use is gone: %v", err)
		}
		inUse.Store(0)
		check(t, e.Client.DeleteCalendar(ctx, c.ID))
	})
}
