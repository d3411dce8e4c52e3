package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type calendarJSON struct {
	ID            int64                   `json:"id"`
	Name          string                  `json:"name"`
	TimeZone      string                  `json:"time_zone"`
	Intervals     []bizhours.IntervalSpec `json:"intervals"`
	Holidays      []bizhours.HolidaySpec  `json:"holidays"`
	WeeklyMinutes int                     `json:"weekly_minutes"`
	CreatedAt     time.Time               `json:"created_at"`
	UpdatedAt     time.Time               `json:"updated_at"`
}

func toCalendarJSON(c *calendar.Calendar) calendarJSON {
	out := calendarJSON{ID: c.ID, Name: c.Name, TimeZone: c.TimeZone, Intervals: c.Intervals, Holidays: c.Holidays,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if out.Intervals == nil {
		out.Intervals = []bizhours.IntervalSpec{}
	}
	if out.Holidays == nil {
		out.Holidays = []bizhours.HolidaySpec{}
	}
	if c.Hours != nil {
		out.WeeklyMinutes = c.Hours.WeeklyMinutes()
	}
	return out
}

type calendarInput struct {
	Name      *string                  `json:"name"`
	TimeZone  *string                  `json:"time_zone"`
	Intervals *[]bizhours.IntervalSpec `json:"intervals"`
	Holidays  *[]bizhours.HolidaySpec  `json:"holidays"`
}

// whole is the input of a POST or PUT: every field is set, the missing
// ones empty, so the calendar is exactly what the body says.
func (in calendarInput) whole() calendar.Input {
	out := calendar.Input{Name: in.Name, TimeZone: in.TimeZone, Intervals: in.Intervals, Holidays: in.Holidays}
	empty := ""
	if out.Name == nil {
		out.Name = &empty
	}
	if out.TimeZone == nil {
		out.TimeZone = &empty
	}
	if out.Intervals == nil {
		out.Intervals = &[]bizhours.IntervalSpec{}
	}
	if out.Holidays == nil {
		out.Holidays = &[]bizhours.HolidaySpec{}
	}
	return out
}

func (a *API) listCalendars(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "cal")
	if err != nil {
		return err
	}
	cs, err := a.Calendars.List(r.Context(), actor, after, limit+1)
	if err != nil {
		return err
	}
	out := list[calendarJSON]{Items: []calendarJSON{}}
	if len(cs) > limit {
		cs = cs[:limit]
		out.NextCursor = idCursor("cal", cs[len(cs)-1].ID)
	}
	for _, c := range cs {
		out.Items = append(out.Items, toCalendarJSON(c))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.Calendars.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCalendarJSON(c))
}

func (a *API) createCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in calendarInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.Calendars.Create(r.Context(), actor, in.whole())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/calendars/"+strconv.FormatInt(c.ID, 10))
	return web.JSON(w, http.StatusCreated, toCalendarJSON(c))
}

// putCalendar replaces a calendar; patchCalendar changes the fields sent.
func (a *API) putCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	return a.updateCalendar(w, r, actor, true)
}

func (a *API) patchCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	return a.updateCalendar(w, r, actor, false)
}

func (a *API) updateCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor, replace bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in calendarInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	ci := calendar.Input{Name: in.Name, TimeZone: in.TimeZone, Intervals: in.Intervals, Holidays: in.Holidays}
	if replace {
		ci = in.whole()
	}
	c, err := a.Calendars.Update(r.Context(), actor, id, ci)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCalendarJSON(c))
}

func (a *API) deleteCalendar(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Calendars.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importHolidays adds the holidays of an iCalendar file sent as the body
// (text/calendar).
func (a *API) importHolidays(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/calendar" {
		return &web.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "Send the iCalendar file as the body, with Content-Type: text/calendar."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, calendar.MaxICSBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("The file is larger than %d bytes.", calendar.MaxICSBytes)}
		}
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body could not be read."}
	}
	added, c, err := a.Calendars.ImportICS(r.Context(), actor, id, body)
	var se *bizhours.SyntaxError
	if errors.As(err, &se) {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: se.Detail()}
	}
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"added": added, "calendar": toCalendarJSON(c)})
}
