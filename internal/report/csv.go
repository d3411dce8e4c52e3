package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes the report as CSV: a header, then one line per group and
// target, the totals last. Names that a spreadsheet would read as a formula
// (=, +, -, @) are written with a leading apostrophe.
func (r *SLAReport) WriteCSV(w io.Writer) error {
	c := csv.NewWriter(w)
	_ = c.Write([]string{r.GroupBy, "key", "target", "measured", "met", "breached", "compliance_percent"})
	for _, g := range append(r.Groups, r.Total) {
		for _, t := range Targets {
			m := g.Targets[t]
			_ = c.Write([]string{cell(g.Name), cell(g.Key), t, strconv.Itoa(m.Measured), strconv.Itoa(m.Met),
				strconv.Itoa(m.Breached), m.Percent()})
		}
	}
	c.Flush()
	return c.Error()
}

// cell defuses a value a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
