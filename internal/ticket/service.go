package ticket

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Options configure a Service.
type Options struct {
	// Prefixes maps a type to the prefix shown before its numbers
	// (e.g. incident → "INC-"); a type without one shows "#1042".
	Prefixes map[Type]string
	// Pump, when set, tells the custom field cache of other instances'
	// changes; without it every read checks the tables.
	Pump *event.Pump
	// SearchConcurrency is how many text searches run at once; more wait
	// their turn (searchGate). 0: one per CPU Docket may use.
	SearchConcurrency int
}

// Service is the one writer of tickets: every surface (API, agent UI,
// portal, email, automation) changes tickets through its methods. Each
// method validates, writes in one transaction with its history events, and
// publishes a domain event after commit.
type Service struct {
	db     *db.DB
	q      *db.Queries
	users  *user.Service
	events *event.Log
	opts   Options
	hooks  []TxHook
	before []CreateHook                   // run before a create's INSERT
	writes []WriteHook                    // run before a reply's or update's UPDATE
	trace  func(query string, args []any) // tests: the queries a search runs
	// traceRules has the statements SelectForRules runs (tests), which
	// run in the background too.
	traceRules atomic.Pointer[func(query string, args []any)]
	// between runs between a page's two statements (tests: BetweenReads).
	between func()
	stats   statsCache // PostgreSQL word statistics (pgsearch.go)
	// pageFrom is select-ticket-rows on PostgreSQL cut at its FROM line,
	// where pageOfIDs reads a page's ids.
	pageFrom [2]string
	// fields are the custom field definitions (fieldcache.go).
	fields *event.Cached[fieldMark, []*FieldDef]
	// searches lets a few text searches run at once (searchgate.go).
	searches *searchGate
}

// New returns a Service over d.
func New(d *db.DB, users *user.Service, events *event.Log, opts Options) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	if opts.Prefixes == nil {
		opts.Prefixes = map[Type]string{}
	}
	s := &Service{db: d, q: q, users: users, events: events, opts: opts, searches: newSearchGate(opts.SearchConcurrency)}
	s.fields = s.newFieldCache(opts.Pump)
	s.events.OnAppend(forgetFieldDefs)
	s.addGetQueries()
	if d.Dialect != db.SQLite {
		head, tail, ok := strings.Cut(q.Get("select-ticket-rows"), "FROM tickets t\n")
		if !ok {
			return nil, errors.New(`ticket: select-ticket-rows has no "FROM tickets t" line to read a page's ids in`)
		}
		s.pageFrom = [2]string{head, tail}
	}
	return s, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Reference formats a number with its type's prefix.
func (s *Service) Reference(typ Type, number int64) string {
	if p := s.opts.Prefixes[typ]; p != "" {
		return p + strconv.FormatInt(number, 10)
	}
	return "#" + strconv.FormatInt(number, 10)
}

type scanner = db.Scanner

// scanTicket reads a row of select-tickets, and into extra the columns a
// query adds after them.
func (s *Service) scanTicket(row scanner, extra ...any) (*Ticket, error) {
	return s.scanTicketRow(row, newTicketRow(extra...))
}

// ticketRow holds what a row of select-tickets is scanned into, and can be
// reused for the rows of a page. Its columns are plain types: database/sql
// converts a value into a named type (Status, Priority…) by reflection, an
// integer by formatting and parsing it, and each local whose address is
// taken is an allocation of its own (issue 13: scanning was 12 % of a
// list's CPU).
type ticketRow struct {
	t                                                     Ticket // the columns of Ticket's own types
	typ, status, resolution, impact, urgency, channel     string
	priority, catID, teamID, asgID, orgID                 int64
	catName, teamName, asgEmail, asgName, orgName, cf, tg string
	due, fr, res, closed                                  sql.NullInt64
	created, updated                                      int64
	dest                                                  []any
}

func newTicketRow(extra ...any) *ticketRow {
	r := &ticketRow{}
	r.dest = append([]any{&r.t.ID, &r.t.UID, &r.t.Number, &r.typ, &r.t.Subject, &r.status, &r.resolution, &r.t.Solution,
		&r.priority, &r.impact, &r.urgency, &r.catID, &r.catName, &r.teamID, &r.teamName, &r.t.TeamRestricted, &r.asgID,
		&r.asgEmail, &r.asgName, &r.t.Requester.ID, &r.t.Requester.Email, &r.t.Requester.Name, &r.orgID, &r.orgName,
		&r.channel, &r.cf, &r.tg, &r.t.MergedInto, &r.t.Version, &r.due, &r.created, &r.updated, &r.fr, &r.res, &r.closed, &r.t.Rated},
		extra...)
	return r
}

