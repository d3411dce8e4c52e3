package db

import "database/sql"

// Scanner is what *sql.Row and *sql.Rows have in common.
type Scanner = interface{ Scan(...any) error }

// Collect scans every row with scan, closes rows and returns the first
// error from a scan or the iteration. An empty result is an empty slice,
// never nil, so it encodes as [] in JSON.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Int64 scans a row of one integer column (an id, a number): the scan for
// Collect of such a query.
func Int64(sc Scanner) (int64, error) {
	var v int64
	return v, sc.Scan(&v)
}
