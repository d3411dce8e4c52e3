package ticket_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The search benchmark's tickets carry planted words of known frequency
// inside Zipf-distributed text: "please" in every ticket, "quota" in 1 %,
// "kerberos" in 0.01 %, "zanzibar" in one ticket.
var searchCases = []struct{ name, query string }{
	{"all", "please"},
	{"one_percent", "quota"},
	{"hundredth_percent", "kerberos"},
	{"rare", "zanzibar"},
	{"two_words", "please quota"},
	{"three_words", "please printer quota"},
	{"prefix", "kerbero*"},
	{"phrase", `"quota exceeded"`},
	{"open_all", "status:open please"},
	{"assignee_one_percent", "assignee:search-agent-3@example.test quota"},
}

// searchDB opens the benchmark's database: DOCKET_BENCH_SQLITE_DIR or
// DOCKET_BENCH_POSTGRES_URL name one kept between runs (seeded the first
// time, migrated every time), otherwise a fresh one is made.
func searchDB(b *testing.B, dialect db.Dialect) *db.DB {
	var opts db.Options
	switch {
	case dialect == db.SQLite && os.Getenv("DOCKET_BENCH_SQLITE_DIR") != "":
		opts.DataDir = os.Getenv("DOCKET_BENCH_SQLITE_DIR")
	case dialect == db.Postgres && os.Getenv("DOCKET_BENCH_POSTGRES_URL") != "":
		opts.URL = os.Getenv("DOCKET_BENCH_POSTGRES_URL")
	default:
		return apptest.DB(b, dialect)
	}
	return openKept(b, opts)
}

