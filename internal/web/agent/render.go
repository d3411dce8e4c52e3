package agent

import (
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// funcs are the helpers templates may call; times are shown in loc, with
// the zone's abbreviation wherever a full time is.
func funcs(assetURL map[string]string) func(loc *time.Location) template.FuncMap {
	return func(loc *time.Location) template.FuncMap {
		return funcMap(assetURL, loc)
	}
}

func funcMap(assetURL map[string]string, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return assetURL[name] },
		"ago":   func(t time.Time) string { return ago(t, loc) },
		"when": func(t time.Time) string {
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"size":     humanSize,
		"hours":    hoursMinutes,
		"prioName": func(p ticket.Priority) string { return p.Label() },
		"label":    humanLabel,
		"reportRow": func(g *report.SLAGroup, targets []string) reportRow {
			row := reportRow{Key: g.Key, Name: g.Name}
			for _, t := range targets {
				row.Cells = append(row.Cells, g.Targets[t])
			}
			return row
		},
		"safeHTML": func(s string) template.HTML {
			// Only for HTML that markup already sanitized (message bodies).
			return template.HTML(s)
		},
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"initials":  initials,
		"hasPrefix": strings.HasPrefix,
		"firstLine": func(s string) string {
			line, _, _ := strings.Cut(s, "\n")
			return line
		},
		"eq":           eq,
		"agentOptions": agentOptions,
		"queueRows":    queueRows(loc),
		"statusBadge": func(s ticket.Status) template.HTML {
			var b strings.Builder
			statusBadge(&b, s)
			return template.HTML(b.String())
		},
		"prioBadge": func(p ticket.Priority) template.HTML {
			var b strings.Builder
			prioBadge(&b, p)
			return template.HTML(b.String())
		},
		"nameOptions": nameOptions,
		"errattr":     errAttrs,
		"errmsg":      errMsg,
		"errattrs":    errAttrsOf,
	}
}

// eq compares two values as the page shows them; strings, the common case
// (hundreds of menu options a page), without formatting them first.
func eq(a, b any) bool {
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return x == y
		}
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// agentOptions writes an assignee menu's options: each person's email as
// the value, their name (or email) as the label, the one whose email is
// selected marked. Written here rather than as a range in the templates:
// a desk's 200 agents, in two menus, were some 2,000 reflective template
// calls on every queue page.
func agentOptions(agents []user.Choice, selected string) template.HTML {
	var b strings.Builder
	for _, u := range agents {
		label := u.Name
		if label == "" {
			label = u.Email
		}
		b.WriteString(`<option value="`)
		b.WriteString(template.HTMLEscapeString(u.Email))
		if u.Email == selected {
			b.WriteString(`" selected>`)
		} else {
			b.WriteString(`">`)
		}
		b.WriteString(template.HTMLEscapeString(label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// nameOptions writes a menu's options whose value is the label (teams,
// categories), the one equal to selected marked.
func nameOptions(names []string, selected string) template.HTML {
	var b strings.Builder
	for _, n := range names {
		if n == selected {
			b.WriteString("<option selected>")
		} else {
			b.WriteString("<option>")
		}
		b.WriteString(template.HTMLEscapeString(n))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

func ago(t time.Time, loc *time.Location) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.In(loc).Format("2 Jan 2006")
}

var humanSize = web.HumanSize

func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		for _, r := range f {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// humanLabel turns a code into words: "on_hold" → "On hold".
func humanLabel(s string) string {
	return strings.ReplaceAll(strings.ToUpper(s[:min(1, len(s))])+s[min(1, len(s)):], "_", " ")
}

// hoursMinutes writes a number of minutes as hours: "40 h", "37 h 30 min".
func hoursMinutes(m int) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// reportRow is a row of a report table: a group's measures in target order.
type reportRow struct {
	Key, Name string
	Cells     []*report.Measure
}
