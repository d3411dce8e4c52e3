package loadgen

import (
	"math/rand/v2"
	"strings"
)

// DefaultWords are the search terms of a run without --words: help desk
// words, common, middling and rare in the texts the load generator
// writes.
var DefaultWords = []string{"printer", "password", "vpn", "laptop", "email", "invoice", "license", "monitor",
	"disconnects", "quarantine", "certificate", "onboarding"}

// vocabulary is what generated subjects and bodies are made of, in
// falling frequency: sentence draws words with a Zipf distribution, so a
// few are in most texts and most are rare, as in real mail.
var vocabulary = strings.Fields(`the printer is not working since this morning please help me with my password
reset vpn connection drops every few minutes laptop screen flickers when docked email client cannot sync calendar
invoice attached for approval license expired for the design software monitor shows no signal after update
outlook crashes on start shared drive access denied new employee onboarding needs account phone headset
microphone not detected badge does not open door wifi slow in meeting room projector cable missing software
install request admin rights certificate warning in browser backup failed last night server disk almost full
quarantine message release spam filter blocked customer reply keyboard keys stuck mouse battery replace toner
cartridge order teams meeting audio echo disconnects frequently database timeout report export error`)

// sentence returns n words drawn from the vocabulary.
func sentence(r *rand.Rand, n int) string {
	z := rand.NewZipf(r, 1.1, 2, uint64(len(vocabulary)-1))
	words := make([]string, n)
	for i := range words {
		words[i] = vocabulary[z.Uint64()]
	}
	return strings.Join(words, " ")
}
