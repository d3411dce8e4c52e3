package db

import (
	"errors"
	"fmt"
	"reflect"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every SQLite connection Docket opens gets, through modernc.org/sqlite's
// connection hook, the fts5_instances function (fts5.go) and leaves
// SQLite's serialized threading mode for its multi-thread mode
// (dropConnectionMutex).
func init() {
	sqlite.RegisterConnectionHook(dropConnectionMutex)
	sqlite.RegisterConnectionHook(registerFTS5Instances)
}

// connHandle is the sqlite3 handle of c, a modernc.org/sqlite connection,
// which keeps it in the unexported field db; TestConnectionHooks fails if
// it ever moves.
func connHandle(c sqlite.ExecQuerierContext) (uintptr, error) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, errors.New("not a modernc.org/sqlite connection")
	}
	field := v.Elem().FieldByName("db")
	if !field.IsValid() || field.Kind() != reflect.Uintptr || field.Uint() == 0 {
		return 0, errors.New("no sqlite3 handle in the connection")
	}
	return uintptr(field.Uint()), nil
}

// dropConnectionMutex frees a new connection's mutex, which puts it in
// SQLite's multi-thread mode (as opened with SQLITE_OPEN_NOMUTEX):
// modernc.org/sqlite opens every connection SQLITE_OPEN_FULLMUTEX and
// offers no other way. database/sql already uses a connection from one
// goroutine at a time (every driver call under the connection's lock),
// which is what multi-thread mode asks; sqlite3_interrupt, which the
// driver calls from the goroutine watching a context, takes no mutex.
// In serialized mode every SQLite call, each column read of each row
// among them, locked and unlocked that mutex through the translated
// pthread functions: 11 % of the server's CPU listing tickets at a
// million (issue 13, BENCHMARKS.md). The global mutexes (the shared page
// cache's, the allocator's) are left as they are.
//
// The hook runs on a connection just opened, when no call holds its
// mutex; openDatabase leaves it unlocked and sqlite3_close frees a NULL
// mutex as nothing.
//
// So no code may use a driver connection outside database/sql's lock:
// keep it after a Conn.Raw callback returns, or step a backup or a
// serialization of it while the pool uses it. SQLite would no longer
// block such a call; it would corrupt the connection.
func dropConnectionMutex(c sqlite.ExecQuerierContext, _ string) error {
	handle, err := connHandle(c)
	if err != nil {
		return fmt.Errorf("db: sqlite: %w", err)
	}
	conn := cmem[sqlite3.Tsqlite3](handle)
	if m := conn.Fmutex; m != 0 {
		conn.Fmutex = 0
		tls := libc.NewTLS()
		sqlite3.Xsqlite3_mutex_free(tls, m)
		tls.Close()
	}
	return nil
}