// openKept opens a database kept between runs, migrated, until b ends.
func openKept(b *testing.B, opts db.Options) *db.DB {
	d, err := db.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkSearch searches benchTickets() tickets by word frequency, newest
// first and by relevance (DOCKET_BENCH_SORTS, comma-separated; one engine
// with DOCKET_BENCH_DIALECT=sqlite or postgres), 8 searches
// at a time, and reports the latency's min, p50 and p99.
func BenchmarkSearch(b *testing.B) {
	sorts := strings.Split(cmpOr(os.Getenv("DOCKET_BENCH_SORTS"), "-updated_at,-created_at,relevance"), ",")
	for _, dialect := range apptest.Dialects {
		if only := os.Getenv("DOCKET_BENCH_DIALECT"); only != "" && only != string(dialect) {
			continue
		}
		d := searchDB(b, dialect)
		s := apptest.Services(b, d)
		start := time.Now()
		if err := seedSearch(d, benchTickets()); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: seeded in %s", dialect, time.Since(start).Round(time.Second))
		agent, requester := searchActor(b, s, "search-agent-0@example.test"), searchActor(b, s, "search-requester-1@example.test")
		b.Run(string(dialect), func(b *testing.B) {
			for _, c := range searchCases {
				for _, sort := range sorts {
					b.Run(c.name+"/"+strings.TrimPrefix(sort, "-"), func(b *testing.B) {
						benchSearch(b, s.Tickets, agent, c.query, sort)
					})
				}
			}
			b.Run("requester_all/updated_at", func(b *testing.B) {
				benchSearch(b, s.Tickets, requester, "please", "-updated_at")
			})
		})
	}
}

func searchActor(tb testing.TB, s *app.Services, email string) *user.Actor {
	u, err := s.Users.ByEmail(ctx, email)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := s.Users.Actor(ctx, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func benchSearch(b *testing.B, svc *ticket.Service, a *user.Actor, query, sort string) {
	q, err := search.Parse(query)
	if err != nil {
		b.Fatal(err)
	}
	f := ticket.Filter{Text: q, Sort: sort, Limit: 50}
	for _, t := range q.Terms {
		switch t.Key {
		case "status":
			f.Status = []ticket.Status{ticket.Status(t.Values[0])}
		case "assignee":
			f.Assignee = t.Values
		}
	}
	timedParallel(b, func(int64) error {
		_, _, err := svc.List(ctx, a, f)
		return err
	})
}

// seedSearch adds n tickets (if the database has fewer) with a subject and
// one to three messages each, an internal note in one ticket of ten, from a
// Zipf vocabulary plus the planted words. Ten requesters file a tenth of the
// tickets each; ten agents are assigned one ticket of twenty each.
func seedSearch(d *db.DB, n int) error {
	var have int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE uid LIKE 'srch-%'`).Scan(&have); err != nil {
		return err
	}
	if have >= n {
		return nil
	}
	if have > 0 {
		return fmt.Errorf("the search database has %d of %d tickets; start from an empty one", have, n)
	}
	var people []string
	for i := range 10 {
		for _, p := range [][2]string{{"requester", "search-requester-"}, {"agent", "search-agent-"}} {
			people = append(people, fmt.Sprintf("('%s%d@example.test', '%s', 0, 0)", p[1], i, p[0]))
		}
	}
	if _, err := d.W.ExecContext(ctx, `INSERT INTO users (email, role, created_at, updated_at) VALUES `+strings.Join(people, ",")); err != nil {
		return err
	}
	ids := map[string]int64{}
	rows, err := d.R.QueryContext(ctx, `SELECT email, id FROM users WHERE email LIKE 'search-%'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e string
		var id int64
		if err := rows.Scan(&e, &id); err != nil {
			return err
		}
		ids[e] = id
	}
	rows.Close()
	r := rand.New(rand.NewPCG(13, 13))
	vocab := zipfWords()
	zipf := rand.NewZipf(r, 1.07, 8, uint64(len(vocab)-1))
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(ws, " ")
	}
	const batch = 2000
	t0 := int64(1_700_000_000_000_000)
	for lo := 1; lo <= n; lo += batch {
		var tks, docs []string
		var args []any
		for i := lo; i < lo+batch && i <= n; i++ {
			subject := text(3 + r.IntN(6))
			body := "please " + text(10+r.IntN(40))
			switch {
			case i%100 == 7:
				body += " quota exceeded"
			case i%10000 == 13:
				body += " kerberos"
			case i == n/2:
				body += " zanzibar"
			}
			created := t0 + int64(i)*30_000_000
			updated := created + r.Int64N(3*86400_000_000)
			status := []string{"new", "open", "pending", "solved"}[i%4]
			assignee := "NULL"
			if i%20 == 3 {
				assignee = strconv.FormatInt(ids[fmt.Sprintf("search-agent-%d@example.test", i/20%10)], 10)
			}
			tks = append(tks, fmt.Sprintf("('srch-%d', %d, 'incident', '%s', '%s', %d, %d, %s, 'api', %d, %d)", i, 3_000_000+i,
				subject, status, 1+i%4, ids[fmt.Sprintf("search-requester-%d@example.test", i%10)], assignee, created, updated))
			msgs := []string{subject, body}
			for range r.IntN(3) {
				msgs = append(msgs, text(10+r.IntN(30)))
			}
			for k, m := range msgs {
				internal := k == 2 && i%10 == 0
				docs = append(docs, fmt.Sprintf("(%d, %t, %s, %s)", 3_000_000+i, internal, argN(&args, m), argN(&args, search.Terms(m))))
			}
		}
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, assignee_id,
				channel, created_at, updated_at) VALUES `+strings.Join(tks, ",")); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, d.Rebind(`WITH v (num, internal, body, terms) AS (VALUES `+strings.Join(docs, ",")+`)
				INSERT INTO search_docs (ticket_id, internal, body, terms) SELECT t.id, v.internal, v.body, v.terms
				FROM v JOIN tickets t ON t.number = v.num`), args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed search: %w", err)
		}
		if lo%100_000 == 1 {
			fmt.Fprintf(os.Stderr, "seeded %d/%d\n", lo-1, n)
		}
	}
	_, err = d.W.ExecContext(ctx, "ANALYZE")
	return err
}

func argN(args *[]any, v any) string {
	*args = append(*args, v)
	return "$" + strconv.Itoa(len(*args))
}

// zipfWords is a help desk's vocabulary, most frequent first, then a long
// tail of host names and error codes.
func zipfWords() []string {
	words := strings.Fields(`the to and a is not i my it in for on with this we can you of be have error since when
after printer password email laptop access vpn account screen working again update help today issue problem
cannot user new server phone reset connect login network file install meeting office system broken slow outlook
teams drive shared folder windows mac license software monitor keyboard mouse wifi internet calendar sync backup
restore database report invoice order approval badge door certificate browser chrome firefox excel word pdf
scanner toner cartridge headset microphone camera audio video projector cable dock charger battery disk space full
memory crash freeze restart reboot boot blue message warning popup virus spam phishing blocked firewall proxy dns
domain admin rights group policy permission denied expired locked unlock mailbox forward alias list contact mobile
tablet iphone android app store portal urgent deadline customer client vendor contract payroll onboarding
equipment desk chair floor building parking visitor guest timeout latency disconnects intermittent morning`)
	for i := range 6000 {
		words = append(words, fmt.Sprintf("srv%04d", i), fmt.Sprintf("lt%05d", i))
	}
	return words
}
