package event

import (
	"reflect"
	"slices"
)

// Delta is one field an admin change altered: its value before and after.
type Delta struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// Changes collects the fields an admin change altered, for the "changes"
// of its event's payload. It never holds a secret: a changed password or
// key is recorded as a flag beside it, not as a value.
type Changes map[string]Delta

// Note records field when old and new differ. Lists of strings compare by
// their elements, so nil and empty are the same.
func (c Changes) Note(field string, old, new any) {
	if x, ok := old.([]string); ok {
		if y, ok := new.([]string); ok && slices.Equal(x, y) {
			return
		}
	} else if reflect.DeepEqual(old, new) {
		return
	}
	c[field] = Delta{Old: old, New: new}
}