// scanTicketRow reads a row of select-tickets through r into a new Ticket.
func (s *Service) scanTicketRow(row scanner, r *ticketRow) (*Ticket, error) {
	if err := row.Scan(r.dest...); err != nil {
		return nil, err
	}
	t := new(Ticket)
	*t = r.t // only the scanned fields are ever set in r.t
	t.Type, t.Status, t.Resolution, t.Channel = Type(r.typ), Status(r.status), Resolution(r.resolution), Channel(r.channel)
	t.Priority, t.Impact, t.Urgency = Priority(r.priority), Level(r.impact), Level(r.urgency)
	if r.catID != 0 {
		t.Category = &Ref{r.catID, r.catName}
	}
	if r.teamID != 0 {
		t.Team = &Ref{r.teamID, r.teamName}
	}
	if r.asgID != 0 {
		t.Assignee = &Person{r.asgID, r.asgEmail, r.asgName}
	}
	if r.orgID != 0 {
		t.Organization = &Ref{r.orgID, r.orgName}
	}
	if err := storedJSON(t, r.cf, r.tg); err != nil {
		return nil, err
	}
	t.DueAt, t.FirstResponseAt, t.ResolvedAt, t.ClosedAt = db.NullTime(r.due), db.NullTime(r.fr), db.NullTime(r.res), db.NullTime(r.closed)
	t.CreatedAt, t.UpdatedAt = db.Time(r.created), db.Time(r.updated)
	t.Reference = s.Reference(t.Type, t.Number)
	return t, nil
}

// visibility returns an SQL condition on tickets aliased t that is true for
// the tickets actor may see. arg binds a value and returns its placeholder,
// so the statement text depends only on the role and stays cacheable.
func visibility(a *user.Actor, arg func(any) string) string {
	switch {
	case a == nil:
		return "FALSE"
	case a.IsAdmin():
		return "TRUE"
	case a.IsAgent():
		me := arg(a.ID)
		return "(t.team_id IS NULL OR t.assignee_id = " + me +
			" OR NOT EXISTS (SELECT 1 FROM teams vt WHERE vt.id = t.team_id AND vt.restricted = TRUE)" +
			" OR EXISTS (SELECT 1 FROM team_members vm WHERE vm.team_id = t.team_id AND vm.user_id = " + me + "))"
	default:
		me, org := arg(a.ID), arg(a.OrganizationID)
		return "(t.requester_id = " + me +
			" OR EXISTS (SELECT 1 FROM ticket_followers vf WHERE vf.ticket_id = t.id AND vf.user_id = " + me + ")" +
			" OR (t.organization_id = " + org +
			" AND EXISTS (SELECT 1 FROM organizations vo WHERE vo.id = t.organization_id AND vo.shared_tickets = TRUE)))"
	}
}

