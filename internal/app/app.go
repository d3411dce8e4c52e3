// Package app wires Docket together and runs its subcommands: serve,
// migrate, user create, token create, backup, restore and version. It
// holds no globals: every dependency is built here and passed down.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/webform"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/canned"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/idempotency"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/lease"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
	"github.com/docket/docket/internal/webhook"
)

// Version is set at build time with -ldflags "-X github.com/docket/docket/internal/app.Version=…".
var Version = "dev"

// Env is the process environment a command runs in.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Ready, if set, is called with the HTTP address once serve listens
	// (tests use it to find a random port).
	Ready func(addr string)
}

const usage = `Docket — a help desk and IT service desk.

Usage:
  docket [serve] [flags]          run the help desk (default)
  docket migrate [flags]          apply database migrations and exit
  docket user create [flags]      create a user (--email, --name, --role, --password-stdin)
  docket token create [flags]     print a new API token (--user, --name, --scope)
  docket backup FILE [flags]      write the database, attachments and secret key to FILE
  docket restore FILE [flags]     replace the database with the backup in FILE (--force)
  docket bench [flags]            drive a running Docket's API with a mix of requests and report
                                  throughput and latency (--url, --token, --concurrency, --duration)
  docket seed [flags]             fill an empty database with a realistic help desk for measuring
                                  (--tickets 1000000, --teams, --agents, --requesters, --messages)
  docket version                  print the version

Run 'docket <command> -h' for a command's flags.
`

// errUsage marks a mistake on the command line (an unknown flag, a bad
// flag value): Run prints the one line that says what was wrong.
var errUsage = errors.New("usage")

type usageError struct{ error }

func (usageError) Is(target error) bool { return target == errUsage }

// Run executes the command in env.Args and returns the exit status.
func Run(ctx context.Context, env Env) int {
	err := run(ctx, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(env.Stderr, oneLine(err.Error()))
		return 2
	}
	fmt.Fprintln(env.Stderr, "docket: "+oneLine(err.Error()))
	return 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(ctx context.Context, env Env) error {
	args := env.Args
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, env, args)
	case "migrate":
		return migrate(ctx, env, args)
	case "user":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: docket user create --email E --name N --role admin|agent|requester [--password-stdin]")
		}
		return userCreate(ctx, env, args[1:])
	case "token":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: docket token create --user E --name LABEL [--scope read|write]")
		}
		return tokenCreate(ctx, env, args[1:])
	case "backup":
		return backupCmd(ctx, env, args)
	case "restore":
		return restoreCmd(ctx, env, args)
	case "bench":
		return benchCmd(ctx, env, args)
	case "seed":
		return seedCmd(ctx, env, args)
	case "version":
		fmt.Fprintln(env.Stdout, "docket "+Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("docket: unknown command %q (run 'docket help' for the commands)", cmd)}
}

// newFlagSet returns the flag set of a subcommand. The flag package would
// print the whole usage after any mistake, burying what was wrong: it
// prints nothing here, parse turns a mistake into one line, and -h prints
// the usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("docket "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func parse(env Env, fs *flag.FlagSet, args []string, validate func() error) error {
	_, err := parseArgs(env, fs, args, validate, "")
	return err
}

// parseArgs is parse for a command that takes one argument besides its
// flags (named arg in messages), before, after or among them; it returns
// the argument. With arg empty the command takes none.
func parseArgs(env Env, fs *flag.FlagSet, args []string, validate func() error, arg string) (string, error) {
	var got string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(env.Stderr)
				fmt.Fprintf(env.Stderr, "Usage of %s %s:\n", fs.Name(), arg)
				fs.PrintDefaults()
				return "", err
			}
			return "", usageError{fmt.Errorf("%s: %v (run '%s -h' for its flags)", fs.Name(), err, fs.Name())}
		}
		if fs.NArg() == 0 {
			break
		}
		if arg == "" || got != "" {
			return "", usageError{fmt.Errorf("%s: unexpected argument %q (run '%s -h' for its flags)", fs.Name(), fs.Arg(0), fs.Name())}
		}
		got, args = fs.Arg(0), fs.Args()[1:]
	}
	if arg != "" && got == "" {
		return "", usageError{fmt.Errorf("%s: %s is missing (usage: %s %s [flags])", fs.Name(), arg, fs.Name(), arg)}
	}
	return got, validate()
}

