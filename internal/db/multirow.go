package db

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var (
	placeholder = regexp.MustCompile(`[$?]([0-9]+)`)
	multiRows   sync.Map // multiRowKey → string
)

type multiRowKey struct {
	one      string
	n, width int
}

// MultiRow turns one, a single-row INSERT … VALUES (…) whose values are the
// numbered placeholders 1 to width (a RETURNING clause is dropped), into
// the same INSERT of n rows: the arguments are the rows' values one row
// after another. A bulk writer inserts the rows the single-row statement
// would, in the same order, with fewer statements.
func MultiRow(one string, n, width int) string {
	key := multiRowKey{one, n, width}
	if q, ok := multiRows.Load(key); ok {
		return q.(string)
	}
	q := multiRow(one, n, width)
	multiRows.Store(key, q)
	return q
}

func multiRow(one string, n, width int) string {
	one = strings.TrimRight(strings.TrimSpace(one), ";")
	if i := strings.LastIndex(strings.ToUpper(one), "RETURNING"); i > 0 {
		one = strings.TrimSpace(one[:i])
	}
	head, tuple, _ := strings.Cut(one, "VALUES")
	if anonymous(tuple, width) {
		// SQLite's ?1, ?2… in order: plain ? binds the same values, and
		// SQLite looks each numbered parameter up by a walk over all of a
		// statement's names, so a statement of n rows would bind in n².
		tuple = placeholder.ReplaceAllString(tuple, "?")
		return head + "VALUES" + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",")
	}
	var b strings.Builder
	b.WriteString(head + "VALUES")
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(placeholder.ReplaceAllStringFunc(tuple, func(p string) string {
			i, _ := strconv.Atoi(p[1:])
			return p[:1] + strconv.Itoa(i+width*k)
		}))
	}
	return b.String()
}

// anonymous reports whether tuple's placeholders are ?1 to ?width, each
// once, in order.
func anonymous(tuple string, width int) bool {
	ps := placeholder.FindAllString(tuple, -1)
	if len(ps) != width {
		return false
	}
	for i, p := range ps {
		if p != "?"+strconv.Itoa(i+1) {
			return false
		}
	}
	return true
}
