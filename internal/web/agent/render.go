package agent

import (
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/ticket"
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
		"eq":       func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
		"errattr":  errAttrs,
		"errmsg":   errMsg,
		"errattrs": errAttrsOf,
	}
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
