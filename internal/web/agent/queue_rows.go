package agent

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/ticket"
)

// The queue's rows are written here rather than by the template: a page's
// 50 rows were some 2,000 reflective html/template calls (each value's
// escaper, the status, priority and due sub-templates, index, the time
// helpers), half of the queue page's server time at a million tickets.
// Every value a person or an email supplied goes through
// template.HTMLEscapeString, inside quoted attributes and in text alike.

var esc = template.HTMLEscapeString

// statusBadge is a ticket status as the workspace shows it.
func statusBadge(b *strings.Builder, s ticket.Status) {
	b.WriteString(`<span class="st st-`)
	b.WriteString(esc(string(s)))
	b.WriteString(`">`)
	b.WriteString(esc(humanLabel(string(s))))
	b.WriteString(`</span>`)
}

// prioBadge is a priority as the workspace shows it.
func prioBadge(b *strings.Builder, p ticket.Priority) {
	v := esc(p.String())
	b.WriteString(`<span class="pr pr-`)
	b.WriteString(v)
	b.WriteString(`" title="`)
	b.WriteString(esc(p.Label()))
	b.WriteString(`">`)
	b.WriteString(v)
	b.WriteString(`</span>`)
}

// dueBadge is a ticket's Due column: its next due time, or why there is
// none.
func dueBadge(b *strings.Builder, d dueCell, loc *time.Location) {
	switch {
	case !d.At.IsZero():
		at := d.At.UTC().Format(time.RFC3339)
		b.WriteString(`<time class="due due-`)
		b.WriteString(esc(string(d.State)))
		b.WriteString(`" datetime="`)
		b.WriteString(at)
		b.WriteString(`" data-due="`)
		b.WriteString(at)
		b.WriteByte('"')
		if !d.Warn.IsZero() {
			b.WriteString(` data-warn="`)
			b.WriteString(d.Warn.UTC().Format(time.RFC3339))
			b.WriteByte('"')
		}
		b.WriteString(` title="Due `)
		b.WriteString(esc(d.At.In(loc).Format("2006-01-02 15:04 MST")))
		b.WriteString(`">`)
		b.WriteString(esc(d.Text))
		b.WriteString(`</time>`)
		if d.Breached {
			b.WriteString(` <span class="due-flag" title="An SLA target of this ticket was breached">breached</span>`)
		}
	case d.Paused:
		b.WriteString(`<span class="due due-paused" title="The SLA clock is paused while the ticket is pending or on hold">paused</span>`)
	case d.Breached:
		b.WriteString(`<span class="due-flag">breached</span>`)
	default:
		b.WriteString(`<span class="muted">—</span>`)
	}
}

// queueRows writes the rows of a queue page: each ticket with its box for
// the bulk form (ticked when selected), and its Due column from dues.
func queueRows(loc *time.Location) func(ts []*ticket.Ticket, dues map[int64]dueCell, selected map[int64]bool) template.HTML {
	return func(ts []*ticket.Ticket, dues map[int64]dueCell, selected map[int64]bool) template.HTML {
		var b strings.Builder
		b.Grow(1200 * len(ts))
		for _, t := range ts {
			n := strconv.FormatInt(t.Number, 10)
			ref := esc(t.Reference)
			subj := esc(t.Subject)
			b.WriteString(`<tr data-href="/tickets/`)
			b.WriteString(n)
			b.WriteString(`" data-number="`)
			b.WriteString(n)
			b.WriteString(`"><td class="pick"><input type="checkbox" name="n" value="`)
			b.WriteString(n)
			b.WriteString(`" aria-label="Select `)
			b.WriteString(ref)
			b.WriteByte('"')
			if selected[t.Number] {
				b.WriteString(` checked`)
			}
			b.WriteString(`></td><td class="num">`)
			b.WriteString(ref)
			b.WriteString(`</td><td class="subj"><span class="subj-line"><a href="/tickets/`)
			b.WriteString(n)
			b.WriteString(`" title="`)
			b.WriteString(subj)
			b.WriteString(`">`)
			b.WriteString(subj)
			b.WriteString(`</a>`)
			for _, tag := range t.Tags {
				b.WriteString(` <span class="tag">`)
				b.WriteString(esc(tag))
				b.WriteString(`</span>`)
			}
			b.WriteString(`</span></td><td class="opt">`)
			b.WriteString(esc(orElse(t.Requester.Name, t.Requester.Email)))
			b.WriteString(`</td><td>`)
			statusBadge(&b, t.Status)
			b.WriteString(`</td><td>`)
			prioBadge(&b, t.Priority)
			b.WriteString(`</td><td class="opt">`)
			if a := t.Assignee; a != nil {
				b.WriteString(esc(orElse(a.Name, a.Email)))
			} else {
				b.WriteString(`<span class="muted">—</span>`)
			}
			b.WriteString(`</td><td class="opt">`)
			if tm := t.Team; tm != nil {
				b.WriteString(esc(tm.Name))
			} else {
				b.WriteString(`<span class="muted">—</span>`)
			}
			b.WriteString(`</td><td class="due-col">`)
			dueBadge(&b, dues[t.ID], loc)
			b.WriteString(`</td><td class="opt"><time datetime="`)
			b.WriteString(t.UpdatedAt.UTC().Format(time.RFC3339))
			b.WriteString(`" title="`)
			b.WriteString(esc(t.UpdatedAt.In(loc).Format("2006-01-02 15:04 MST")))
			b.WriteString(`">`)
			b.WriteString(esc(ago(t.UpdatedAt, loc)))
			b.WriteString("</time></td></tr>\n")
		}
		return template.HTML(b.String())
	}
}

// orElse is the first of its arguments that is not empty.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
