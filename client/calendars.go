package client

import (
	"bytes"
	"context"
	"net/http"
	"time"
)

// Calendar is a business-hours calendar: the working week in a time zone,
// and holidays.
type Calendar struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	TimeZone  string     `json:"time_zone"`
	Intervals []Interval `json:"intervals"`
	Holidays  []Holiday  `json:"holidays"`
	// WeeklyMinutes is the working time of a week without holidays.
	WeeklyMinutes int       `json:"weekly_minutes"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Interval is a weekly working interval: Day "monday"…"sunday", Start and
// End "HH:MM" (End up to "24:00"); with NextDay it ends at End on the
// following day (a night shift, 22:00 to 06:00).
type Interval struct {
	Day     string `json:"day"`
	Start   string `json:"start"`
	End     string `json:"end"`
	NextDay bool   `json:"next_day"`
}

// Holiday is a day or an inclusive range of days ("2026-12-24"), once or
// every year.
type Holiday struct {
	Name   string `json:"name"`
	Start  string `json:"start"`
	End    string `json:"end,omitempty"`
	Yearly bool   `json:"yearly"`
}

// CalendarInput is the body of CreateCalendar and ReplaceCalendar (the
// whole calendar), and of UpdateCalendar (nil fields are kept).
type CalendarInput struct {
	Name      *string     `json:"name,omitempty"`
	TimeZone  *string     `json:"time_zone,omitempty"`
	Intervals *[]Interval `json:"intervals,omitempty"`
	Holidays  *[]Holiday  `json:"holidays,omitempty"`
}

// ImportResult is the answer of ImportHolidays.
type ImportResult struct {
	// Added counts the holidays the calendar did not have yet.
	Added    int      `json:"added"`
	Calendar Calendar `json:"calendar"`
}

// ListCalendars returns a page of calendars (agents only).
func (c *Client) ListCalendars(ctx context.Context, o ListOptions) (*Page[Calendar], error) {
	var p Page[Calendar]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/calendars", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetCalendar returns calendar id.
func (c *Client) GetCalendar(ctx context.Context, id int64) (*Calendar, error) {
	return c.calendar(ctx, http.MethodGet, idPath("/api/v1/calendars", id), nil)
}

// CreateCalendar adds a calendar (admins only).
func (c *Client) CreateCalendar(ctx context.Context, in CalendarInput, opts ...Option) (*Calendar, error) {
	return c.calendar(ctx, http.MethodPost, "/api/v1/calendars", in, opts...)
}

// ReplaceCalendar sets the whole of calendar id (PUT; admins only).
func (c *Client) ReplaceCalendar(ctx context.Context, id int64, in CalendarInput) (*Calendar, error) {
	return c.calendar(ctx, http.MethodPut, idPath("/api/v1/calendars", id), in)
}

// UpdateCalendar changes the fields set in in (PATCH; admins only).
func (c *Client) UpdateCalendar(ctx context.Context, id int64, in CalendarInput) (*Calendar, error) {
	return c.calendar(ctx, http.MethodPatch, idPath("/api/v1/calendars", id), in)
}

// DeleteCalendar removes calendar id (admins only); a calendar in use is
// refused with 409.
func (c *Client) DeleteCalendar(ctx context.Context, id int64) error {
	_, err := c.Do(ctx, http.MethodDelete, idPath("/api/v1/calendars", id), nil, nil)
	return err
}

// ImportHolidays adds the holidays of an iCalendar (.ics) file to calendar
// id (admins only).
func (c *Client) ImportHolidays(ctx context.Context, id int64, ics []byte, opts ...Option) (*ImportResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+idPath("/api/v1/calendars", id)+"/holidays/import", bytes.NewReader(ics))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/calendar")
	var out ImportResult
	if _, err := c.send(req, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) calendar(ctx context.Context, method, path string, body any, opts ...Option) (*Calendar, error) {
	var cal Calendar
	if _, err := c.Do(ctx, method, path, body, &cal, opts...); err != nil {
		return nil, err
	}
	return &cal, nil
}