// addGetQueries derives, per role, the statement that loads one visible
// ticket by number, and the multi-row forms of the hot inserts (rowsQuery).
// They join the named queries so they are prepared and checked at start-up
// like the rest.
func (s *Service) addGetQueries() {
	// Get's form also reads the followers (followersColumn).
	withFollowers := strings.Replace(s.q.Get("select-tickets"), "\nFROM tickets t\n", ",\n       "+s.followersColumn()+"\nFROM tickets t\n", 1)
	for _, role := range []user.Role{user.RoleAdmin, user.RoleAgent, user.RoleRequester} {
		for name, sel := range map[string]string{"get-ticket-": s.q.Get("select-tickets"), "get-ticket-followed-": withFollowers} {
			n := 1
			arg := func(any) string { n++; return "$" + strconv.Itoa(n) }
			s.q.Add(name+string(role), sel+" AND t.number = "+s.db.Rebind("$1")+" AND "+s.db.Rebind(visibility(&user.Actor{Role: role}, arg)))
		}
	}
	s.q.Add("get-ticket-by-id", s.q.Get("select-tickets")+" AND t.id = "+s.db.Rebind("$1"))
	if s.db.Dialect != db.SQLite {
		// A search's page by id (pageOf, idsThenTickets), without an
		// order: the page's statement gave it. Its names are read apart,
		// as a list's (fillLookups).
		s.q.Add("list-tickets-by-id", s.q.Get("select-ticket-rows")+" AND t.id = ANY(CAST($1 AS BIGINT[]))")
	}
	for _, name := range multiRowQueries {
		for n := 2; n <= preparedRows; n++ {
			s.q.Add(name+"*"+strconv.Itoa(n), db.MultiRow(s.q.Get(name), n))
		}
	}
	if s.db.Dialect == db.SQLite {
		for _, index := range activeIndexes {
			s.q.Add("select-tickets-"+index, strings.Replace(s.q.Get("select-tickets"), "FROM tickets t\n",
				"FROM tickets t INDEXED BY "+index+"\n", 1)+" AND "+activeCondition)
		}
		for _, index := range resolvedOrders {
			s.q.Add("select-tickets-"+index, strings.Replace(s.q.Get("select-tickets"), "FROM tickets t\n",
				"FROM tickets t INDEXED BY "+index+"\n", 1)+" AND "+resolvedCondition)
		}
		s.q.Add("select-tickets-"+statusUpdated, strings.Replace(s.q.Get("select-tickets"), "FROM tickets t\n",
			"FROM tickets t INDEXED BY "+statusUpdated+"\n", 1))
		// A list of few candidates reads them by id (fewCandidates).
		s.q.Add("select-tickets-"+fewWalk, strings.Replace(s.q.Get("select-tickets"), "FROM tickets t\n", "FROM tickets t NOT INDEXED\n", 1))
	}
}

// get loads the ticket with number if actor may see it; otherwise
// ErrNotFound, so existence is never revealed.
func (s *Service) get(ctx context.Context, q db.Queryer, a *user.Actor, number int64) (*Ticket, error) {
	return s.read(ctx, q, a, number, false)
}

// read is get; with followers it fills in Followers in the same statement.
func (s *Service) read(ctx context.Context, q db.Queryer, a *user.Actor, number int64, followers bool) (*Ticket, error) {
	if a == nil {
		return nil, fmt.Errorf("ticket %d: %w", number, fault.ErrNotFound)
	}
	args := []any{number}
	switch a.Role {
	case user.RoleAdmin:
	case user.RoleAgent:
		args = append(args, a.ID)
	default:
		args = append(args, a.ID, a.OrganizationID)
	}
	role := a.Role
	if !role.Valid() {
		role = user.RoleRequester
	}
	var t *Ticket
	var err error
	if followers {
		var list string
		t, err = s.scanTicket(q.QueryRowContext(ctx, s.q.Get("get-ticket-followed-"+string(role)), args...), &list)
		if err == nil {
			t.Followers, err = scanFollowers(list)
		}
	} else {
		t, err = s.scanTicket(q.QueryRowContext(ctx, s.q.Get("get-ticket-"+string(role)), args...))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket %d: %w", number, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("ticket %d: %w", number, err)
	}
	return t, nil
}

// followersColumn is the SQL of a ticket t's followers as a JSON array of
// [id, email, name], in list-followers' order.
func (s *Service) followersColumn() string {
	if s.db.Dialect == db.Postgres {
		return "(SELECT COALESCE(json_agg(json_build_array(u.id, u.email, u.name) ORDER BY lower(u.email)), '[]')::text" +
			" FROM ticket_followers f JOIN users u ON u.id = f.user_id WHERE f.ticket_id = t.id)"
	}
	return "(SELECT json_group_array(json_array(u.id, u.email, u.name) ORDER BY lower(u.email))" +
		" FROM ticket_followers f JOIN users u ON u.id = f.user_id WHERE f.ticket_id = t.id)"
}

// scanFollowers reads followersColumn's array.
func scanFollowers(list string) ([]Person, error) {
	var rows [][3]json.RawMessage
	if err := json.Unmarshal([]byte(list), &rows); err != nil {
		return nil, fmt.Errorf("followers: %w", err)
	}
	out := make([]Person, len(rows))
	for i, r := range rows {
		if err := errors.Join(json.Unmarshal(r[0], &out[i].ID), json.Unmarshal(r[1], &out[i].Email),
			json.Unmarshal(r[2], &out[i].Name)); err != nil {
			return nil, fmt.Errorf("followers: %w", err)
		}
	}
	return out, nil
}