// Services are the domain services every command needs, built once.
type Services struct {
	DB          *db.DB
	Bus         *event.Bus
	Users       *user.Service
	Tickets     *ticket.Service
	Attachments *attachment.Service
	Auth        *auth.Service
	Idem        *idempotency.Store
	Views       *view.Service
	Canned      *canned.Service
	// KB is the knowledge base: articles, categories, versions, votes.
	KB        *kb.Service
	Drafts    *draft.Service
	Secrets   *secret.Box
	Mailboxes *mailbox.Service
	Importer  *mail.Importer
	Outbox    *outbox.Store
	Outgoing  *mail.Outgoing
	// Notify tells agents what concerns them (mentions, assignments,
	// replies, SLA warnings and breaches), in the app and by email.
	Notify *notify.Service
	// Leases hand named work (such as fetching one IMAP mailbox) to one
	// instance at a time; one holder id per process.
	Leases *lease.Leases
	// Events is the durable domain event log; Pump carries its events to
	// this process's Bus and durable consumers.
	Events *event.Log
	Pump   *event.Pump
	// Jobs queues background work; Runner runs it (see Start).
	// Brand is how the help desk presents itself to requesters.
	Brand *brand.Service
	// WebForms are the embeddable forms anyone opens tickets with.
	WebForms *webform.Service
	Jobs     *job.Queue
	Runner   *job.Runner
	// Audit reads the audit log: the events of admin changes.
	Audit *audit.Service
	// Calendars are the business-hours calendars SLA targets use.
	Calendars *calendar.Service
	// Reports computes reports (SLA compliance).
	Reports *report.Service
	// Satisfaction keeps the requesters' ratings of the help and their
	// settings; resolution mails carry its rating links.
	Satisfaction *satisfaction.Service
	// SLA chooses policies and runs each ticket's clocks and timers.
	SLA *sla.Service
	// Webhooks sends domain events to registered endpoints: its consumer
	// queues deliveries, its job sends them.
	Webhooks *webhook.Service
	// Automation runs the triggers: its consumer applies them to ticket
	// events after they commit.
	Automation *automation.Service
	// TimeRules are the rules the job runner evaluates every minute over
	// tickets in a state for a while (closing resolved tickets among them).
	TimeRules *automation.TimeRules
	// Macros are agents' named sets of actions and reply texts; Canned is
	// their canned-response view (the macros with only a reply).
	Macros *macro.Service
	// Assign assigns tickets by their team's strategy (its consumer) and
	// keeps agents' availability and skills.
	Assign *assign.Service
	// Stop signals long-lived work (live streams) that the server is
	// shutting down; Stopping is closed by it.
	Stop     context.CancelFunc
	Stopping <-chan struct{}
}

// open connects, migrates and builds the services.
func open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Services, error) {
	return openWith(ctx, cfg, log, false)
}

// openWith is open, for a bulk load when bulk (db.Options.BulkLoad).
func openWith(ctx context.Context, cfg *config.Config, log *slog.Logger, bulk bool) (*Services, error) {
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.Data, Synchronous: cfg.SQLiteSync, BulkLoad: bulk})
	if err != nil {
		return nil, err
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("applied migrations", "count", n, "dialect", string(d.Dialect))
	}
	s, err := Build(ctx, d, cfg, log)
	if err != nil {
		d.Close()
		return nil, err
	}
	return s, nil
}

