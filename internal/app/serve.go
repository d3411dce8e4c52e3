package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/web/agent"
	"github.com/docket/docket/internal/web/api"
	"github.com/docket/docket/internal/web/portal"
)

func serve(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("serve")
	cfg, validate := config.Bind(fs, config.ScopeServe, env.Getenv)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file, until shutdown (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at shutdown (go tool pprof; what is live and what was allocated)")
	if err := parse(env, fs, args, validate); err != nil {
		return err
	}
	if *memProfile != "" {
		defer writeHeapProfile(*memProfile, env.Stderr)
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	log := newLogger(env.Stderr, cfg.LogLevel, cfg.LogFormat)
	s, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.DB.Close()

	handler, metricsHandler, err := Handler(s, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large attachment uploads on slow links
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s: %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: metricsHandler, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
	}
	if cfg.SMTPAddr != "" {
		sln, err := net.Listen("tcp", cfg.SMTPAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s: %w", cfg.SMTPAddr, err)
		}
		smtpd := mail.NewListener(s.Importer, s.Mailboxes, log.With("component", "smtp"), hostOf(cfg.PublicURL()), cfg.MaxUploadBytes*2)
		go func() {
			if err := smtpd.Serve(sln); err != nil {
				errc <- fmt.Errorf("smtp: %w", err)
			}
		}()
		defer smtpd.Shutdown(context.WithoutCancel(ctx))
		log.Info("accepting mail", "smtp_addr", sln.Addr().String())
	}
	// Events and jobs run until shutdown, after the HTTP servers stopped.
	stopBackground := s.Start(context.WithoutCancel(ctx))
	defer stopBackground()
	// IMAP mailboxes are fetched in the background; Run stops with ctx.
	// (Outbound email is sent by jobs.)
	fetchCtx, stopFetch := context.WithCancel(context.WithoutCancel(ctx))
	fetchDone := make(chan struct{})
	go func() {
		defer close(fetchDone)
		mail.NewFetcher(s.Importer, s.Mailboxes, s.Leases, log.With("component", "imap")).Run(fetchCtx, s.Bus)
	}()
	defer func() {
		stopFetch()
		<-fetchDone
	}()
	addr := ln.Addr().String()
	log.Info("docket is running", "version", Version, "addr", addr, "database", string(s.DB.Dialect), "data", cfg.Data)
	if token, err := s.Auth.SetupToken(ctx); err != nil {
		return err
	} else if token != "" {
		fmt.Fprintf(env.Stderr, "\nWelcome to Docket. Create the first admin in your browser (the link works once):\n\n  %s/setup/%s\n\nor on the command line: docket user create --email you@example.com --name \"Your Name\" --role admin --password-stdin\n\n",
			strings.TrimRight(publicURL(cfg, addr), "/"), token)
	}
	// What starting allocated (migrations, parsing every template once to
	// check it, preparing statements) is garbage now: collect it and hand
	// the pages back, so an idle server holds what it uses.
	debug.FreeOSMemory()
	if env.Ready != nil {
		env.Ready(addr)
	}

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	s.Stop() // end live streams first: Shutdown waits for every open request
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// Handler builds the whole HTTP surface over s: the API, health endpoints
// and metrics, wrapped in the common middleware. The metrics handler is
// returned too, for serving on a separate address.
func Handler(s *Services, cfg *config.Config, log *slog.Logger) (http.Handler, http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := web.NewMetrics(reg)
	registerSpineMetrics(reg, s, log.With("component", "metrics"))

	mux := http.NewServeMux()
	api.New(api.Deps{Log: log.With("component", "api"), DB: s.DB, Users: s.Users, Tickets: s.Tickets,
		Attachments: s.Attachments, Auth: s.Auth, Idem: s.Idem, Mailboxes: s.Mailboxes, Importer: s.Importer, Outbox: s.Outbox, Jobs: s.Jobs, Runner: s.Runner, Audit: s.Audit, Calendars: s.Calendars, Reports: s.Reports, SLA: s.SLA, Drafts: s.Drafts, Satisfaction: s.Satisfaction, KB: s.KB, Notify: s.Notify, Webhooks: s.Webhooks, WebForms: s.WebForms, Automation: s.Automation, Assign: s.Assign, Macros: s.Macros, Canned: s.Canned, MaxBodyBytes: cfg.MaxBodyBytes,
		MaxUploadBytes: cfg.MaxUploadBytes}).Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /readyz", readyz(s.DB))
	metricsHandler := metricsAuth(cfg.MetricsToken, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", metricsHandler)
	}
	ws, err := agent.New(agent.Deps{Log: log.With("component", "agent"), Users: s.Users, Tickets: s.Tickets,
		Attachments: s.Attachments, Auth: s.Auth, Bus: s.Bus, Pump: s.Pump, BaseURL: cfg.PublicURL(), MaxUploadBytes: cfg.MaxUploadBytes,
		Views: s.Views, Macros: s.Macros, KB: s.KB, Mailboxes: s.Mailboxes, Outbox: s.Outbox, Importer: s.Importer, Jobs: s.Jobs, Runner: s.Runner, Audit: s.Audit, Calendars: s.Calendars, Reports: s.Reports, SLA: s.SLA, Drafts: s.Drafts, Satisfaction: s.Satisfaction, Notify: s.Notify, Webhooks: s.Webhooks, Automation: s.Automation, Assign: s.Assign, Brand: s.Brand, WebForms: s.WebForms, Stopping: s.Stopping})
	if err != nil {
		return nil, nil, err
	}
	ws.Routes(mux)
	pt, err := portal.New(portal.Deps{Log: log.With("component", "portal"), Users: s.Users, Tickets: s.Tickets,
		Attachments: s.Attachments, Auth: s.Auth, KB: s.KB, Satisfaction: s.Satisfaction, Brand: s.Brand, WebForms: s.WebForms, BaseURL: cfg.PublicURL(), MaxUploadBytes: cfg.MaxUploadBytes})
	if err != nil {
		return nil, nil, err
	}
	pt.Routes(mux)
	return web.Middleware(log.With("component", "http"), metrics, cfg.TrustedProxies, mux), metricsHandler, nil
}

func readyz(d *db.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := d.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unreachable")
			return
		}
		if n, err := d.Pending(ctx); err != nil || n > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "migrations pending")
			return
		}
		fmt.Fprintln(w, "ready")
	})
}

func metricsAuth(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// publicURL is the base URL for links printed on the console: the
// configured one, or the address actually listened on.
func publicURL(cfg *config.Config, addr string) string {
	if cfg.BaseURL != "" {
		return cfg.BaseURL
	}
	c := *cfg
	c.Addr = addr
	return c.PublicURL()
}

// hostOf is the host name in a URL, for the SMTP greeting.
func hostOf(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if h, _, err := net.SplitHostPort(u); err == nil {
		return h
	}
	return strings.TrimRight(u, "/")
}
