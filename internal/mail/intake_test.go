package mail_test

import (
	"context"
	"testing"
)

// Real-world senders the parser once refused, filed through the importer
// (found by filing other projects' test mails, issue 7).
func TestUnusualSendersAreFiled(t *testing.T) { eachDB(t, testUnusualSendersAreFiled) }

func testUnusualSendersAreFiled(t *testing.T, e *env) {
	ctx := context.Background()
	cases := []struct {
		name, raw, email, person string
	}{
		{"trailing dot of the DNS root", "From: \"Clement.Si\" <Claudia.Shu@yahoo.com.>\r\nTo: support@example.test\r\n" +
			"Subject: Lean production\r\nMessage-ID: <dot-1@yahoo.com>\r\n\r\nPlease call me back.\r\n",
			"Claudia.Shu@yahoo.com", "Clement.Si"},
		{"a broken From field, then a good one", "From: [??????]\r\nReply-To: reghk@qq.example\r\nFrom: =?utf-8?B?6YO955C5?= <ghgbwum@185.example>\r\n" +
			"To: support@example.test\r\nSubject: Offer\r\nMessage-ID: <from2-1@185.example>\r\n\r\nOffer.\r\n",
			"ghgbwum@185.example", "都琹"},
		{"no address in From: Reply-To", "From: \"=?GB2312?B?ztI=?=\" <>\r\nReply-To: <vipyiming@126.example>\r\n" +
			"To: support@example.test\r\nSubject: News\r\nMessage-ID: <from3-1@126.example>\r\n\r\nNews.\r\n",
			"vipyiming@126.example", ""},
		{"no From field at all: Reply-To", "Reply-To: <vipyimin@126.example>\r\nTo: support@example.test\r\n" +
			"Subject: News\r\nMessage-ID: <from4-1@126.example>\r\n\r\nNews.\r\n",
			"vipyimin@126.example", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.im.Import(ctx, e.mb, []byte(c.raw))
			if err != nil || res.Ticket == 0 {
				t.Fatalf("not filed: %+v %v", res, err)
			}
			tk, err := e.s.Tickets.Get(ctx, &userAdmin, res.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Requester.Email != c.email || tk.Requester.Name != c.person {
				t.Fatalf("requester = %q <%s>, want %q <%s>", tk.Requester.Name, tk.Requester.Email, c.person, c.email)
			}
		})
	}
}

// A right-to-left override disguises "invoice<RLO>fdp.exe" as
// "invoiceexe.pdf"; the stored attachment has no such characters.
func TestAttachmentNamesLoseBidiControls(t *testing.T) {
	eachDB(t, testAttachmentNamesLoseBidiControls)
}

func testAttachmentNamesLoseBidiControls(t *testing.T, e *env) {
	ctx := context.Background()
	raw := "From: mallory@example.net\r\nTo: support@example.test\r\nSubject: Invoice\r\nMessage-ID: <bidi-1@example.net>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nPlease open it.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n"
	res, err := e.im.Import(ctx, e.mb, []byte(raw))
	if err != nil || res.Ticket == 0 {
		t.Fatalf("not filed: %+v %v", res, err)
	}
	msgs, err := e.s.Tickets.Messages(ctx, &userAdmin, res.Ticket, 0, 1)
	if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	if name := msgs[0].Attachments[0].Filename; name != "invoicefdp.exe" {
		t.Fatalf("attachment name = %q, want %q", name, "invoicefdp.exe")
	}
}
