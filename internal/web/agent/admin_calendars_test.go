package agent_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// weekForm is the editor's form with Monday to Friday 09:00–17:00 in
// Europe/Berlin, plus kv.
func weekForm(name string, kv ...string) []string {
	out := []string{"name", name, "time_zone", "Europe/Berlin"}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		out = append(out, "iv-"+d+"-0-start", "09:00", "iv-"+d+"-0-end", "17:00")
	}
	return append(out, kv...)
}

func TestAdminBusinessHours(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAdmin)

	code, body, _ := b.get("/welcome")
	admExpect(t, "welcome", code, body, 200, `id="step-hours"`, `href="/admin/business-hours/new"`)
	if strings.Contains(body, `id="step-hours" class="done"`) {
		t.Fatal("the business-hours step is done before any calendar exists")
	}
	code, body, _ = b.get("/admin/business-hours")
	admExpect(t, "empty list", code, body, 200, `No calendars yet.`, `href="/admin/business-hours/new"`)
	code, body, _ = b.get("/admin/business-hours/new")
	admExpect(t, "new form", code, body, 200, `id="calendar-form"`, `name="iv-monday-0-start" aria-label="Monday start" placeholder="HH:MM" inputmode="numeric" maxlength="5" value="09:00"`,
		`name="iv-saturday-0-start"`)

	// Every refusal keeps what was entered and says what is wrong where.
	bad := []struct {
		name   string
		kv     []string
		errKey string // text near the field
		keep   string
	}{
		{"overlapping intervals", weekForm("Office", "iv-monday-1-start", "16:00", "iv-monday-1-end", "18:00"),
			"Overlaps monday 09:00–17:00", `name="iv-monday-1-start" aria-label="Monday start" placeholder="HH:MM" inputmode="numeric" maxlength="5" value="16:00"`},
		{"end before start", weekForm("Office", "iv-saturday-0-start", "14:00", "iv-saturday-0-end", "10:00"),
			"Must be after the start", `value="14:00"`},
		{"a malformed time", weekForm("Office", "iv-sunday-0-start", "9am", "iv-sunday-0-end", "12:00"),
			"written HH:MM", `value="9am"`},
		{"an unknown time zone", []string{"name", "Office", "time_zone", "Moon/Base", "iv-monday-0-start", "09:00", "iv-monday-0-end", "17:00"},
			"not a known IANA time zone", `value="Moon/Base"`},
		{"no working time", []string{"name", "Office", "time_zone", "UTC"}, "at least one working interval", `value="UTC"`},
	}
	for _, tc := range bad {
		code, body, _ := admSubmit(b, "/admin/business-hours/new", tc.kv...)
		admExpect(t, tc.name, code, body, http.StatusUnprocessableEntity, tc.errKey, tc.keep, `class="err"`)
		if _, problems := undescribedErrors(t, body); len(problems) > 0 {
			t.Errorf("%s: errors not tied to their fields: %v", tc.name, problems)
		}
	}
	if n, _ := e.Calendars.Count(ctx); n != 0 {
		t.Fatalf("%d calendars saved by refused forms", n)
	}

	code, _, h := admSubmit(b, "/admin/business-hours/new", weekForm("Office <hours>",
		"iv-friday-1-start", "22:00", "iv-friday-1-end", "06:00", "iv-friday-1-next", "1")...)
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	id := admLocationID(t, h)
	code, body, _ = b.get(fmt.Sprintf("/admin/business-hours/%d", id))
	admExpect(t, "editor", code, body, 200, `Office &lt;hours&gt;`, `name="iv-friday-1-next" value="1" checked`,
		`name="iv-friday-2-start"`, `id="holiday-form"`, `id="ics-form"`, `id="try-form"`)
	code, body, _ = b.get("/admin/business-hours")
	admExpect(t, "list", code, body, 200, fmt.Sprintf(`id="calendar-%d"`, id), "48 h", "Europe/Berlin")
	if _, body, _ := b.get("/welcome"); !strings.Contains(body, `id="step-hours" class="done"`) {
		t.Fatal("the business-hours step is not done with a calendar")
	}

	// A duplicate name is refused on the field.
	code, body, _ = admSubmit(b, "/admin/business-hours/new", weekForm("office <HOURS>")...)
	admExpect(t, "duplicate", code, body, http.StatusUnprocessableEntity, "already exists", `value="office &lt;HOURS&gt;"`)

	// Saving with an error in a row leaves the stored calendar alone.
	path := fmt.Sprintf("/admin/business-hours/%d", id)
	code, body, _ = admSubmit(b, path, weekForm("Renamed", "iv-tuesday-1-start", "12:00", "iv-tuesday-1-end", "13:00")...)
	admExpect(t, "overlap on save", code, body, http.StatusUnprocessableEntity, "Overlaps tuesday 09:00–17:00", `value="Renamed"`)
	if c, _ := e.Calendars.Get(ctx, e.Admin, id); c.Name != "Office <hours>" {
		t.Fatalf("a refused save renamed the calendar to %q", c.Name)
	}
	code, _, _ = admSubmit(b, path, weekForm("Office hours", "iv-monday-1-start", "17:00", "iv-monday-1-end", "24:00")...)
	if c, _ := e.Calendars.Get(ctx, e.Admin, id); code != http.StatusSeeOther || c.Name != "Office hours" || c.Hours.WeeklyMinutes() != 2400+7*60 {
		t.Fatalf("save: %d, %+v", code, c)
	}

	// Holidays: add, refuse with the entry kept, import, remove.
	code, _, _ = admSubmit(b, path+"/holidays", "holiday.name", "Christmas", "holiday.start", "2026-12-24",
		"holiday.end", "2026-12-26", "holiday.yearly", "1")
	if code != http.StatusSeeOther {
		t.Fatalf("add holiday: %d", code)
	}
	code, body, _ = admSubmit(b, path+"/holidays", "holiday.name", "Backwards", "holiday.start", "2026-12-26", "holiday.end", "2026-12-24")
	admExpect(t, "bad holiday", code, body, http.StatusUnprocessableEntity, "Must not be before the start", `value="Backwards"`, `value="2026-12-26"`)
	b.get(path)
	code, _, _ = b.postFiles(path+"/holidays/import", map[string]string{}, "file",
		map[string][]byte{"holidays.ics": []byte(strings.ReplaceAll(
			"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260501\nSUMMARY:<script>alert(1)</script>\nEND:VEVENT\nEND:VCALENDAR\n", "\n", "\r\n"))},
		"text/calendar")
	if code != http.StatusSeeOther {
		t.Fatalf("import: %d", code)
	}
	code, body, _ = b.get(path)
	admExpect(t, "holidays", code, body, 200, "2026-12-24 to 2026-12-26", "(every year)", "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("an imported holiday name is not escaped")
	}
	code, body, _ = b.postFiles(path+"/holidays/import", map[string]string{}, "file", map[string][]byte{"notes.txt": []byte("hello")}, "text/plain")
	admExpect(t, "bad import", code, body, http.StatusUnprocessableEntity, "not a valid iCalendar file: line 1")
	b.get(path)
	code, body, _ = b.postFiles(path+"/holidays/import", map[string]string{}, "file", map[string][]byte{"weekly.ics": []byte(
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260501\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")}, "text/calendar")
	admExpect(t, "unsupported import", code, body, http.StatusUnprocessableEntity, "Nothing was imported", "events[0].rrule")
	b.get(path)
	code, _, _ = admSubmit(b, path+"/holidays/remove", "name", "Christmas", "start", "2026-12-24", "end", "2026-12-26", "yearly", "1")
	if c, _ := e.Calendars.Get(ctx, e.Admin, id); code != http.StatusSeeOther || len(c.Holidays) != 1 || c.Holidays[0].Start != "2026-05-01" {
		t.Fatalf("remove: %d, %+v", code, c.Holidays)
	}

	// Try it: the day ends exactly at 17:00; more hours go on on Monday.
	// night shift from 22:00.
	code, body, _ = b.get(path + "?try_from=2026-03-06T15%3A00&try_hours=2")
	admExpect(t, "try", code, body, 200, `id="try-result"`, "Fri 6 Mar 2026 15:00 plus 2 business hours: Fri 6 Mar 2026 17:00 CET (2026-03-06 16:00 UTC)")
	code, body, _ = b.get(path + "?try_from=2026-03-06T16%3A00&try_hours=4")
	admExpect(t, "try over the weekend", code, body, 200, "business hours: Mon 9 Mar 2026 12:00 CET")
	code, body, _ = b.get(path + "?try_from=yesterday&try_hours=-1")
	admExpect(t, "try refused", code, body, http.StatusUnprocessableEntity, "Enter a date and time", "Enter a number of hours", `value="yesterday"`)

	// Deleting needs the box ticked, and is refused while in use.
	code, body, _ = admSubmit(b, path+"/delete")
	admExpect(t, "unconfirmed delete", code, body, http.StatusUnprocessableEntity, "Tick the box")
	code, _, _ = admSubmit(b, path+"/delete", "confirm", "1")
	if _, err := e.Calendars.Get(ctx, e.Admin, id); code != http.StatusSeeOther || err == nil {
		t.Fatalf("delete: %d, still there: %v", code, err)
	}
}

func TestAdminBusinessHoursInUse(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	e := apptest.ServerWith(t, d, func(s *app.Services) {
		s.Calendars.CountUsesWith(func(context.Context, db.Queryer, int64) (int, string, error) { return 2, "SLA policies", nil })
	})
	b, _ := signIn(t, e, user.RoleAdmin)
	name, zone := "Office", "UTC"
	ivs := []bizhours.IntervalSpec{{Day: "monday", Start: "09:00", End: "17:00"}}
	c, err := e.Calendars.Create(context.Background(), e.Admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/business-hours/%d", c.ID)
	b.get(path)
	code, body, _ := admSubmit(b, path+"/delete", "confirm", "1")
	admExpect(t, "delete in use", code, body, http.StatusConflict, "in use by 2 SLA policies")
}

func TestBusinessHoursAreForAdmins(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	name, zone := "Office", "UTC"
	ivs := []bizhours.IntervalSpec{{Day: "monday", Start: "09:00", End: "17:00"}}
	c, err := e.Calendars.Create(context.Background(), e.Admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := signIn(t, e, user.RoleAgent)
	b.get("/profile")
	for _, p := range []string{"/admin/business-hours", "/admin/business-hours/new", fmt.Sprintf("/admin/business-hours/%d", c.ID)} {
		if code, _, _ := b.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as an agent: %d", p, code)
		}
	}
	code, _, _ := b.post(fmt.Sprintf("/admin/business-hours/%d/delete", c.ID), url.Values{"_csrf": {b.csrf}, "confirm": {"1"}})
	if code != http.StatusForbidden {
		t.Errorf("delete as an agent: %d", code)
	}
	if _, err := e.Calendars.Get(context.Background(), e.Admin, c.ID); err != nil {
		t.Fatal(err)
	}
}
