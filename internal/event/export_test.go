package event

import "time"

// SetInterval sets how often p's Run looks for events unwoken.
func SetInterval(p *Pump, d time.Duration) { p.interval = d }
