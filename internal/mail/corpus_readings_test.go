package mail_test

// reading is where Docket reads a corpus message differently from the
// expectation on purpose.
type reading struct {
	// fields lists what differs: any of filed, subject, from, name, body,
	// attachments. Everything else must still match.
	fields string
	// more: Docket shows more than the expected body, which it must hold.
	more bool
	// drop is text of the expected body that Docket does not show (an
	// HTML <title>); the rest must match.
	drop   string
	reason string
}

// Reasons shared by several messages.
const (
	bounceOfNothing = "a delivery report about mail Docket never sent: recorded with its reason and kept, not filed " +
		"as a ticket (issue 7 lists such mail where agents see it)"
	noSender = "there is no sender address anywhere in the message: recorded as rejected with the raw message " +
		"kept, not filed, since a ticket needs a requester"
	htmlTitle  = "an HTML <title> is not part of what a reader sees; Zammad puts it first in the body"
	allOfMixed = "every inline part of a multipart/mixed is shown, in order; the expected reading (Python's " +
		"get_body(), Zammad's first part) keeps only one"
	lastAlternative = "of two alternatives of one kind the last is shown, since RFC 2046 puts the preferred one " +
		"last; Python takes the first"
	attachedMessages = "an attached message (message/rfc822) is kept as an .eml file; Python's reading does not " +
		"list attached messages"
	pythonGaveUp = "Python gives up on the part's unknown or wrong charset and shows nothing; Docket shows the text"
)