// Build creates the services over an open, migrated database and checks
// every named query against its schema.
func Build(ctx context.Context, d *db.DB, cfg *config.Config, log *slog.Logger) (*Services, error) {
	var err error
	s := &Services{DB: d, Bus: event.NewBus()}
	if s.Events, err = event.NewLog(d); err != nil {
		return nil, err
	}
	s.Pump = event.NewPump(s.Events, s.Bus, log.With("component", "events"))
	if s.Jobs, err = job.NewQueue(d); err != nil {
		return nil, err
	}
	stopCtx, stop := context.WithCancel(context.Background())
	s.Stop, s.Stopping = stop, stopCtx.Done()
	fail := func(err error) (*Services, error) { return nil, err }
	// Instances sharing PostgreSQL must share the key too: it comes from
	// DOCKET_SECRET_KEY only. SQLite may fall back to a key file in --data.
	openKey := secret.Open
	if d.Dialect == db.Postgres {
		openKey = secret.OpenEnv
	}
	if s.Secrets, err = openKey(cfg.Data, cfg.SecretKey); err != nil {
		return fail(err)
	}
	if s.Users, err = user.New(d, s.Events); err != nil {
		return fail(err)
	}
	prefixes := map[ticket.Type]string{}
	for k, v := range cfg.TicketPrefixes {
		prefixes[ticket.Type(k)] = v
	}
	if s.Tickets, err = ticket.New(d, s.Users, s.Events, ticket.Options{Prefixes: prefixes, Pump: s.Pump, SearchConcurrency: cfg.SearchConcurrency}); err != nil {
		return fail(err)
	}
	maxUpload := cfg.MaxUploadBytes
	if maxUpload == 0 {
		maxUpload = 25 << 20
	}
	files, err := attachmentOptions(d, cfg)
	if err != nil {
		return fail(err)
	}
	files.MaxSize = maxUpload
	if s.Attachments, err = attachment.New(d, s.Tickets, files); err != nil {
		return fail(err)
	}
	if s.Auth, err = auth.New(d, s.Users, s.Secrets, s.Events); err != nil {
		return fail(err)
	}
	if s.Idem, err = idempotency.New(d); err != nil {
		return fail(err)
	}
	if s.Views, err = view.New(d); err != nil {
		return fail(err)
	}
	if s.KB, err = kb.New(d); err != nil {
		return fail(err)
	}
	if s.Drafts, err = draft.New(d, s.Tickets, s.Users, s.Secrets); err != nil {
		return fail(err)
	}
	if s.Mailboxes, err = mailbox.New(d, s.Secrets, s.Users, s.Tickets, s.Events); err != nil {
		return fail(err)
	}
	s.Mailboxes.SetFolderChecker(mail.CheckFolders)
	if s.Outbox, err = outbox.New(ctx, d, s.Events, s.Jobs); err != nil {
		return fail(err)
	}
	if s.Importer, err = mail.NewImporter(mail.ImporterDeps{DB: d, Tickets: s.Tickets, Users: s.Users,
		Attachments: s.Attachments, Mailboxes: s.Mailboxes, Outbox: s.Outbox, Events: s.Events, Log: log.With("component", "mail")}); err != nil {
		return fail(err)
	}
	s.Importer.TrustedAuthservID = cfg.TrustedAuthservID
	s.Importer.KeepRaw = cfg.KeepRawMail
	s.Outgoing = mail.NewOutgoing(s.Importer, s.Outbox, s.Mailboxes, cfg.PublicURL(), log.With("component", "outbox"))
	s.Tickets.OnWrite(s.Outgoing.Hook)
	if s.Satisfaction, err = satisfaction.New(d, s.Events, s.Tickets, s.Users, s.Secrets); err != nil {
		return fail(err)
	}
	s.Outgoing.SetRatings(s.Satisfaction.MailLinks)
	s.Auth.OnSignInSlowed(mail.SignInAlertMail(s.Mailboxes, s.Outbox, cfg.PublicURL()))
	s.Auth.OnPortalLink(mail.PortalLinkMail(s.Mailboxes, s.Outbox, cfg.PublicURL()))
	s.Auth.UseJobs(s.Jobs)
	s.Brand = brand.New(d, s.Events)
	s.WebForms = webform.New(d, s.Events, s.Tickets, s.Users, s.Secrets, cfg.PublicURL())
	if s.Leases, err = lease.New(d); err != nil {
		return fail(err)
	}
	if s.Webhooks, err = webhook.New(webhook.Deps{DB: d, Secrets: s.Secrets, Events: s.Events, Jobs: s.Jobs,
		Mailboxes: s.Mailboxes, Outbox: s.Outbox, BaseURL: cfg.PublicURL(), Log: log}); err != nil {
		return fail(err)
	}
	s.Pump.Register(s.Webhooks.Consumer())
	if s.Calendars, err = calendar.New(d, s.Events); err != nil {
		return fail(err)
	}
	if s.Assign, err = assign.New(assign.Deps{DB: d, Events: s.Events, Tickets: s.Tickets, Users: s.Users,
		IdleAway: cfg.AwayAfter, Log: log}); err != nil {
		return fail(err)
	}
	s.Assign.Register()
	s.Pump.Register(s.Assign.Consumer())
	s.Auth.OnActive(s.Assign.Touch)
	if s.Automation, err = automation.New(automation.Deps{DB: d, Events: s.Events, Tickets: s.Tickets, Users: s.Users,
		Calendars: s.Calendars, Mailer: s.Outgoing, Webhooks: s.Webhooks, Assigner: s.Assign, Log: log}); err != nil {
		return fail(err)
	}
	s.Pump.Register(s.Automation.Consumer())
	if s.TimeRules, err = automation.NewTimeRules(s.Automation); err != nil {
		return fail(err)
	}
	s.Tickets.OnWrite(s.TimeRules.MomentsHook)
	s.Calendars.CountUsesWith(s.TimeRules.CalendarUses)
	// Notifications are raised by their own durable consumer, after the
	// writes they are about commit; the bells follow through broadcasts.
	if s.Notify, err = notify.New(notify.Deps{DB: d, Tickets: s.Tickets, Mailer: s.Outgoing, Broadcaster: s.Pump,
		Log: log.With("component", "notify")}); err != nil {
		return fail(err)
	}
	s.Pump.Register(s.Notify.Consumer())
	if s.Macros, err = macro.New(macro.Deps{DB: d, Events: s.Events, Tickets: s.Tickets, Users: s.Users,
		Automation: s.Automation}); err != nil {
		return fail(err)
	}
	s.Canned = canned.New(s.Macros)
	s.Runner = job.NewRunner(s.Jobs, s.Leases, job.Options{Logger: log})
	s.Notify.RegisterJobs(s.Runner, s.Jobs)
	s.registerJobs(log)
	s.TimeRules.RegisterJobs(s.Runner)
	s.Assign.RegisterJobs(s.Runner)
	if s.Audit, err = audit.New(ctx, d, s.Users); err != nil {
		return fail(err)
	}
	s.Reports = report.New(d)
	if s.SLA, err = sla.New(sla.Deps{DB: d, Events: s.Events, Jobs: s.Jobs, Tickets: s.Tickets, Users: s.Users,
		Calendars: s.Calendars, Pump: s.Pump}); err != nil {
		return fail(err)
	}
	s.SLA.Register()
	s.SLA.RegisterJobs(s.Runner)
	for _, q := range []*db.Queries{s.Users.Queries(), s.Tickets.Queries(), s.Attachments.Queries(), s.Auth.Queries(),
		s.Idem.Queries(), s.Views.Queries(), s.Macros.Queries(), s.KB.Queries(), s.Mailboxes.Queries(), s.Importer.Queries(), s.Leases.Queries(),
		s.Events.Queries(), s.Jobs.Queries(), s.Calendars.Queries(), s.Drafts.Queries(), s.Notify.Queries(), s.Webhooks.Queries(),
		s.Automation.Queries(), s.TimeRules.Queries(), s.SLA.Queries(), s.Satisfaction.Queries(), s.Assign.Queries()} {
		if err := d.Prepare(ctx, q); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// Start runs the background work every instance does — the event pump
// and the job runner — until ctx is done or the returned stop is called;
// stop waits for both to finish.
func (s *Services) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.Pump.Init(ctx) // before returning: what is written next reaches the pump
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.Pump.Run(ctx) }()
	go func() { defer wg.Done(); s.Runner.Run(ctx) }()
	return func() { cancel(); wg.Wait() }
}

// attachmentOptions picks the attachment store: --attachment-store, or by
// default the database with PostgreSQL (instances sharing it then share
// nothing else) and the data directory with SQLite.
func attachmentOptions(d *db.DB, cfg *config.Config) (attachment.Options, error) {
	kind := cfg.AttachmentStore
	if kind == "" {
		kind = "dir"
		if d.Dialect == db.Postgres {
			kind = "database"
		}
	}
	if kind == "database" {
		store, err := attachment.NewDBStore(d)
		// Uploads are spooled locally while hashed; --data need not be shared.
		return attachment.Options{Store: store, SpoolDir: os.TempDir()}, err
	}
	store, err := attachment.NewDirStore(attachment.DirIn(cfg.Data))
	if err != nil {
		return attachment.Options{}, err
	}
	return attachment.Options{Store: store, SpoolDir: store.SpoolDir()}, nil
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
