// Package loadgen drives Docket's HTTP API with a mix of operations
// (create, reply, get, list, search) from a closed loop of clients at a
// given concurrency for a given time, and reports throughput and latency
// percentiles per operation. In the same run it drives a built-in
// hello-world handler with the same client, so every figure can be read as
// a share of what this machine's HTTP stack can do at all (`docket bench`).
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The operations of a mix.
const (
	OpCreate = "create"
	OpReply  = "reply"
	OpGet    = "get"
	OpList   = "list"
	OpSearch = "search"
	// OpHello is the baseline: GET / of a hello-world handler.
	OpHello = "hello"
)

// Ops are the operations a mix may name, in report order.
var Ops = []string{OpCreate, OpReply, OpGet, OpList, OpSearch}

// Options configure a run.
type Options struct {
	// URL is Docket's base URL; Token an API token of an agent or admin.
	URL, Token string
	// Concurrency is the number of clients, each sending its next request
	// when the last one was answered.
	Concurrency int
	// Duration is how long the mix runs.
	Duration time.Duration
	// Mix weighs the operations ("create" → 20, …).
	Mix map[string]int
	// Words are the search terms; each search uses one to three of them.
	Words []string
	// SearchSorts are the orders a search picks from, one at random each
	// time (none: the API's default, -updated_at).
	SearchSorts []string
	// Baseline is how long the hello-world handler is driven (0: not).
	Baseline time.Duration
	// Seed makes the choice of operations and texts repeatable.
	Seed uint64
}

// ParseMix reads "create=20,reply=20,get=20,list=30,search=10".
func ParseMix(s string) (map[string]int, error) {
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		op, w, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("mix %q: want op=weight, e.g. create=20", part)
		}
		if !slices.Contains(Ops, op) {
			return nil, fmt.Errorf("mix: unknown operation %q (want %s)", op, strings.Join(Ops, ", "))
		}
		mix[op] = n
	}
	total := 0
	for _, n := range mix {
		total += n
	}
	if total == 0 {
		return nil, errors.New("mix: give at least one operation a weight above 0")
	}
	return mix, nil
}

// Stats are one operation's figures.
type Stats struct {
	Op       string         `json:"op"`
	Count    int            `json:"count"`
	Errors   int            `json:"errors"`
	PerSec   float64        `json:"per_second"`
	P50      Millis         `json:"p50_ms"`
	P90      Millis         `json:"p90_ms"`
	P99      Millis         `json:"p99_ms"`
	Max      Millis         `json:"max_ms"`
	Statuses map[string]int `json:"errors_by_status,omitempty"`
}

// Millis is a duration shown in milliseconds.
type Millis time.Duration

// MarshalJSON writes milliseconds with three decimals.
func (m Millis) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(m)/float64(time.Millisecond), 'f', 3, 64)), nil
}

func (m Millis) String() string {
	return strconv.FormatFloat(float64(m)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// Result is a run's report.
type Result struct {
	URL         string   `json:"url"`
	Concurrency int      `json:"concurrency"`
	Seconds     float64  `json:"seconds"`
	Ops         []*Stats `json:"operations"`
	All         *Stats   `json:"all"`
	// Lists are the list operation's figures per built-in queue and
	// order, slowest first.
	Lists []*ListStats `json:"lists,omitempty"`
	// Hello is the baseline; Share is All.PerSec / Hello.PerSec.
	Hello *Stats  `json:"hello,omitempty"`
	Share float64 `json:"share_of_hello,omitempty"`
}

// sample is one answered request.
type sample struct {
	op     string
	detail string // for a list: the queue and the order
	page   int    // and the page
	took   time.Duration
	status int // 0: a transport error
	ok     bool
}

// Run drives the API with the mix, then the baseline.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Concurrency < 1 {
		return nil, errors.New("concurrency must be at least 1")
	}
	if o.Duration <= 0 {
		return nil, errors.New("duration must be above 0")
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want http://host:port", o.URL)
	}
	if len(o.Mix) == 0 {
		o.Mix, _ = ParseMix("create=20,reply=20,get=20,list=30,search=10")
	}
	if len(o.Words) == 0 {
		o.Words = DefaultWords
	}
	hc := newClient(o.Concurrency)
	d := &driver{o: o, base: strings.TrimRight(o.URL, "/"), hc: hc}
	if err := d.prepare(ctx); err != nil {
		return nil, err
	}
	samples, secs := d.loop(ctx, o.Duration, d.pick)
	res := &Result{URL: d.base, Concurrency: o.Concurrency, Seconds: secs}
	res.Ops, res.All = summarize(samples, secs)
	res.Lists = summarizeLists(samples, secs)
	if o.Baseline > 0 {
		hello, err := runHello(ctx, o, hc)
		if err != nil {
			return nil, err
		}
		res.Hello = hello
		if hello.PerSec > 0 {
			res.Share = res.All.PerSec / hello.PerSec
		}
	}
	return res, nil
}

func newClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conc * 2
	tr.MaxIdleConnsPerHost = conc * 2
	tr.MaxConnsPerHost = 0
	// A list's page (about 45 KB) is read in a few reads rather than a
	// dozen of the default 4 KB.
	tr.ReadBufferSize = 64 << 10
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// driver holds what the clients share: the ticket numbers they reply to
// and read.
type driver struct {
	o    Options
	base string
	hc   *http.Client

	views []listView // the built-in queues the list operation reads

	mu      sync.Mutex
	numbers []int64           // the tickets it reads: the first page of the list, and the ones it creates
	replies []int64           // the tickets it replies to: active ones, and the ones it creates
	cursors map[string]string // the next page of each queue and order
	pages   map[string]int    // and its depth
}

// prepare checks the token and collects ticket numbers to read and reply
// to, creating a few tickets on an empty database.
func (d *driver) prepare(ctx context.Context) error {
	numbers, _, err := d.numbersAt(ctx, "/api/v1/tickets?limit=200")
	if err != nil {
		return fmt.Errorf("%w (is the token an agent's?)", err)
	}
	d.numbers = numbers
	if err := d.collectActive(ctx); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(d.o.Seed, 1))
	d.views, d.cursors, d.pages = d.builtinViews(ctx), map[string]string{}, map[string]int{}
	for len(d.numbers) < 10 || len(d.replies) < 10 {
		if _, ok := d.create(ctx, r); !ok {
			return errors.New("could not create the tickets the run reads and replies to")
		}
	}
	return nil
}

// replyPool bounds how many active tickets a run collects to reply to.
const replyPool = 2000

// collectActive collects up to replyPool active tickets, the most recently
// updated first, for the replies. The replies went to the first page of
// the list at first: on a desk whose newest tickets are closed, each was
// refused (409), and on one where they were active, a reply run gave each
// of 200 tickets about 80 replies, threads far longer than a desk's, whose
// every reply rewrites a longer full-text document.
func (d *driver) collectActive(ctx context.Context) error {
	path := "/api/v1/tickets?limit=200&status=new,open,pending,on_hold&sort=-updated_at"
	for p := path; len(d.replies) < replyPool; {
		numbers, next, err := d.numbersAt(ctx, p)
		if err != nil {
			return err
		}
		d.replies = append(d.replies, numbers...)
		if next == "" || len(numbers) == 0 {
			return nil
		}
		p = path + "&cursor=" + url.QueryEscape(next)
	}
	return nil
}

// numbersAt reads a page of the ticket list at path: its tickets' numbers
// and the cursor of the next page ("" at the last).
func (d *driver) numbersAt(ctx context.Context, path string) (numbers []int64, next string, err error) {
	status, body, err := d.do(ctx, "GET", path, nil)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", d.base, err)
	}
	if status != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s answered %d: %s", path, status, firstLine(body))
	}
	var page struct {
		Items []struct {
			Number int64 `json:"number"`
		} `json:"items"`
		Next string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", fmt.Errorf("GET %s: %w", path, err)
	}
	for _, t := range page.Items {
		numbers = append(numbers, t.Number)
	}
	return numbers, page.Next, nil
}

