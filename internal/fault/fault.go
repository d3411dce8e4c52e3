// Package fault holds the small set of error kinds every domain package
// wraps, so the web layer can map any error to a status code in one place.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds. Domain errors wrap one of these with %w and a package prefix.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
	// ErrPrecondition means an optimistic-concurrency check failed: the
	// record changed since the caller read it.
	ErrPrecondition = errors.New("precondition failed")
	ErrInvalid      = errors.New("invalid")
	ErrTooLarge     = errors.New("too large")
	ErrUnauthorized = errors.New("unauthorized")
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Invalid is a validation failure naming the fields at fault. It matches
// ErrInvalid with errors.Is.
type Invalid struct {
	Fields []FieldError
}

// Error lists the fields.
func (e *Invalid) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Invalid) Is(target error) bool { return target == ErrInvalid }

// Add records one more field error.
func (e *Invalid) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds at least one field error, else nil.
func (e *Invalid) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Field returns a validation error for a single field.
func Field(field, format string, args ...any) error {
	e := &Invalid{}
	e.Add(field, format, args...)
	return e
}

// Conflict is a conflict with a human-readable reason shown to the caller.
func Conflict(format string, args ...any) error {
	return &withKind{kind: ErrConflict, msg: fmt.Sprintf(format, args...)}
}

// NotFound is a missing thing with a reason shown to the caller (only for
// things the caller may know exist).
func NotFound(format string, args ...any) error {
	return &withKind{kind: ErrNotFound, msg: fmt.Sprintf(format, args...)}
}

// Forbidden is a refusal with a reason shown to the caller.
func Forbidden(format string, args ...any) error {
	return &withKind{kind: ErrForbidden, msg: fmt.Sprintf(format, args...)}
}

type withKind struct {
	kind error
	msg  string
}

func (e *withKind) Error() string        { return e.msg }
func (e *withKind) Is(target error) bool { return target == e.kind }

// PublicDetail is implemented by errors whose text may be shown to users.
type PublicDetail interface{ Detail() string }

func (e *withKind) Detail() string { return e.msg }

// Detail returns the user-safe detail of err, or "" when it has none.
func Detail(err error) string {
	var pd PublicDetail
	if errors.As(err, &pd) {
		return pd.Detail()
	}
	return ""
}
