package db

import (
	"strconv"
	"strings"
)

// Rows turns a single-row INSERT into one of n rows: the VALUES (…) tuple
// is repeated n times, and the parameters of row i (numbered $1…$k, or
// ?1…?k once rebound for SQLite) become $(i·k+1)…$(i·k+k); what follows
// the tuple (ON CONFLICT, RETURNING) is kept once. Pass the arguments
// row after row. Build each text once: the statement cache prepares
// every distinct text.
func Rows(insert string, n int) string {
	open := strings.Index(insert, "VALUES")
	if open < 0 || n <= 1 {
		return insert
	}
	open = strings.IndexByte(insert[open:], '(') + open
	end, depth := open, 0
	for ; end < len(insert); end++ {
		if insert[end] == '(' {
			depth++
		} else if insert[end] == ')' {
			if depth--; depth == 0 {
				break
			}
		}
	}
	tuple := insert[open : end+1]
	k := 0
	eachParam(tuple, func(_ byte, p int) string {
		k = max(k, p)
		return ""
	})
	var b strings.Builder
	b.WriteString(insert[:open])
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(eachParam(tuple, func(mark byte, p int) string {
			return string(mark) + strconv.Itoa(i*k+p)
		}))
	}
	b.WriteString(insert[end+1:])
	return b.String()
}

// eachParam returns s with each numbered parameter ($N or ?N) replaced
// by what fn returns for it.
func eachParam(s string, fn func(mark byte, n int) string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if (c == '$' || c == '?') && j > i+1 {
			n, _ := strconv.Atoi(s[i+1 : j])
			b.WriteString(fn(c, n))
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
