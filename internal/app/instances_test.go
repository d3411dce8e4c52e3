package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

// instance is one `docket serve` child process.
type instance struct {
	cmd       *exec.Cmd
	url, smtp string

	mu   sync.Mutex
	tail []string // the last lines it logged, for a failing test to show
}

// logTail returns the last lines the instance logged.
func (in *instance) logTail() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return strings.Join(in.tail, "\n")
}

// startInstance runs this test binary as `docket serve` on PostgreSQL with
// an SMTP listener, and waits until it answers.
func startInstance(t testing.TB, dbURL string) *instance {
	t.Helper()
	return startServe(t, []string{"--smtp-addr", "127.0.0.1:0", "--database-url", dbURL, "--data", t.TempDir()},
		"DOCKET_SECRET_KEY="+apptest.SecretKey)
}

// startServe runs this test binary as `docket serve --addr 127.0.0.1:0`
// with args and environment variables env added, and waits until it
// listens; it is killed at cleanup.
func startServe(t testing.TB, args []string, env ...string) *instance {
	t.Helper()
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "info"}, args...)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "DOCKET_TEST_CHILD_ARGS="+strings.Join(args, "\x1f")), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	httpRe := regexp.MustCompile(` addr=(127\.0\.0\.1:\d+)`)
	smtpRe := regexp.MustCompile(`smtp_addr=(127\.0\.0\.1:\d+)`)
	in := &instance{cmd: cmd}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			in.mu.Lock()
			if in.tail = append(in.tail, line); len(in.tail) > 60 {
				in.tail = in.tail[1:]
			}
			in.mu.Unlock()
			if m := smtpRe.FindStringSubmatch(line); m != nil {
				in.smtp = m[1]
			} else if m := httpRe.FindStringSubmatch(line); m != nil && in.url == "" {
				in.url = "http://" + m[1]
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("docket serve did not start")
	}
	t.Cleanup(func() { in.kill() })
	return in
}

func (in *instance) kill() {
	if in.cmd.ProcessState == nil {
		_ = in.cmd.Process.Signal(syscall.SIGKILL)
		_ = in.cmd.Wait()
	}
}

// mailSink is the outbound SMTP server: it counts what arrives by
// Message-ID.
type mailSink struct {
	mu   sync.Mutex
	byID map[string]int
}

func (k *mailSink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return k, nil }
func (k *mailSink) Reset()                                          {}
func (k *mailSink) Logout() error                                   { return nil }
func (k *mailSink) Mail(string, *gosmtp.MailOptions) error          { return nil }
func (k *mailSink) Rcpt(string, *gosmtp.RcptOptions) error          { return nil }
func (k *mailSink) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`(?im)^Message-ID:\s*(<[^>]+>)`).FindSubmatch(b)
	if m == nil {
		return fmt.Errorf("no Message-ID")
	}
	k.mu.Lock()
	k.byID[string(m[1])]++
	k.mu.Unlock()
	return nil
}

