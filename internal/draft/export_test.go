package draft

import "time"

// SetClock makes s read the time from now (tests move it).
func (s *Service) SetClock(now func() time.Time) { s.now = now }
