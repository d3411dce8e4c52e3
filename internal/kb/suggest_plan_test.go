package kb_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestSuggestPlansUseTheTextIndexes checks on PostgreSQL, with statistics
// as autovacuum keeps them, that every suggestion query reads its matches
// from a text index: neither reading every article nor walking the newest
// first and testing each one's tsvector, which made suggestions cost 20 to
// 90 ms over 10,000 articles whether anything matched or not.
func TestSuggestPlansUseTheTextIndexes(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	vocabulary := strings.Fields(`the to and a of in for is on with cannot connect network printer print firmware
		update fails vpn password email laptop access error install office phone screen login reset`)
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocabulary)+500-1))
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			if n := int(zipf.Uint64()); n < len(vocabulary) {
				ws[i] = vocabulary[n]
			} else {
				ws[i] = "term" + strconv.Itoa(n)
			}
		}
		return strings.Join(ws, " ")
	}
	for i := range 1500 {
		vis := "public"
		if i%10 == 9 {
			vis = "internal"
		}
		article(t, s, agent, text(4+rng.IntN(4)), text(60+rng.IntN(60)), vis, "published")
	}
	if _, err := d.W.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"printer fir", "cannot connect to the network", "zzqx vbnm", "co", "the "} {
		for _, actor := range []*user.Actor{nil, agent} {
			plans, err := s.KB.SuggestPlans(ctx, actor, typed)
			if err != nil {
				t.Fatalf("%q: %v", typed, err)
			}
			if len(plans) != 2 {
				t.Fatalf("%q: %d plans", typed, len(plans))
			}
			for i, index := range []string{"kb_articles_title_tsv", "kb_articles_tsv"} {
				p := plans[i]
				if !strings.Contains(p, "Bitmap Index Scan on "+index) || strings.Contains(p, "Seq Scan on kb_articles") ||
					strings.Contains(p, "Filter: (tsv @@") || strings.Contains(p, "Filter: (title_tsv @@") {
					t.Errorf("%q, query %d: the plan does not read its matches from %s:\n%s", typed, i+1, index, p)
				}
			}
		}
	}
}
