package agent

import (
	"html"
	"html/template"
	"regexp"
	"sort"
	"strings"
)

// Field errors on a form: each message is shown once, under its field, in
// an element the field names with aria-describedby; errors for no field on
// the form go to the form's summary.

// errID is the id of the element holding a field's error.
func errID(field string) string {
	return "err-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(field)
}

// errAttrs marks a field that has an error as invalid and ties it to its
// message, after the ids of the field's other descriptions (its help
// text), which are named whether or not it has an error.
func errAttrs(field string, errs map[string]string, help ...string) template.HTMLAttr {
	ids := help
	invalid := ""
	if errs[field] != "" {
		ids = append(ids[:len(ids):len(ids)], errID(field))
		invalid = ` aria-invalid="true"`
	}
	if len(ids) == 0 {
		return ""
	}
	return template.HTMLAttr(invalid + ` aria-describedby="` + html.EscapeString(strings.Join(ids, " ")) + `"`)
}

// errAttrsOf marks a control that the errors of several fields describe
// (a row's start time: its own error and the row's), tied to each present.
func errAttrsOf(errs map[string]string, fields ...string) template.HTMLAttr {
	var ids []string
	for _, f := range fields {
		if errs[f] != "" {
			ids = append(ids, errID(f))
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return template.HTMLAttr(` aria-invalid="true" aria-describedby="` + html.EscapeString(strings.Join(ids, " ")) + `"`)
}

// errMsg is the message element of a field's error, or nothing; an alert,
// so it is read out when the refused form comes back, as the admin forms'
// errors always were.
func errMsg(field string, errs map[string]string) template.HTML {
	m := errs[field]
	if m == "" {
		return ""
	}
	return template.HTML(`<p class="err" role="alert" id="` + html.EscapeString(errID(field)) + `">` + html.EscapeString(m) + `</p>`)
}

var indexed = regexp.MustCompile(`\[\d+\]$`)

// placeErrors moves each error to the form field that shows it: aliases
// maps a service's field name to the form's ("requester.email" →
// "requester"), an indexed name ("tags[2]") goes to its list's field.
// Errors of fields not on the form (onForm false) are returned, sorted,
// for the summary.
func placeErrors(errs map[string]string, aliases map[string]string, onForm func(string) bool) []string {
	var other []string
	for k, m := range errs {
		to := k
		if a, ok := aliases[k]; ok {
			to = a
		} else if base := indexed.ReplaceAllString(k, ""); base != k {
			if a, ok := aliases[base]; ok {
				to = a
			} else {
				to = base
			}
		}
		if !onForm(to) {
			delete(errs, k)
			other = append(other, humanField(k)+": "+m)
			continue
		}
		if to != k {
			delete(errs, k)
			if _, taken := errs[to]; !taken {
				errs[to] = m
			}
		}
	}
	sort.Strings(other)
	return other
}

// humanField names a service field in words: "custom_fields.os" → "Os".
func humanField(k string) string {
	k = strings.TrimPrefix(k, "custom_fields.")
	return humanLabel(strings.ReplaceAll(k, ".", " "))
}
