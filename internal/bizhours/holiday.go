package bizhours

import "time"

// isHoliday reports whether a holiday covers the date (days since
// 1970-01-01).
func (c *Calendar) isHoliday(day int64) bool {
	if len(c.holidays) == 0 {
		return false
	}
	var year int
	for _, h := range c.holidays {
		if !h.Yearly {
			if h.start <= day && day <= h.end {
				return true
			}
			continue
		}
		if day < h.start {
			continue
		}
		if year == 0 {
			year = dateOfDays(day).Year
		}
		// The occurrence of this year, or of last year when the range
		// runs over New Year.
		for _, y := range [2]int{year, year - 1} {
			if y < h.Start.Year {
				continue
			}
			start := time.Date(y, h.Start.Month, h.Start.Day, 0, 0, 0, 0, time.UTC)
			if start.Month() != h.Start.Month {
				continue // 29 February in a common year
			}
			from := start.Unix() / 86400
			if from <= day && day <= from+(h.end-h.start) {
				return true
			}
		}
	}
	return false
}
