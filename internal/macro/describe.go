package macro

import (
	"fmt"
	"strings"

	"github.com/docket/docket/internal/automation"
)

// Describe says in words what each action does, as the composer and the
// macros list show it.
func Describe(acts automation.Actions) []string {
	out := []string{}
	for _, a := range acts {
		switch a.Type {
		case automation.ActSet:
			v := automation.ValueString(a.Value)
			if v == "" {
				v = "nothing"
			}
			line := fmt.Sprintf("Set %s to %s", strings.TrimPrefix(a.Field, "custom_fields."), v)
			if a.Resolution != "" {
				line += " (" + a.Resolution + ")"
			}
			out = append(out, line)
		case automation.ActAddTags:
			out = append(out, "Add tags "+strings.Join(a.Tags, ", "))
		case automation.ActRemoveTags:
			out = append(out, "Remove tags "+strings.Join(a.Tags, ", "))
		case automation.ActNote:
			out = append(out, "Add an internal note")
		}
	}
	return out
}
