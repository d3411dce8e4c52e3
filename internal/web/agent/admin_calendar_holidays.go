package agent

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
)

// holidayFrom reads a holiday's fields, prefixed holiday. in the add form.
func holidayFrom(r *http.Request, prefix string) bizhours.HolidaySpec {
	return bizhours.HolidaySpec{Name: formValue(r, prefix+"name"), Start: formValue(r, prefix+"start"),
		End: formValue(r, prefix+"end"), Yearly: checked(r, prefix+"yearly")}
}

// calendarPageWith is the editor of c as stored, for the forms beside it.
func calendarPageWith(c *calendar.Calendar, errs map[string]string) adminCalendarPage {
	return adminCalendarPage{C: c, Form: calendarFormOf(c.Name, c.TimeZone, c.Intervals), Errors: errs}
}

// holidayErrors moves the service's holidays[0].start… to the add form's
// holiday.start….
func holidayErrors(errs map[string]string) {
	for field, msg := range errs {
		if rest, ok := strings.CutPrefix(field, "holidays[0]."); ok {
			delete(errs, field)
			errs["holiday."+rest] = msg
		} else if field == "holidays" {
			delete(errs, field)
			errs["holiday"] = msg
		}
	}
}

func (a *Agent) adminAddHoliday(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	h := holidayFrom(r, "holiday.")
	added, _, err := a.Calendars.AddHolidays(r.Context(), rq.actor, c.ID, []bizhours.HolidaySpec{h})
	if err == nil {
		msg := fmt.Sprintf("Added the holiday %s.", h.Name)
		if added == 0 {
			msg = fmt.Sprintf("The calendar already has the holiday %s.", h.Name)
		}
		a.site.Flash(w, msg)
		http.Redirect(w, r, fmt.Sprintf("/admin/business-hours/%d#holidays", c.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	holidayErrors(errs)
	p := calendarPageWith(c, errs)
	p.Holiday = h
	return a.renderCalendar(w, r, rq, status, p)
}

func (a *Agent) adminRemoveHoliday(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	h := holidayFrom(r, "")
	if _, err := a.Calendars.RemoveHoliday(r.Context(), rq.actor, c.ID, h); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Removed the holiday %s.", h.Name))
	http.Redirect(w, r, fmt.Sprintf("/admin/business-hours/%d#holidays", c.ID), http.StatusSeeOther)
	return nil
}

// adminImportHolidays adds the holidays of an uploaded .ics file.
func (a *Agent) adminImportHolidays(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.calendar(r, rq)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	data, msg := uploadedICS(r)
	if msg != "" {
		errs["file"] = msg
		return a.renderCalendar(w, r, rq, http.StatusUnprocessableEntity, calendarPageWith(c, errs))
	}
	added, _, err := a.Calendars.ImportICS(r.Context(), rq.actor, c.ID, data)
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Imported %d new holidays.", added))
		http.Redirect(w, r, fmt.Sprintf("/admin/business-hours/%d#holidays", c.ID), http.StatusSeeOther)
		return nil
	}
	var se *bizhours.SyntaxError
	if errors.As(err, &se) {
		errs["file"] = se.Detail()
		return a.renderCalendar(w, r, rq, http.StatusUnprocessableEntity, calendarPageWith(c, errs))
	}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	var lines []string
	for field, m := range errs {
		lines = append(lines, field+": "+m)
	}
	clear(errs)
	errs["file"] = "Nothing was imported. " + strings.Join(lines, "; ")
	return a.renderCalendar(w, r, rq, status, calendarPageWith(c, errs))
}

// uploadedICS reads the uploaded file, or says what is wrong with it.
func uploadedICS(r *http.Request) ([]byte, string) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, "Choose an iCalendar (.ics) file."
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size > calendar.MaxICSBytes {
		return nil, fmt.Sprintf("The file is larger than %d KiB.", calendar.MaxICSBytes>>10)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "The file could not be read."
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, calendar.MaxICSBytes+1))
	if err != nil {
		return nil, "The file could not be read."
	}
	return data, ""
}

// tryForm is the "try it" box: a start and business hours to add.
type tryForm struct {
	From, Hours string
	Result      string
	Done        bool
}

// maxTryHours bounds the try-it box, well inside bizhours.MaxMinutes.
const maxTryHours = 10000

// tryIt adds the hours to the start (wall time in the calendar's zone)
// and describes the answer, or adds field errors.
func tryIt(c *calendar.Calendar, from, hours string, errs map[string]string) tryForm {
	f := tryForm{From: strings.TrimSpace(from), Hours: strings.TrimSpace(hours)}
	if c.Hours == nil {
		errs["try"] = "This calendar cannot be computed here: " + c.Problem
		return f
	}
	loc := c.Hours.Location()
	start, err := time.ParseInLocation("2006-01-02T15:04", f.From, loc)
	if err != nil {
		errs["try_from"] = "Enter a date and time, such as 2026-12-23T16:00."
	}
	h, err := strconv.ParseFloat(strings.ReplaceAll(f.Hours, ",", "."), 64)
	if err != nil || h < 0 || h > maxTryHours {
		errs["try_hours"] = fmt.Sprintf("Enter a number of hours from 0 to %d, such as 4 or 1.5.", maxTryHours)
	}
	if len(errs) > 0 {
		return f
	}
	due, err := c.Hours.Add(start, int(h*60+0.5))
	if err != nil {
		errs["try"] = "There is no working time within five years of this start: check the intervals and holidays."
		return f
	}
	f.Done = true
	f.Result = fmt.Sprintf("%s plus %s business hours: %s (%s)", start.Format("Mon 2 Jan 2006 15:04"), f.Hours,
		due.Format("Mon 2 Jan 2006 15:04 MST"), due.UTC().Format("2006-01-02 15:04 UTC"))
	return f
}
