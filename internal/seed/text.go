package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The texts are drawn from a vocabulary by a Zipf law, as words are in
// real mail: a few ("the", "printer") are in most tickets, a few hundred in
// about one in a hundred, and a long tail of host names, error codes and
// product words in very few — the three frequencies search must answer
// fast for.
var common = strings.Fields(`the to and a is not i my it in for on with this we please can you of be have
error since when after printer password email laptop access vpn account screen working again update help
today issue problem cannot user new server phone reset connect login network file install request team
meeting office system broken slow outlook teams drive shared folder windows mac license software monitor
keyboard mouse wifi internet calendar sync backup restore database report invoice order approval badge door
certificate browser chrome firefox excel word pdf scanner toner cartridge headset microphone camera audio
video projector cable dock charger battery disk space full memory crash freeze restart reboot boot blue
message warning popup virus spam phishing quarantine blocked firewall proxy dns domain admin rights group
policy permission denied expired locked unlock mailbox forward alias distribution list contact mobile
tablet iphone android app store portal ticket urgent asap deadline customer client vendor contract
payroll hr onboarding offboarding leaver joiner equipment desk chair floor building parking visitor guest
timeout latency disconnects dropping intermittent sometimes always every morning yesterday week monday friday`)

// writer makes subjects, bodies and tags from its random source.
type writer struct {
	r    *rand.Rand
	zipf *rand.Zipf
	tagz *rand.Zipf
}

var tagWords = strings.Fields(`hardware software network access email printing vpn security onboarding billing
mobile accounts license storage backup monitoring vip outage follow-up escalated waiting-vendor`)

// vocabulary is the common words followed by the long tail: names that
// appear in a few tickets each.
var vocabulary = func() []string {
	words := append([]string{}, common...)
	for i := range 6000 {
		switch i % 4 {
		case 0:
			words = append(words, fmt.Sprintf("srv%04d", i))
		case 1:
			words = append(words, fmt.Sprintf("0x%05x", i*7919%1048576))
		case 2:
			words = append(words, fmt.Sprintf("kb%06d", 100000+i*37))
		default:
			words = append(words, fmt.Sprintf("lt%05d", i))
		}
	}
	return words
}()

func newWriter(r *rand.Rand) *writer {
	return &writer{r: r, zipf: rand.NewZipf(r, 1.07, 8, uint64(len(vocabulary)-1)),
		tagz: rand.NewZipf(r, 1.3, 1, uint64(len(tagWords)-1))}
}

func (w *writer) word() string { return vocabulary[w.zipf.Uint64()] }

// subject is a short line.
func (w *writer) subject() string {
	n := 3 + w.r.IntN(6)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = w.word()
	}
	s := strings.Join(parts, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// body is about n words in sentences.
func (w *writer) body(n int) string {
	var b strings.Builder
	for n > 0 {
		k := min(n, 5+w.r.IntN(12))
		for i := range k {
			word := w.word()
			if i == 0 {
				word = strings.ToUpper(word[:1]) + word[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(word)
		}
		b.WriteString(". ")
		n -= k
	}
	return strings.TrimSpace(b.String())
}

// tags are none to three.
func (w *writer) tags() []string {
	var out []string
	for range w.r.IntN(4) {
		t := tagWords[w.tagz.Uint64()]
		if !containsStr(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

var firstNames = strings.Fields(`Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Edsger Radia John Hedy Tim
Sophie Lena Jonas Mia Lukas Emma Noah Olivia Liam Ava Mateo Sara Yuki Ravi Priya Omar Fatima Chen Wei Ana Luis`)

var lastNames = strings.Fields(`Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Dijkstra
Perlman McCarthy Lamarr Berners-Lee Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Garcia Martinez
Rossi Russo Dubois Moreau Tanaka Sato Patel Sharma Khan Ali Wang Li Zhang Silva Santos`)

var orgWords = strings.Fields(`Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli
Vandelay Massive Nakatomi Oscorp Gringotts Monarch Aperture Black Mesa Dunder`)

var orgKinds = strings.Fields(`Corp GmbH Ltd Inc AG Holdings Labs Logistics Foods Insurance Bank Clinic`)

var teamNames = []string{"Service Desk", "Network", "Workplace", "Identity", "Messaging", "Infrastructure",
	"Applications", "Security", "Facilities", "Procurement", "HR Systems", "Finance Systems", "Field Support",
	"Database", "Cloud", "Telephony", "Printing", "Onboarding", "Major Incidents", "Change Board"}

var categoryNames = []string{"Hardware", "Software", "Network", "Access and accounts", "Email", "Printing",
	"Phones", "Security", "Facilities", "Purchasing", "Onboarding", "Offboarding", "Data and reports",
	"Backup and restore", "Other"}
