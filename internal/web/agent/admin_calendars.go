package agent

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/web"
)

// adminCalendarRoutes registers Admin → Business hours.
func (a *Agent) adminCalendarRoutes(mux web.Router) {
	mux.Handle("GET /admin/business-hours", a.admin(a.adminCalendars))
	mux.Handle("GET /admin/business-hours/new", a.admin(a.adminNewCalendarForm))
	mux.Handle("POST /admin/business-hours/new", a.admin(a.adminCreateCalendar))
	mux.Handle("GET /admin/business-hours/{id}", a.admin(a.adminCalendarForm))
	mux.Handle("POST /admin/business-hours/{id}", a.admin(a.adminUpdateCalendar))
	mux.Handle("POST /admin/business-hours/{id}/delete", a.admin(a.adminDeleteCalendar))
	mux.Handle("POST /admin/business-hours/{id}/holidays", a.admin(a.adminAddHoliday))
	mux.Handle("POST /admin/business-hours/{id}/holidays/remove", a.admin(a.adminRemoveHoliday))
	mux.Handle("POST /admin/business-hours/{id}/holidays/import", a.admin(a.adminImportHolidays))
}

type adminCalendarsPage struct {
	adminFrame
	Calendars []*calendar.Calendar
	NextURL   string
}

func (a *Agent) adminCalendars(w http.ResponseWriter, r *http.Request, rq *request) error {
	cs, err := a.Calendars.List(r.Context(), rq.actor, afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	p := adminCalendarsPage{Calendars: cs}
	if len(cs) > adminPageSize {
		p.Calendars = cs[:adminPageSize]
		p.NextURL = nextPage(r, cs[adminPageSize-1].ID)
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Business hours", "business-hours")
	return a.tmpl.Render(w, http.StatusOK, "admin_calendars", p)
}

// calendarForm is the editor's state: name, zone and a weekly grid with
// rows of intervals per day, each row named iv-<day>-<n>.
type calendarForm struct {
	Name, TimeZone string
	Days           []dayRows
}

type dayRows struct {
	Day, Label string
	Rows       []intervalRow
}

type intervalRow struct {
	Key, Start, End string
	NextDay         bool
}

// dayLabel is a weekday's name as the grid shows it.
func dayLabel(day string) string { return strings.ToUpper(day[:1]) + day[1:] }

// calendarFormOf lays a calendar's intervals out on the grid, with an
// empty row under each day to add one.
func calendarFormOf(name, zone string, ivs []bizhours.IntervalSpec) calendarForm {
	f := calendarForm{Name: name, TimeZone: zone}
	for _, wd := range bizhours.Weekdays {
		day := bizhours.DayName(wd)
		d := dayRows{Day: day, Label: dayLabel(day)}
		for _, iv := range ivs {
			if iv.Day == day {
				d.Rows = append(d.Rows, intervalRow{Start: iv.Start, End: iv.End, NextDay: iv.NextDay})
			}
		}
		d.Rows = append(d.Rows, intervalRow{})
		for i := range d.Rows {
			d.Rows[i].Key = fmt.Sprintf("iv-%s-%d", day, i)
		}
		f.Days = append(f.Days, d)
	}
	return f
}

// readCalendarForm reads the editor as submitted, keeping every row as
// typed, and returns the service input with the form key of each interval
// it holds (to put the service's errors next to their rows).
func readCalendarForm(r *http.Request) (calendarForm, calendar.Input, []string) {
	f := calendarForm{Name: formValue(r, "name"), TimeZone: formValue(r, "time_zone")}
	ivs := []bizhours.IntervalSpec{}
	for _, wd := range bizhours.Weekdays {
		day := bizhours.DayName(wd)
		d := dayRows{Day: day, Label: dayLabel(day)}
		for i := 0; i < bizhours.MaxIntervals; i++ {
			key := fmt.Sprintf("iv-%s-%d", day, i)
			if _, ok := r.PostForm[key+"-start"]; !ok {
				break
			}
			row := intervalRow{Key: key, Start: formValue(r, key+"-start"), End: formValue(r, key+"-end"), NextDay: checked(r, key+"-next")}
			if row.Start == "" && row.End == "" {
				continue // an empty row adds nothing
			}
			d.Rows = append(d.Rows, row)
			ivs = append(ivs, bizhours.IntervalSpec{Day: day, Start: row.Start, End: row.End, NextDay: row.NextDay})
		}
		d.Rows = append(d.Rows, intervalRow{})
		for i := range d.Rows {
			d.Rows[i].Key = fmt.Sprintf("iv-%s-%d", day, i)
		}
		f.Days = append(f.Days, d)
	}
	// The rows are renumbered without the empty ones; the intervals are
	// the rows in order, so their keys are too.
	var keys []string
	for _, d := range f.Days {
		for _, row := range d.Rows[:len(d.Rows)-1] {
			keys = append(keys, row.Key)
		}
	}
	return f, calendar.Input{Name: &f.Name, TimeZone: &f.TimeZone, Intervals: &ivs}, keys
}

var (
	intervalErrorRe = regexp.MustCompile(`^intervals\[(\d+)\](?:\.(\w+))?$`)
	// intervalRefRe is the API's index of another interval in a message,
	// which the form, with its rows, does without.
	intervalRefRe = regexp.MustCompile(` \(intervals\[\d+\]\)`)
)

// calendarErrors puts the service's field errors on the form: interval
// errors on their rows (iv-monday-0-end), the rest under their own names.
func calendarErrors(err error, keys []string, errs map[string]string) (int, bool) {
	status, ok := formFailure(err, errs)
	if !ok {
		return 0, false
	}
	for field, msg := range errs {
		m := intervalErrorRe.FindStringSubmatch(field)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(keys) {
			continue
		}
		delete(errs, field)
		key := keys[i]
		if m[2] != "" && m[2] != "day" {
			key += "-" + m[2]
		}
		errs[key] = intervalRefRe.ReplaceAllString(msg, "")
	}
	return status, true
}

type adminCalendarPage struct {
	adminFrame
	C       *calendar.Calendar // nil for a new calendar
	Form    calendarForm
	Errors  map[string]string
	Holiday bizhours.HolidaySpec
	Try     tryForm
}

func (a *Agent) renderCalendar(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminCalendarPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	title := "New calendar"
	if p.C != nil {
		title = "Business hours: " + p.C.Name
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "business-hours")
	return a.tmpl.Render(w, status, "admin_calendar", p)
}

func (a *Agent) adminNewCalendarForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	zone := "UTC"
	if u, err := a.Users.Get(r.Context(), rq.actor.ID); err == nil && u.Timezone != "" {
		zone = u.Timezone
	}
	var ivs []bizhours.IntervalSpec
	for _, wd := range bizhours.Weekdays[:5] {
		ivs = append(ivs, bizhours.IntervalSpec{Day: bizhours.DayName(wd), Start: "09:00", End: "17:00"})
	}
	return a.renderCalendar(w, r, rq, http.StatusOK, adminCalendarPage{Form: calendarFormOf("", zone, ivs)})
}

func (a *Agent) adminCreateCalendar(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.saveCalendar(w, r, rq, nil)
}

// saveCalendar creates (c nil) or updates c from the editor's form, or
// shows the form again with what was typed and the errors.
func (a *Agent) saveCalendar(w http.ResponseWriter, r *http.Request, rq *request, c *calendar.Calendar) error {
	f, in, keys := readCalendarForm(r)
	var saved *calendar.Calendar
	var err error
	verb := "Saved"
	if c == nil {
		empty := []bizhours.HolidaySpec{}
		in.Holidays = &empty
		saved, err = a.Calendars.Create(r.Context(), rq.actor, in)
		verb = "Created"
	} else {
		saved, err = a.Calendars.Update(r.Context(), rq.actor, c.ID, in)
	}
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("%s calendar %s.", verb, saved.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/business-hours/%d", saved.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := calendarErrors(err, keys, errs)
	if !ok {
		return err
	}
	return a.renderCalendar(w, r, rq, status, adminCalendarPage{C: c, Form: f, Errors: errs})
}

func (a *Agent) calendar(r *http.Request, rq *request) (*calendar.Calendar, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Calendars.Get(r.Context(), rq.actor, id)
}

// adminCalendarForm shows the editor, and the try-it answer when the page
// was asked with try_from and try_hours.
func (a *Agent) adminCalendarForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	p := adminCalendarPage{C: c, Form: calendarFormOf(c.Name, c.TimeZone, c.Intervals), Errors: map[string]string{}}
	status := http.StatusOK
	if r.URL.Query().Has("try_from") {
		p.Try = tryIt(c, r.URL.Query().Get("try_from"), r.URL.Query().Get("try_hours"), p.Errors)
		if len(p.Errors) > 0 {
			status = http.StatusUnprocessableEntity
		}
	}
	return a.renderCalendar(w, r, rq, status, p)
}

func (a *Agent) adminUpdateCalendar(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	return a.saveCalendar(w, r, rq, c)
}

func (a *Agent) adminDeleteCalendar(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	p := adminCalendarPage{C: c, Form: calendarFormOf(c.Name, c.TimeZone, c.Intervals), Errors: map[string]string{}}
	return a.confirmedDelete(w, r, p.Errors, func() error { return a.Calendars.Delete(r.Context(), rq.actor, c.ID) },
		fmt.Sprintf("Deleted calendar %s.", c.Name), "/admin/business-hours",
		func(status int) error { return a.renderCalendar(w, r, rq, status, p) })
}

// DeleteBox feeds the delete section.
func (p adminCalendarPage) DeleteBox() deleteBox {
	return deleteBox{Section: "calendar-delete", Action: fmt.Sprintf("/admin/business-hours/%d/delete", p.C.ID), What: p.C.Name,
		Button: "Delete calendar", CSRF: p.CSRF, Error: p.Errors["delete"]}
}
