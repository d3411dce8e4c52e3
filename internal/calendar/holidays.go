package calendar

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// MaxICSBytes bounds an iCalendar file to import.
const MaxICSBytes = 1 << 20

// AddHolidays adds holidays to calendar id (admins only), leaving out those
// it already has, and returns how many it added. Field errors name the
// holidays as in hs: holidays[0] is hs[0].
func (s *Service) AddHolidays(ctx context.Context, a *user.Actor, id int64, hs []bizhours.HolidaySpec) (int, *Calendar, error) {
	return s.addHolidays(ctx, a, id, hs, nil)
}

// addHolidays is AddHolidays with extra event payload.
func (s *Service) addHolidays(ctx context.Context, a *user.Actor, id int64, hs []bizhours.HolidaySpec, extra map[string]any) (int, *Calendar, error) {
	if err := mayWrite(a); err != nil {
		return 0, nil, err
	}
	added := 0
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		return s.change(ctx, tx, a, id, func(r *Calendar) (map[string]any, error) {
			// Check the new ones alone first, so errors name them as given.
			check := bizhours.Spec{TimeZone: r.TimeZone, Intervals: r.Intervals, Holidays: hs}
			if _, err := check.Calendar(); err != nil {
				return nil, err
			}
			have := map[string]bool{}
			for _, h := range r.Holidays {
				have[h.String()] = true
			}
			all := append([]bizhours.HolidaySpec(nil), r.Holidays...)
			for _, h := range hs {
				if h.End == "" {
					h.End = h.Start
				}
				if !have[h.String()] {
					have[h.String()] = true
					all = append(all, h)
					added++
				}
			}
			err := s.apply(ctx, tx, r, Input{Holidays: &all})
			if err := renumber(err, len(r.Holidays)); err != nil {
				return nil, err
			}
			return extra, nil
		})
	})
	if err != nil {
		return 0, nil, fmt.Errorf("calendar: add holidays to %d: %w", id, err)
	}
	c, err := s.get(ctx, s.db.R, id)
	return added, c, err
}

var holidayIndex = regexp.MustCompile(`^holidays\[(\d+)\]`)

// renumber moves the holiday indexes of field errors back by offset, to
// name the new holidays as their caller did; other errors pass.
func renumber(err error, offset int) error {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return err
	}
	out := &fault.Invalid{}
	for _, f := range inv.Fields {
		if m := holidayIndex.FindStringSubmatch(f.Field); m != nil {
			n, _ := strconv.Atoi(m[1])
			f.Field = "holidays[" + strconv.Itoa(max(n-offset, 0)) + "]" + f.Field[len(m[0]):]
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// RemoveHoliday removes holiday h from calendar id (admins only).
func (s *Service) RemoveHoliday(ctx context.Context, a *user.Actor, id int64, h bizhours.HolidaySpec) (*Calendar, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	if h.End == "" {
		h.End = h.Start
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		return s.change(ctx, tx, a, id, func(r *Calendar) (map[string]any, error) {
			var kept []bizhours.HolidaySpec
			for _, x := range r.Holidays {
				if x.String() != h.String() {
					kept = append(kept, x)
				}
			}
			if len(kept) == len(r.Holidays) {
				return nil, fault.NotFound("the calendar has no holiday %s", h.String())
			}
			return nil, s.apply(ctx, tx, r, Input{Holidays: &kept})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: remove a holiday from %d: %w", id, err)
	}
	return s.get(ctx, s.db.R, id)
}

// ImportICS adds the holidays of an iCalendar file to calendar id (admins
// only), leaving out those it already has. A file that cannot be read is
// a *bizhours.SyntaxError; events that cannot be holidays are field errors
// naming events[i].
func (s *Service) ImportICS(ctx context.Context, a *user.Actor, id int64, data []byte) (int, *Calendar, error) {
	if err := mayWrite(a); err != nil {
		return 0, nil, err
	}
	if len(data) > MaxICSBytes {
		return 0, nil, fmt.Errorf("calendar: import %d: %w", id, fault.ErrTooLarge)
	}
	hs, err := bizhours.ParseICS(data)
	if err != nil {
		return 0, nil, fmt.Errorf("calendar: import %d: %w", id, err)
	}
	specs := make([]bizhours.HolidaySpec, len(hs))
	for i, h := range hs {
		specs[i] = h.Spec()
	}
	added, c, err := s.addHolidays(ctx, a, id, specs, map[string]any{"imported": len(specs)})
	if err != nil {
		return 0, nil, err
	}
	return added, c, nil
}
