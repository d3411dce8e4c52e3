package webform

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Spam protection without third parties: a field people never see (the
// honeypot, HoneypotField), a minimum time between opening the form and
// sending it, sealed into the page (StartToken), and limits per address
// and per client (the web layer's, through auth.LimitRequests).
const (
	HoneypotField = "website"
	// MinFill is the least time a person takes to fill a form; MaxFill
	// the longest a page's token is good for.
	MinFill = 3 * time.Second
	MaxFill = 24 * time.Hour
)

// The answers of CheckStart.
var (
	ErrTooFast  = errors.New("webform: sent faster than a person fills a form")
	ErrTooStale = errors.New("webform: the form's page is too old or its token is not ours")
)

// StartToken seals the form and the time its page is shown.
func (s *Service) StartToken(f *Form) (string, error) {
	return s.box.Seal(strconv.FormatInt(f.ID, 10) + ":" + strconv.FormatInt(s.now().UnixMilli(), 10))
}

// CheckStart checks a StartToken sent back with form f.
func (s *Service) CheckStart(f *Form, token string) error {
	plain, err := s.box.Unseal(token)
	if err != nil || token == "" {
		return ErrTooStale
	}
	id, ms, ok := strings.Cut(plain, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id != strconv.FormatInt(f.ID, 10) {
		return ErrTooStale
	}
	age := s.now().Sub(time.UnixMilli(n))
	switch {
	case age > MaxFill || age < -time.Minute:
		return ErrTooStale
	case age < MinFill:
		return ErrTooFast
	}
	return nil
}
