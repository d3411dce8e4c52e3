package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"text/template"
	"text/template/parse"
	"time"
)

// Bounds of admin-edited templates. Templates run inside ticket writes, so
// one that loops or expands without end must stop, not hold the write: a
// stored template that breaks a bound is replaced by the default when
// sending, and refused when saved.
const (
	// MaxTemplateBytes is the largest subject or body source accepted.
	MaxTemplateBytes = 64 << 10
	// maxRenderBytes bounds what a part renders to, and every string a
	// template builds on the way (printf and friends).
	maxRenderBytes = 1 << 20
	// maxRenderTime bounds the time one part takes to render.
	maxRenderTime = 250 * time.Millisecond
)

var (
	errRenderTooLong = fmt.Errorf("renders to more than %d KiB", maxRenderBytes>>10)
	errRenderTooSlow = fmt.Errorf("takes longer than %v to render (a loop that runs too long?)", maxRenderTime)
	errFormatWidth   = errors.New("printf widths and precisions are limited to 4 digits, and * is not allowed")
)

// tickFunc is called at the start of every range iteration and every
// template (recursion through {{template}}); it stops a render that has
// taken too long. Nothing else in a template can repeat.
const tickFunc = "docket_render_tick"

// budget is one render's allowance.
type budget struct{ deadline time.Time }

func (b *budget) tick() (string, error) {
	if time.Now().After(b.deadline) {
		return "", errRenderTooSlow
	}
	return "", nil
}

// hugeFormat finds a printf width or precision of 5 digits or more, or
// one given as an argument (*): "%0999999999d" allocates gigabytes before
// a single byte is written.
var hugeFormat = regexp.MustCompile(`%[^a-zA-Z%]*(\*|\d{5})`)

// bounded wraps fmt's printing functions, the only builtins that build
// strings longer than their arguments.
func bounded(f func(...any) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		if s := f(args...); len(s) <= maxRenderBytes {
			return s, nil
		}
		return "", errRenderTooLong
	}
}

func boundedPrintf(format string, args ...any) (string, error) {
	if hugeFormat.MatchString(format) {
		return "", errFormatWidth
	}
	if s := fmt.Sprintf(format, args...); len(s) <= maxRenderBytes {
		return s, nil
	}
	return "", errRenderTooLong
}

// limitedBuffer refuses writes past maxRenderBytes.
type limitedBuffer struct{ bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.Len()+len(p) > maxRenderBytes {
		return 0, errRenderTooLong
	}
	return l.Buffer.Write(p)
}

// tickProto is the {{docket_render_tick}} action put into parsed templates.
var tickProto = template.Must(template.New("").Funcs(template.FuncMap{tickFunc: func() string { return "" }}).
	Parse("{{" + tickFunc + "}}")).Tree.Root.Nodes[0]

// instrument puts a tick at the start of every template and every range
// body of t.
func instrument(t *template.Template) {
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			instrumentList(tt.Tree.Root)
			prependTick(tt.Tree.Root)
		}
	}
}

func instrumentList(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.RangeNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
			prependTick(n.List)
		case *parse.IfNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
		case *parse.WithNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
		case *parse.ListNode:
			instrumentList(n)
		}
	}
}

func prependTick(l *parse.ListNode) {
	if l != nil {
		l.Nodes = append([]parse.Node{tickProto.Copy()}, l.Nodes...)
	}
}

// execute renders src with data within the bounds above.
func execute(name, src string, data TemplateData) (string, error) {
	if len(src) > MaxTemplateBytes {
		return "", fmt.Errorf("must be at most %d KiB", MaxTemplateBytes>>10)
	}
	b := &budget{}
	tpl, err := template.New(name).Option("missingkey=error").Funcs(template.FuncMap{
		tickFunc: b.tick, "printf": boundedPrintf, "print": bounded(fmt.Sprint), "println": bounded(fmt.Sprintln),
	}).Parse(src)
	if err != nil {
		return "", err
	}
	instrument(tpl)
	var out limitedBuffer
	b.deadline = time.Now().Add(maxRenderTime)
	if err := tpl.Execute(&out, data); err != nil {
		for _, bound := range []error{errRenderTooLong, errRenderTooSlow, errFormatWidth} {
			if errors.Is(err, bound) {
				return "", bound
			}
		}
		return "", err
	}
	return out.String(), nil
}
