package db

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FTS5Instances is the name of an FTS5 auxiliary function every SQLite
// connection has: FTS5Instances(table) is, for the current row of a MATCH
// query, where the query's phrases occur in it, as FTS5 already holds it in
// the doclists the query reads (issue 13: relevance ranks the newest 2,000
// matches; counting their words from their terms read megabytes a search).
// Its value is a blob of little-endian int32, one (phrase, column, offset)
// triple per occurrence in the order of their columns and offsets, phrases
// numbered as the MATCH expression writes them. EachFTS5Occurrence reads it.
const FTS5Instances = "fts5_instances"

// FTS5Occurrence is where a phrase of a MATCH expression occurs in a row.
type FTS5Occurrence struct {
	Phrase, Column, Offset int
}

// EachFTS5Occurrence calls f with each occurrence of a value of
// FTS5Instances, in order.
func EachFTS5Occurrence(b []byte, f func(FTS5Occurrence)) error {
	if len(b)%12 != 0 {
		return fmt.Errorf("db: %s: %d bytes", FTS5Instances, len(b))
	}
	word := func(i int) int { return int(int32(binary.LittleEndian.Uint32(b[i:]))) }
	for i := 0; i < len(b); i += 12 {
		f(FTS5Occurrence{Phrase: word(i), Column: word(i + 4), Offset: word(i + 8)})
	}
	return nil
}

// How Go reaches SQLite's C API in modernc.org/sqlite, whose C is
// translated to Go: a C function pointer is a Go func value (a pointer to
// its code), called through a func type of the C signature with a *libc.TLS
// first; C memory is a uintptr.

// cfunc is f as a C function pointer (f a top-level func, never a closure).
func cfunc[T any](f T) uintptr { return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f})) }

// gofunc is the C function pointer p called as a Go func of type T.
func gofunc[T any](p uintptr) T { return *(*T)(unsafe.Pointer(&struct{ p uintptr }{p})) }

// cmem is the C memory at p (allocated by SQLite or a TLS, never Go's heap).
func cmem[T any](p uintptr) *T { return (*T)(*(*unsafe.Pointer)(unsafe.Pointer(&p))) }

// registerFTS5Instances creates FTS5Instances on a new connection: the
// connection's fts5_api (SELECT fts5(?1) with a pointer bound), then its
// xCreateFunction.
func registerFTS5Instances(c sqlite.ExecQuerierContext, _ string) error {
	handle, err := connHandle(c)
	if err != nil {
		return fmt.Errorf("db: fts5: %w", err)
	}
	tls := libc.NewTLS()
	defer tls.Close()
	query, err := libc.CString("SELECT fts5(?1)")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, query)
	ptrType, err := libc.CString("fts5_api_ptr")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, ptrType)
	name, err := libc.CString(FTS5Instances)
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, name)
	out := tls.Alloc(16) // the statement, then the fts5_api pointer
	defer tls.Free(16)
	*cmem[uintptr](out), *cmem[uintptr](out + 8) = 0, 0
	if rc := sqlite3.Xsqlite3_prepare_v2(tls, handle, query, -1, out, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: fts5: prepare: code %d", rc)
	}
	stmt := *cmem[uintptr](out)
	sqlite3.Xsqlite3_bind_pointer(tls, stmt, 1, out+8, ptrType, 0)
	sqlite3.Xsqlite3_step(tls, stmt)
	if rc := sqlite3.Xsqlite3_finalize(tls, stmt); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: fts5: code %d", rc)
	}
	api := *cmem[uintptr](out + 8)
	if api == 0 {
		return errors.New("db: fts5: no fts5_api")
	}
	create := gofunc[func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32](cmem[sqlite3.Tfts5_api](api).FxCreateFunction)
	if rc := create(tls, api, name, 0, cfunc(fts5Instances), 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: fts5: create %s: code %d", FTS5Instances, rc)
	}
	return nil
}

// fts5Instances is FTS5Instances: an fts5_extension_function.
func fts5Instances(tls *libc.TLS, pAPI, pFts, pCtx uintptr, _ int32, _ uintptr) {
	api := cmem[sqlite3.Fts5ExtensionApi](pAPI)
	instCount := gofunc[func(*libc.TLS, uintptr, uintptr) int32](api.FxInstCount)
	inst := gofunc[func(*libc.TLS, uintptr, int32, uintptr, uintptr, uintptr) int32](api.FxInst)
	p := tls.Alloc(16)
	defer tls.Free(16)
	ints := cmem[[4]int32](p)
	if rc := instCount(tls, pFts, p); rc != sqlite3.SQLITE_OK {
		sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
		return
	}
	// The value is built in the TLS's C memory, not Go's: a Go buffer may
	// be on the goroutine's stack, which can move while SQLite's translated
	// code runs. SQLite copies the bytes (SQLITE_TRANSIENT, -1) before
	// result_blob returns.
	n := int(ints[0])
	size := 12*n + 1 // never 0 bytes
	buf := tls.Alloc(size)
	defer tls.Free(size)
	out := unsafe.Slice(cmem[byte](buf), size)
	for i := range n {
		if rc := inst(tls, pFts, int32(i), p, p+4, p+8); rc != sqlite3.SQLITE_OK {
			sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
			return
		}
		for j, w := range ints[:3] {
			binary.LittleEndian.PutUint32(out[12*i+4*j:], uint32(w))
		}
	}
	sqlite3.Xsqlite3_result_blob(tls, pCtx, buf, int32(12*n), ^uintptr(0))
}