// loop runs the clients for dur, each doing what next chooses.
func (d *driver) loop(ctx context.Context, dur time.Duration, next func(ctx context.Context, r *rand.Rand) sample) ([]sample, float64) {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var wg sync.WaitGroup
	all := make([][]sample, d.o.Concurrency)
	start := time.Now()
	for w := range d.o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(d.o.Seed, uint64(w)+2))
			for ctx.Err() == nil {
				s := next(ctx, r)
				if ctx.Err() != nil && !s.ok {
					break // cut off by the end of the run, not an error
				}
				all[w] = append(all[w], s)
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	var out []sample
	for _, s := range all {
		out = append(out, s...)
	}
	return out, secs
}

// pick does one operation of the mix.
func (d *driver) pick(ctx context.Context, r *rand.Rand) sample {
	total := 0
	for _, op := range Ops {
		total += d.o.Mix[op]
	}
	n := r.IntN(total)
	op := OpList
	for _, o := range Ops {
		if n < d.o.Mix[o] {
			op = o
			break
		}
		n -= d.o.Mix[o]
	}
	start := time.Now()
	var status int
	var ok bool
	switch op {
	case OpCreate:
		status, ok = d.create(ctx, r)
	case OpReply:
		body, _ := json.Marshal(map[string]any{"body": sentence(r, 12)})
		status, ok = d.expect(ctx, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", d.replyTo(r)), body, http.StatusCreated)
	case OpGet:
		status, ok = d.expect(ctx, "GET", fmt.Sprintf("/api/v1/tickets/%d", d.number(r)), nil, http.StatusOK)
	case OpList:
		var key string
		var page int
		status, ok, key, page = d.list(ctx, r)
		return sample{op: op, took: time.Since(start), status: status, ok: ok, detail: key, page: page}
	case OpSearch:
		q := d.o.Words[r.IntN(len(d.o.Words))]
		for range r.IntN(3) {
			q += " " + d.o.Words[r.IntN(len(d.o.Words))]
		}
		path := "/api/v1/tickets?limit=50&q=" + url.QueryEscape(q)
		if len(d.o.SearchSorts) > 0 {
			path += "&sort=" + url.QueryEscape(d.o.SearchSorts[r.IntN(len(d.o.SearchSorts))])
		}
		status, ok = d.expect(ctx, "GET", path, nil, http.StatusOK)
	}
	return sample{op: op, took: time.Since(start), status: status, ok: ok}
}

func (d *driver) number(r *rand.Rand) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.numbers[r.IntN(len(d.numbers))]
}

func (d *driver) replyTo(r *rand.Rand) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.replies[r.IntN(len(d.replies))]
}

func (d *driver) create(ctx context.Context, r *rand.Rand) (int, bool) {
	body, _ := json.Marshal(map[string]any{"subject": sentence(r, 6), "body": sentence(r, 40), "priority": "p3",
		"requester": map[string]string{"email": fmt.Sprintf("bench%d@example.org", r.IntN(1000))}})
	var t struct {
		Number int64 `json:"number"`
	}
	status, err := d.send(ctx, "POST", "/api/v1/tickets", body, func(resp []byte) { json.Unmarshal(resp, &t) })
	if err != nil || status != http.StatusCreated {
		return status, false
	}
	if t.Number > 0 {
		d.mu.Lock()
		if len(d.numbers) < 100000 {
			d.numbers = append(d.numbers, t.Number)
		}
		if len(d.replies) < 100000 {
			d.replies = append(d.replies, t.Number)
		}
		d.mu.Unlock()
	}
	return status, true
}

func (d *driver) expect(ctx context.Context, method, path string, body []byte, want int) (int, bool) {
	status, err := d.send(ctx, method, path, body, nil)
	return status, err == nil && status == want
}

