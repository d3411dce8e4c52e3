package search

import "testing"

// Cases from the Snowball project's English and German vocabularies.
func TestStemEnglish(t *testing.T) {
	for in, want := range map[string]string{
		"consign": "consign", "consigned": "consign", "consignment": "consign", "consistency": "consist",
		"consistently": "consist", "consolation": "consol", "consolatory": "consolatori", "consoles": "consol",
		"consolidated": "consolid", "consolingly": "consol", "conspicuously": "conspicu", "conspiracy": "conspiraci",
		"conspirators": "conspir", "constables": "constabl", "constancy": "constanc", "knackeries": "knackeri",
		"kneeled": "kneel", "knightly": "knight", "knitting": "knit", "knives": "knive", "knocker": "knocker",
		"generously": "generous", "happy": "happi", "cried": "cri", "ties": "tie", "hopping": "hop", "hoped": "hope",
		"connection": "connect", "printers": "printer", "running": "run", "disconnects": "disconnect",
		"disconnected": "disconnect", "disconnecting": "disconnect", "skies": "sky", "news": "news", "gas": "gas",
		"caresses": "caress", "agreed": "agre", "feed": "feed", "by": "by", "say": "say", "1001": "1001",
		"relational": "relat", "hopefulness": "hope", "formality": "formal", "electrical": "electr", "adjustment": "adjust",
	} {
		if got := StemEnglish(in); got != want {
			t.Errorf("StemEnglish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStemGerman(t *testing.T) {
	for in, want := range map[string]string{
		"aufeinanderfolgenden": "aufeinanderfolg", "aufeinanderfolgte": "aufeinanderfolgt", "aufgabe": "aufgab",
		"käufer": "kauf", "häuser": "haus", "verbindung": "verbind", "verbindungen": "verbind",
		"kategorien": "kategori", "ausschließlich": "ausschliess", "ausschlaggebend": "ausschlaggeb",
		"drucker": "druck", "druckers": "druck", "verbindet": "verbindet", "ergebnisse": "ergebnis",
	} {
		if got := StemGerman(in); got != want {
			t.Errorf("StemGerman(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTermsMatchInflections(t *testing.T) {
	if got, want := Terms("VPN disconnects; Café-Verbindungen"), "vpn disconnect cafe verbindungen vpn disconnect cafe verbind"; got != want {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	if got, want := Terms("the printer"), "the printer the print"; got != want {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	if got, want := Terms("ticket 1001"), "ticket 1001"; got != want {
		t.Errorf("Terms = %q, want %q (one stream when the languages agree)", got, want)
	}
	q, _ := Parse("disconnect Verbindung connection*")
	if got, want := FTS5(q), `("disconnect") AND ("verbindung" OR "verbind") AND ("connect"* OR "connection"*)`; got != want {
		t.Errorf("FTS5 = %s, want %s", got, want)
	}
}
