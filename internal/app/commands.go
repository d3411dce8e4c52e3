package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

func migrate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("migrate")
	cfg, validate := config.Bind(fs, config.ScopeDB, env.Getenv)
	if err := parse(env, fs, args, validate); err != nil {
		return err
	}
	log := newLogger(env.Stderr, "info", "text")
	s, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.DB.Close()
	fmt.Fprintf(env.Stdout, "database is up to date (%s)\n", s.DB.Dialect)
	return nil
}

func userCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("user create")
	cfg, validate := config.Bind(fs, config.ScopeDB, env.Getenv)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "admin, agent or requester (required)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	org := fs.String("organization", "", "organization name (must exist)")
	if err := parse(env, fs, args, validate); err != nil {
		return err
	}
	var pw string
	if *pwStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("--password-stdin: no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
		if pw == "" {
			return errors.New("--password-stdin: the password is empty")
		}
	}
	s, err := open(ctx, cfg, newLogger(env.Stderr, "warn", "text"))
	if err != nil {
		return err
	}
	defer s.DB.Close()
	u, err := s.Users.Create(ctx, cliActor, user.NewUser{Email: *email, Name: *name, Role: user.Role(*role), Password: pw, Organization: *org})
	if err != nil {
		return fieldErr(err)
	}
	fmt.Fprintf(env.Stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

// cliActor is who changes made on the command line are recorded as: the
// command line is Docket itself acting for whoever runs it on the server.
var cliActor = user.System(event.ActorSystem, 0, "Command line")

// fieldErr turns validation errors into "--flag: message" lines.
func fieldErr(err error) error {
	var inv *fault.Invalid
	if errors.As(err, &inv) && len(inv.Fields) > 0 {
		f := inv.Fields[0]
		return fmt.Errorf("--%s: %s", f.Field, f.Message)
	}
	if d := fault.Detail(err); d != "" {
		return errors.New(d)
	}
	return err
}

type scopes []string

func (s *scopes) String() string { return strings.Join(*s, ",") }
func (s *scopes) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

func tokenCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("token create")
	cfg, validate := config.Bind(fs, config.ScopeDB, env.Getenv)
	email := fs.String("user", "", "email of the user the token acts as (required)")
	name := fs.String("name", "", "label, e.g. the integration's name (required)")
	var sc scopes
	fs.Var(&sc, "scope", "read or write (repeatable; default: everything the user may do)")
	if err := parse(env, fs, args, validate); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("--user: is required")
	}
	s, err := open(ctx, cfg, newLogger(env.Stderr, "warn", "text"))
	if err != nil {
		return err
	}
	defer s.DB.Close()
	u, err := s.Users.ByEmail(ctx, *email)
	if err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return fmt.Errorf("--user: no user with email %q", *email)
		}
		return err
	}
	if !u.Active {
		return fmt.Errorf("--user: %s is deactivated", *email)
	}
	secret, _, err := s.Auth.CreateToken(ctx, cliActor, auth.NewToken{UserEmail: u.Email, Name: *name, Scopes: sc})
	if err != nil {
		return fieldErr(err)
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}