// do sends a request and returns its response's status and body.
func (d *driver) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var out []byte
	status, err := d.send(ctx, method, path, body, func(b []byte) { out = bytes.Clone(b) })
	return status, out, err
}

// bodies are the buffers the clients read responses into, reused: read
// with io.ReadAll, a list's 45 KB grew a new slice a dozen times.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// send sends a request and reads its whole response; read, if not nil,
// is given the body, which is only valid during the call. A response the
// client could not read whole is an error.
func (d *driver) send(ctx context.Context, method, path string, body []byte, read func([]byte)) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+d.o.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return resp.StatusCode, err
	}
	if read != nil {
		read(buf.Bytes())
	}
	return resp.StatusCode, nil
}

// runHello drives a hello-world handler on loopback with the same client
// and concurrency.
func runHello(ctx context.Context, o Options, hc *http.Client) (*Stats, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello")
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	d := &driver{o: o, base: "http://" + ln.Addr().String(), hc: hc}
	samples, secs := d.loop(ctx, o.Baseline, func(ctx context.Context, r *rand.Rand) sample {
		start := time.Now()
		status, ok := d.expect(ctx, "GET", "/", nil, http.StatusOK)
		return sample{op: OpHello, took: time.Since(start), status: status, ok: ok}
	})
	_, all := summarize(samples, secs)
	all.Op = OpHello
	return all, nil
}

// summarize computes each operation's figures and the total's.
func summarize(samples []sample, secs float64) ([]*Stats, *Stats) {
	by := map[string][]sample{}
	for _, s := range samples {
		by[s.op] = append(by[s.op], s)
	}
	var ops []*Stats
	for _, op := range append(slices.Clone(Ops), OpHello) {
		if ss := by[op]; len(ss) > 0 {
			ops = append(ops, stats(op, ss, secs))
		}
	}
	return ops, stats("all", samples, secs)
}

func stats(op string, ss []sample, secs float64) *Stats {
	st := &Stats{Op: op}
	var took []time.Duration
	for _, s := range ss {
		if !s.ok {
			st.Errors++
			if st.Statuses == nil {
				st.Statuses = map[string]int{}
			}
			key := strconv.Itoa(s.status)
			if s.status == 0 {
				key = "transport"
			}
			st.Statuses[key]++
			continue
		}
		took = append(took, s.took)
	}
	st.Count = len(took)
	if secs > 0 {
		st.PerSec = float64(st.Count) / secs
	}
	if len(took) == 0 {
		return st
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	at := func(p float64) Millis { return Millis(took[min(len(took)-1, int(p*float64(len(took))))]) }
	st.P50, st.P90, st.P99, st.Max = at(0.50), at(0.90), at(0.99), Millis(took[len(took)-1])
	return st
}

// Text writes the report as a table.
func (r *Result) Text(w io.Writer) {
	fmt.Fprintf(w, "%s, %d clients, %.1f s\n\n", r.URL, r.Concurrency, r.Seconds)
	fmt.Fprintf(w, "%-8s %9s %10s %10s %10s %10s %10s %7s\n", "op", "count", "per sec", "p50", "p90", "p99", "max", "errors")
	rows := append(slices.Clone(r.Ops), r.All)
	if r.Hello != nil {
		rows = append(rows, r.Hello)
	}
	for _, s := range rows {
		fmt.Fprintf(w, "%-8s %9d %10.1f %10s %10s %10s %10s %7d\n", s.Op, s.Count, s.PerSec, s.P50, s.P90, s.P99, s.Max, s.Errors)
	}
	for _, s := range rows {
		if len(s.Statuses) > 0 {
			keys := make([]string, 0, len(s.Statuses))
			for k := range s.Statuses {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s×%d", k, s.Statuses[k]))
			}
			fmt.Fprintf(w, "errors of %s: %s\n", s.Op, strings.Join(parts, ", "))
		}
	}
	r.textLists(w)
	if r.Hello != nil {
		fmt.Fprintf(w, "\nall operations together: %.1f %% of the hello-world ceiling on this machine\n", 100*r.Share)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
