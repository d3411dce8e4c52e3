package backup

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"
)

// A row is written as one line of JSON: an array with a value per column,
// in the table's column order. Integers are JSON numbers, booleans true and
// false (SQLite's 0 and 1 included), text strings, binary data base64
// strings, and NULL null.

// encodeRow appends the JSON line of vals (as scanned from either driver)
// to buf.
func encodeRow(buf *bytes.Buffer, cols []Column, vals []any) error {
	out := make([]any, len(vals))
	for i, v := range vals {
		e, err := encodeValue(cols[i].Kind, v)
		if err != nil {
			return fmt.Errorf("column %s: %w", cols[i].Name, err)
		}
		out[i] = e
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	buf.Write(b)
	buf.WriteByte('\n')
	return nil
}

func encodeValue(k Kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case KindInt:
		switch n := v.(type) {
		case int64:
			return n, nil
		case int32:
			return int64(n), nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return int64(n), nil
			}
		case bool:
			if n {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case KindBool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		}
	case KindText:
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			if utf8.Valid(s) {
				return string(s), nil
			}
		}
	case KindBlob:
		switch b := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(b), nil
		case string:
			return base64.StdEncoding.EncodeToString([]byte(b)), nil
		}
	}
	return nil, fmt.Errorf("a %T value in a %s column", v, k)
}

// decodeRow reads one JSON line written by encodeRow into values for the
// database, converting each to the kind the target column has.
func decodeRow(line []byte, from, to []Column) ([]any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("not a row: %w", err)
	}
	if len(raw) != len(from) {
		return nil, fmt.Errorf("%d values for %d columns", len(raw), len(from))
	}
	out := make([]any, len(raw))
	for i, r := range raw {
		v, err := decodeValue(r, from[i].Kind, to[i].Kind)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", from[i].Name, err)
		}
		out[i] = v
	}
	return out, nil
}

func decodeValue(r json.RawMessage, from, to Kind) (any, error) {
	if string(r) == "null" {
		return nil, nil
	}
	var v any
	switch from {
	case KindInt:
		var n int64
		if err := json.Unmarshal(r, &n); err != nil {
			return nil, err
		}
		v = n
	case KindBool:
		var b bool
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, err
		}
		v = b
	case KindText:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, err
		}
		v = s
	case KindBlob:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		v = b
	default:
		return nil, fmt.Errorf("unknown kind %q", from)
	}
	if from == to {
		return v, nil
	}
	switch {
	case from == KindInt && to == KindBool:
		return v.(int64) != 0, nil
	case from == KindBool && to == KindInt:
		if v.(bool) {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return nil, fmt.Errorf("a %s value for a %s column", from, to)
}
