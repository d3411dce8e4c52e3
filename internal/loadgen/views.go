package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// listView is one of the agent workspace's built-in queues, as the list
// parameters that ask the API for the same tickets.
type listView struct{ name, query string }

// listSorts are the orders the queue's sort menu offers.
var listSorts = []string{"-updated_at", "updated_at", "-created_at", "created_at", "priority", "due_at", "-number"}

// builtinViews returns the built-in queues (My open tickets, Unassigned,
// My teams — as the first team's queue —, All open, Pending, Recently
// resolved, At risk, Breached).
func (d *driver) builtinViews(ctx context.Context) []listView {
	active := "status=new,open,pending,on_hold"
	views := []listView{
		{"mine", active + "&assignee=me"},
		{"unassigned", active + "&assignee=none"},
	}
	if status, body, err := d.do(ctx, "GET", "/api/v1/teams?limit=1", nil); err == nil && status == http.StatusOK {
		var page struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		}
		if json.Unmarshal(body, &page) == nil && len(page.Items) > 0 {
			views = append(views, listView{"team", active + "&team=" + url.QueryEscape(page.Items[0].Name)})
		}
	}
	week := time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	return append(views,
		listView{"open", active},
		listView{"pending", "status=pending"},
		listView{"resolved", "status=resolved&updated_after=" + url.QueryEscape(week)},
		listView{"at-risk", active + "&q=sla:at_risk"},
		listView{"breached", active + "&q=sla:breached"},
	)
}

// list asks for a 50-row page of a built-in queue in one of the orders
// the UI offers: the first page, or (half the time, once there is one) the
// page after the last one read of that queue and order, so that the run
// reads ever deeper pages. It returns the queue and order, and the page.
func (d *driver) list(ctx context.Context, r *rand.Rand) (status int, ok bool, key string, page int) {
	v := d.views[r.IntN(len(d.views))]
	order := listSorts[r.IntN(len(listSorts))]
	key = v.name + " " + order
	path := "/api/v1/tickets?limit=50&sort=" + url.QueryEscape(order) + "&" + v.query
	d.mu.Lock()
	cursor := d.cursors[key]
	page = d.pages[key]
	d.mu.Unlock()
	if cursor == "" || r.IntN(2) == 0 {
		cursor, page = "", 0
	} else {
		path += "&cursor=" + url.QueryEscape(cursor)
	}
	var next string
	status, err := d.send(ctx, "GET", path, nil, func(body []byte) { next, ok = nextCursor(body) })
	if err != nil || status != http.StatusOK || !ok {
		return status, false, key, page + 1
	}
	d.mu.Lock()
	d.cursors[key], d.pages[key] = next, page+1
	d.mu.Unlock()
	return status, true, key, page + 1
}

// cursorKey is the list page's last member as the API writes it, after
// its items.
const cursorKey = `"next_cursor":`

// nextCursor reads a list page's next_cursor. A 50-ticket page is about
// 45 KB of JSON, and decoding all of it to find its last member cost the
// load client about half a millisecond a list, on the cores it shares: a
// quarter of what a list costs the machine. So the member is read from
// the page's end, where the API writes it; any other shape (not the API's
// object, white space around the colon, the member elsewhere, a value that
// is not a string or null) is decoded whole. The member found last cannot
// be a ticket's (a custom field's): the items' array and objects would
// close after it. The page between its start and that member is not
// checked: the status and a body read to its end are the run's checks.
func nextCursor(body []byte) (string, bool) {
	tail := bytes.TrimRight(body, " \t\r\n")
	if at := bytes.LastIndex(tail, []byte(cursorKey)); at >= 0 && bytes.HasPrefix(tail, []byte(`{"items":[`)) && bytes.HasSuffix(tail, []byte("}")) {
		value := tail[at+len(cursorKey) : len(tail)-1]
		if string(value) == "null" {
			return "", true
		}
		var next string
		if len(value) > 0 && value[0] == '"' && json.Unmarshal(value, &next) == nil {
			return next, true
		}
	}
	var resp struct {
		Next *string `json:"next_cursor"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return "", false
	}
	if resp.Next == nil {
		return "", true
	}
	return *resp.Next, true
}

// ListStats are the figures of one queue in one order.
type ListStats struct {
	Stats
	// DeepestPage is the deepest 50-row page read.
	DeepestPage int `json:"deepest_page"`
}

// summarizeLists computes the figures of each queue and order read.
func summarizeLists(samples []sample, secs float64) []*ListStats {
	by := map[string][]sample{}
	deepest := map[string]int{}
	for _, s := range samples {
		if s.op == OpList && s.detail != "" {
			by[s.detail] = append(by[s.detail], s)
			deepest[s.detail] = max(deepest[s.detail], s.page)
		}
	}
	out := make([]*ListStats, 0, len(by))
	for key, ss := range by {
		out = append(out, &ListStats{Stats: *stats(key, ss, secs), DeepestPage: deepest[key]})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].P99 > out[j].P99 || out[i].P99 == out[j].P99 && out[i].Op < out[j].Op
	})
	return out
}

// textLists writes the slowest queues and orders.
func (r *Result) textLists(w io.Writer) {
	if len(r.Lists) == 0 {
		return
	}
	deepest := 0
	for _, l := range r.Lists {
		deepest = max(deepest, l.DeepestPage)
	}
	fmt.Fprintf(w, "\nlist: %d built-in queues and orders read, pages 1 to %d; the slowest by p99:\n", len(r.Lists), deepest)
	for _, l := range r.Lists[:min(5, len(r.Lists))] {
		fmt.Fprintf(w, "  %-28s %7d %10s %10s %10s %7d\n", l.Op, l.Count, l.P50, l.P99, l.Max, l.Errors)
	}
}