// deliberate lists the corpus messages Docket reads differently on purpose.
var deliberate = map[string]reading{
	// Zammad: test/data/mail/mailNNN.box.
	"zammad/mail014": {fields: "attachments", reason: "a forwarded message is named after its subject, with the " +
		`characters Windows forbids in file names (\/:*?"<>|) made _: "Call_ HW-Anforderung…", not "Call: …"`},
	"zammad/mail016": {drop: "新建网页 3", reason: htmlTitle},
	"zammad/mail018": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail019": {drop: "新建网页 4", reason: htmlTitle},
	"zammad/mail021": {fields: "body", reason: "UTF-8 text with one stray byte: Docket keeps the UTF-8 (a Russian " +
		"footer) and reads the byte as Windows-1252 (\"oï\"); Zammad reads all of it as windows-1250, which " +
		"makes the Russian mojibake"},
	"zammad/mail023": {fields: "body", reason: "the text before the embedded message is GBK with no charset " +
		"anywhere in the mail; Docket reads undeclared bytes that are not UTF-8 as Windows-1252 and guesses no " +
		"East Asian charset, Zammad's detector does"},
	"zammad/mail026": {fields: "body", reason: "the HTML alternative shows nothing but its <title>; Docket " +
		"shows the text alternative, which holds the whole message, where Zammad shows the title"},
	"zammad/mail033-undelivered-mail-returned-to-sender": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail035": {fields: "from", reason: `From: "finances8@…" is an address in quotes; Docket takes the ` +
		"address, Zammad keeps the quotes as part of it"},
	"zammad/mail046": {fields: "subject name attachments", reason: "the subject and name are raw GBK bytes, but " +
		"the message declares ISO-8859-1, which Docket follows; Zammad's detector guessed GBK for the subject " +
		"(and still got the name wrong)"},
	"zammad/mail047": {drop: "HotPriceMail - -90%! Nur 3,90 statt 39,90 EUR: In-Ear-Stereo-Headset mit Bluetooth 4.1 und Magnetverschluss",
		reason: htmlTitle},
	"zammad/mail049": {drop: "Kinderschwimmbrille 1ABCD Little Twist: Schnell angelegt, keine verhedderten Haare (Pressemitteilung)",
		reason: htmlTitle},
	"zammad/mail052": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail053": {fields: "filed", reason: "a delivery report from a bare MAILER-DAEMON (no domain, so no " +
		"address): recorded as rejected with the raw message kept, not filed"},
	"zammad/mail054": {fields: "body", reason: "a header field folded without indentation; Docket skips the " +
		"stray lines and reads the body (\"some text\"), Zammad lost it"},
	"zammad/mail055": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail060": {fields: "body", reason: "under an unknown charset label (iso-gb2312) the text mixes UTF-8 " +
		"and Latin-1 bytes; Docket reads each as what it is (\"äöü - 差出人\" and \"äöü\"), Zammad makes the " +
		"UTF-8 half mojibake"},
	"zammad/mail063": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail064": {fields: "attachments", reason: "in windows-1258, 0xEC and 0xCC are combining accents: " +
		"Docket's name reads \"écran … à\", Zammad's \"eìcran … aÌ\""},
	"zammad/mail065": {fields: "name", reason: "the name is one encoded word with a comma in it; Docket reads " +
		"\"Bürling, Andreas\", Zammad splits the word at the comma and keeps \"=20Andreas?=\""},
	"zammad/mail066": {drop: "Glückwunschkarte", reason: htmlTitle},
	"zammad/mail071": {fields: "from", reason: "<power quadrant system@example.com> has spaces in its local " +
		"part, so it is no address; Docket takes system@example.com from it, Zammad keeps the whole text"},
	"zammad/mail072": {fields: "body", reason: "windows-1258 is Vietnamese: 0xE0 is \"à\" and 0xFB \"û\"; Zammad " +
		"reads the text as windows-1250 (\"ŕ\", \"ű\")"},
	"zammad/mail073": {fields: "attachments", reason: "the file name is Latin-1 in an encoded word; Docket " +
		"decodes it (\"Wölbung\"), Zammad shows U+FFFD"},
	"zammad/mail076": {fields: "filed", reason: "From: \"Millions Lottery Spain transfer\"@example.com> has " +
		"spaces in a quoted local part and a stray \">\": no address a requester can have; recorded as rejected " +
		"with the raw message kept"},
	"zammad/mail085": {fields: "attachments", more: true, reason: "Apple Mail splits one HTML message into " +
		"several text/html parts of a multipart/mixed; Docket shows them all in order, Zammad shows the first " +
		"and keeps the rest as document.html"},
	"zammad/mail087": {fields: "from name body attachments", reason: "From: Test test@example.com is read as " +
		"name and address (Zammad takes the whole text as the address), and the part without headers is text " +
		"(RFC 2045: text/plain), shown as the body, where Zammad keeps it as a file and shows nothing"},
	"zammad/mail092": {fields: "filed", reason: bounceOfNothing},
	"zammad/mail093": {fields: "subject name", reason: "the subject is raw Shift_JIS and the name Shift_JIS in " +
		"an encoded word labelled ISO-2022-JP; Docket follows the labels and guesses no East Asian charset, " +
		"Zammad's detector does"},
	"zammad/mail102": {fields: "attachments", reason: "two attachments share a name; Docket keeps both names as " +
		"sent, Zammad renames the second (\"…at 091.00.38.png\")"},
	"zammad/mail117": {fields: "from", reason: "an encoded word in an address is not decoded: RFC 2047 forbids it " +
		"there, and decoding it lets a sender pass for another address; the address stays as it is on the wire"},
	"zammad/mail118": {fields: "from", reason: "an encoded word in an address is not decoded: RFC 2047 forbids it " +
		"there, and decoding it lets a sender pass for another address; the address stays as it is on the wire"},

	// Request Tracker: t/data/emails, read by Python's email package.
	"rt/8859-15-message-series_dir": {fields: "attachments", reason: attachedMessages},
	"rt/crashes-file-based-parser":  {more: true, reason: allOfMixed},
	"rt/email-file-attachment":      {fields: "attachments", reason: attachedMessages},
	"rt/email-file-attachment-2":    {fields: "attachments", reason: attachedMessages},
	"rt/lorem-ipsum":                {fields: "filed", reason: noSender},
	"rt/multipart-report":           {fields: "filed", reason: bounceOfNothing},
	"rt/nested-mime-sample":         {fields: "attachments", reason: attachedMessages},
	"rt/nested-rfc-822":             {fields: "attachments", more: true, reason: allOfMixed + "; " + attachedMessages},
	"rt/outlook-rfc822":             {fields: "attachments", reason: attachedMessages},
	"rt/new-ticket-from-iso-8859-1": {fields: "name", reason: "the name is raw Latin-1; Docket reads it (\"Håvard\"), Python shows U+FFFD"},
	"rt/new-ticket-from-iso-8859-1-full": {fields: "name body", reason: "the name is raw Latin-1 and the body, " +
		"with no charset, quotes mojibake as valid UTF-8 (\"Ã¸\"); Docket reads both as they are, Python shows U+FFFD"},
	"rt/russian-subject-no-content-type": {fields: "subject body", reason: "KOI8-R bytes with no charset " +
		"anywhere; Docket reads undeclared bytes that are not UTF-8 as Windows-1252, Python shows U+FFFD: " +
		"neither is the Russian the sender wrote"},
	"rt/very-long-subject": {fields: "subject", reason: "a ticket subject holds at most 255 characters; the " +
		"subject is cut there"},

	// enmime: testdata/mail and testdata/low-quality, read by Python's email package.
	"enmime/low-quality_bad-header-start": {fields: "from name body", reason: "the header starts with a space; " +
		"Docket reads the fields anyway, Python none of them; " + lastAlternative},
	"enmime/low-quality_bad-header-wrap": {fields: "attachments", reason: "a Content-Type folded without " +
		"indentation; Docket still decodes the attachment (7 bytes), Python keeps it undecoded (63 bytes)"},
	"enmime/low-quality_empty-header":                  {fields: "body", reason: lastAlternative},
	"enmime/low-quality_incorrect-charset":             {fields: "body", reason: "UTF-8 labelled US-ASCII: Docket reads the UTF-8, Python shows U+FFFD"},
	"enmime/low-quality_missing-content-type2":         {fields: "body", reason: lastAlternative},
	"enmime/low-quality_unk-charset-part":              {fields: "body", reason: pythonGaveUp},
	"enmime/mail_erroneous":                            {fields: "filed", reason: noSender},
	"enmime/mail_header-only":                          {fields: "attachments", reason: "Python lists the empty multipart container as a 0-byte attachment"},
	"enmime/mail_html-mime-bad-charset-inline":         {fields: "body", reason: pythonGaveUp},
	"enmime/mail_html-mime-bad-unknown-charset-inline": {fields: "body", reason: pythonGaveUp},
	"enmime/mail_mime-alternative":                     {fields: "body", reason: lastAlternative},
	"enmime/mail_mime-mixed":                           {more: true, reason: allOfMixed},
	"enmime/mail_mime-mixed-related":                   {more: true, reason: allOfMixed},
	"enmime/mail_mime-signed":                          {more: true, reason: allOfMixed},
	"enmime/mail_multipart-wo-boundary":                {fields: "filed", reason: bounceOfNothing},
	"enmime/mail_non-mime-missing-charset": {fields: "body", reason: "the bytes C2 80 are UTF-8 for U+0080, a " +
		"control character Docket drops; Python shows two U+FFFD"},
}
