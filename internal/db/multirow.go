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
	one string
	n   int
}

// MultiRow derives, from a statement inserting one row (INSERT … VALUES
// (…) with anything after the tuple, such as ON CONFLICT, kept once), the
// statement inserting n rows at once: row k's placeholders follow row
// k-1's, so the arguments are the rows' values one row after another. One
// statement instead of n costs a fraction of their time. The forms are
// kept, so a bulk writer asking again pays nothing.
func MultiRow(one string, n int) string {
	key := multiRowKey{one, n}
	if q, ok := multiRows.Load(key); ok {
		return q.(string)
	}
	q := multiRow(one, n)
	multiRows.Store(key, q)
	return q
}

func multiRow(one string, n int) string {
	one = strings.TrimRight(strings.TrimSpace(one), ";")
	i := strings.Index(one, "VALUES")
	if i < 0 {
		panic("db: MultiRow needs INSERT … VALUES (…): " + one)
	}
	head, rest := one[:i+len("VALUES")], one[i+len("VALUES"):]
	open := strings.IndexByte(rest, '(')
	depth, end := 0, -1
	for j := open; j >= 0 && j < len(rest) && end < 0; j++ {
		switch rest[j] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				end = j + 1
			}
		}
	}
	if open < 0 || end < 0 {
		panic("db: MultiRow needs INSERT … VALUES (…): " + one)
	}
	tuple, tail := rest[open:end], rest[end:]
	per := 0
	for _, m := range placeholder.FindAllStringSubmatch(tuple, -1) {
		v, _ := strconv.Atoi(m[1])
		per = max(per, v)
	}
	if inOrder(tuple, per) && !placeholder.MatchString(tail) {
		// SQLite's ?1, ?2… each once and in order: plain ? binds the same
		// values, and SQLite looks each numbered parameter up by a walk
		// over all of a statement's names, so n rows would bind in n².
		tuple = placeholder.ReplaceAllString(tuple, "?")
		return head + " " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + tail
	}
	var b strings.Builder
	b.WriteString(head)
	b.WriteByte(' ')
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(placeholder.ReplaceAllStringFunc(tuple, func(p string) string {
			v, _ := strconv.Atoi(p[1:])
			return p[:1] + strconv.Itoa(v+per*k)
		}))
	}
	b.WriteString(tail)
	return b.String()
}

// inOrder reports whether tuple's placeholders are ?1 to ?width, each once,
// in order.
func inOrder(tuple string, width int) bool {
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