// byID loads a ticket by its internal id, without a visibility check: for
// re-reading a ticket the caller just wrote.
func (s *Service) byID(ctx context.Context, q db.Queryer, id int64) (*Ticket, error) {
	t, err := s.scanTicket(q.QueryRowContext(ctx, s.q.Get("get-ticket-by-id"), id))
	if err != nil {
		return nil, fmt.Errorf("ticket id %d: %w", id, err)
	}
	return t, nil
}

// Get returns ticket number with its followers, if actor may see it.
func (s *Service) Get(ctx context.Context, a *user.Actor, number int64) (*Ticket, error) {
	t, err := s.read(ctx, s.db.R, a, number, true)
	if err != nil {
		return nil, err
	}
	if err := s.fillMissing(ctx, a, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Service) followers(ctx context.Context, q db.Queryer, id int64) ([]Person, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("list-followers"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Email, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MergedFrom lists the numbers of tickets merged into this one.
func (s *Service) MergedFrom(ctx context.Context, a *user.Actor, number int64) ([]int64, error) {
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("merged-from"), t.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// change is one history entry to append.
type change struct {
	field, old, new string
}

func (s *Service) appendEvents(ctx context.Context, tx *db.Tx, ticketID int64, a *user.Actor, at int64, changes []change) error {
	// All in one statement (rows in order): a write's history rows cost
	// one statement, not one each.
	if _, err := s.insertRows(ctx, tx, "insert-event", 7, historyArgs(nil, ticketID, a, at, changes), false); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	return nil
}

// historyArgs appends the values of insert-event for each of changes to args.
func historyArgs(args []any, ticketID int64, a *user.Actor, at int64, changes []change) []any {
	name := ""
	if !a.IsPerson() {
		name = a.EventActor().Name
	}
	for _, c := range changes {
		args = append(args, ticketID, nullID(a.PersonID()), name, at, c.field, c.old, c.new)
	}
	return args
}

// multiRowQueries are the one-row inserts whose n-row forms (rowsQuery)
// are prepared at start-up for up to preparedRows rows: a create's or a
// reply's few history rows and search documents.
var multiRowQueries = []string{"insert-event", "insert-search-doc"}

const (
	preparedRows = 4
	// rowsPerInsert bounds the rows of one multi-row insert (the
	// importer's thousands are split).
	rowsPerInsert = 200
)

// rowsQuery returns the statement inserting n rows with the named one-row
// insert: for a few rows of multiRowQueries, prepared at start-up; else
// built (the statement cache prepares it once it repeats).
func (s *Service) rowsQuery(name string, n int) string {
	switch {
	case n == 1:
		return s.q.Get(name)
	case n <= preparedRows && slices.Contains(multiRowQueries, name):
		return s.q.Get(name + "*" + strconv.Itoa(n))
	}
	return db.MultiRow(s.q.Get(name), n)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t *int64) any {
	if t == nil {
		return nil
	}
	return *t
}

// emit writes ticket t's domain event in tx, for consumers (live updates,
// counts, notifications, SLA, automation, webhooks) to read after commit.
func (s *Service) emit(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, t *Ticket, p event.TicketPayload) error {
	return s.emitAt(ctx, tx, db.Now(), a, kind, t, p)
}

// emitAt is emit for a write that happened at (microseconds): the importer's.
func (s *Service) emitAt(ctx context.Context, tx *db.Tx, at int64, a *user.Actor, kind string, t *Ticket, p event.TicketPayload) error {
	if s.events == nil {
		return nil
	}
	p.Number, p.TeamID = t.Number, refID(t.Team)
	p.Depth = event.DepthOf(ctx)
	if p.Depth > event.MaxDepth {
		return fmt.Errorf("%s on %s at depth %d: %w", kind, t.Reference, p.Depth, event.ErrTooDeep)
	}
	_, err := s.events.AppendAt(ctx, tx, at, kind, a.EventActor(), "ticket", t.ID, t.ID, p)
	return err
}

// tooDeep refuses a write at the end of too long a chain of automatic
// writes before anything is written, so the caller's transaction stays
// usable and a rule engine can log the reason and carry on.
func tooDeep(ctx context.Context) error {
	if d := event.DepthOf(ctx); d > event.MaxDepth {
		return fmt.Errorf("depth %d: %w", d, event.ErrTooDeep)
	}
	return nil
}

func payloadChanges(cs []change) []event.Change {
	out := make([]event.Change, len(cs))
	for i, c := range cs {
		out[i] = event.Change{Field: c.field, Old: c.old, New: c.new}
	}
	return out
}