// TestThreeInstancesOnOnePostgreSQL drives three `docket serve` processes
// on one database with API writes and inbound mail while one of them is
// killed with SIGKILL and started again. Afterwards every acknowledged
// write is there exactly once, every accepted mail is filed once, and every
// notification was sent, each under its own Message-ID.
func TestThreeInstancesOnOnePostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns server processes")
	}
	dbURL := apptest.PostgresURL(t)
	ctx := context.Background()
	env := map[string]string{"DOCKET_SECRET_KEY": apptest.SecretKey}
	if r := run(t, "", env, "user", "create", "--email", "admin@example.com", "--role", "admin", "--database-url", dbURL); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tok := strings.TrimSpace(run(t, "", env, "token", "create", "--user", "admin@example.com", "--name", "t", "--database-url", dbURL).stdout)

	sink := &mailSink{byID: map[string]int{}}
	srv := gosmtp.NewServer(sink)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, sinkPort, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(sinkPort)

	var insts [3]atomic.Pointer[instance]
	for i := range insts {
		insts[i].Store(startInstance(t, dbURL))
	}
	admin := client.New(insts[0].Load().url, tok)
	if _, err := admin.Do(ctx, "POST", "/api/v1/mailboxes", map[string]any{"address": "support@example.test", "name": "Support",
		"inbound":  map[string]any{"type": "smtp"},
		"outbound": map[string]any{"host": "127.0.0.1", "port": port, "tls": "none"}}, nil); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var tickets, replies, mails []string // acknowledged writes, by unique text
	numbers := map[string]int64{}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; loadCtx.Err() == nil; i++ {
				in := insts[w%3].Load()
				c := client.New(in.url, tok)
				subject := fmt.Sprintf("api %d-%d", w, i)
				var tk struct {
					Number int64 `json:"number"`
				}
				if _, err := c.Do(loadCtx, "POST", "/api/v1/tickets", map[string]any{"subject": subject, "body": "help",
					"requester": map[string]string{"email": fmt.Sprintf("req%d-%d@example.org", w, i)}}, &tk); err == nil {
					mu.Lock()
					tickets = append(tickets, subject)
					numbers[subject] = tk.Number
					mu.Unlock()
					body := "reply to " + subject
					if _, err := c.Do(loadCtx, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.Number),
						map[string]any{"body": body}, nil); err == nil {
						mu.Lock()
						replies = append(replies, body)
						mu.Unlock()
					}
				}
				mailSubject := fmt.Sprintf("mail %d-%d", w, i)
				msg := fmt.Sprintf("From: sender%d-%d@example.org\r\nTo: support@example.test\r\nSubject: %s\r\nMessage-ID: <m%d-%d@example.org>\r\n\r\nBody of %s.\r\n",
					w, i, mailSubject, w, i, mailSubject)
				if err := smtp.SendMail(in.smtp, nil, fmt.Sprintf("sender%d-%d@example.org", w, i), []string{"support@example.test"}, []byte(msg)); err == nil {
					mu.Lock()
					mails = append(mails, mailSubject)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	insts[1].Load().kill() // SIGKILL mid-load
	time.Sleep(300 * time.Millisecond)
	insts[1].Store(startInstance(t, dbURL))
	time.Sleep(1500 * time.Millisecond)
	stopLoad()
	wg.Wait()
	if len(tickets) < 10 || len(mails) < 10 {
		t.Fatalf("too little load got through: %d tickets, %d mails", len(tickets), len(mails))
	}

	d, err := db.Open(ctx, db.Options{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	count := func(q string, args ...any) int {
		var n int
		if err := d.R.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, s := range tickets {
		if n := count(`SELECT COUNT(*) FROM tickets WHERE subject = $1`, s); n != 1 {
			t.Errorf("acknowledged ticket %q stored %d times", s, n)
		}
	}
	for _, b := range replies {
		if n := count(`SELECT COUNT(*) FROM messages WHERE body = $1`, b); n != 1 {
			t.Errorf("acknowledged reply %q stored %d times", b, n)
		}
	}
	for _, s := range mails {
		if n := count(`SELECT COUNT(*) FROM tickets WHERE subject = $1`, s); n != 1 {
			t.Errorf("accepted mail %q filed %d times", s, n)
		}
	}
	if n := count(`SELECT COUNT(*) FROM (SELECT number FROM tickets GROUP BY number HAVING COUNT(*) > 1) x`); n != 0 {
		t.Errorf("%d ticket numbers given twice", n)
	}
	// Every acknowledged ticket and reply queued its notification: the
	// mailbox added through one instance works at once on the others.
	for _, s := range append(append([]string{}, tickets...), mails...) {
		if n := count(`SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.subject = $1 AND o.kind = 'ack'`, s); n != 1 {
			t.Errorf("ticket %q has %d acknowledgements queued, want 1", s, n)
		}
	}
	for _, b := range replies {
		if n := count(`SELECT COUNT(*) FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.body = $1 AND o.kind = 'reply'`, b); n != 1 {
			t.Errorf("reply %q has %d emails queued, want 1", b, n)
		}
	}
	// Every notification is queued once per cause and sent.
	if n := count(`SELECT COUNT(*) FROM (SELECT ticket_id, kind, message_id FROM outbox GROUP BY ticket_id, kind, message_id HAVING COUNT(*) > 1) x`); n != 0 {
		t.Errorf("%d notifications queued twice", n)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count(`SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(`SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`); n != 0 {
		t.Fatalf("%d notifications not sent", n)
	}
	rows, err := d.R.QueryContext(ctx, `SELECT rfc822_message_id FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.Collect(rows, func(s db.Scanner) (string, error) { var id string; return id, s.Scan(&id) })
	if err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	resent := 0
	for _, id := range ids {
		n := sink.byID["<"+strings.Trim(id, "<>")+">"]
		if n == 0 {
			t.Errorf("notification %s marked sent but never arrived", id)
		}
		if n > 1 {
			resent++ // a send cut off by the kill, repeated under the same Message-ID
		}
	}
	if len(sink.byID) != len(ids) {
		t.Errorf("the relay got %d distinct Message-IDs for %d notifications", len(sink.byID), len(ids))
	}
	t.Logf("%d tickets, %d replies, %d mails acknowledged; %d notifications sent (%d repeated after the kill)",
		len(tickets), len(replies), len(mails), len(ids), resent)
}
