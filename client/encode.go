package client

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Ptr returns a pointer to v, for the optional fields of patches:
//
//	c.UpdateTicket(ctx, 42, client.TicketPatch{Status: client.Ptr("open")})
func Ptr[T any](v T) *T { return &v }

// patchJSON encodes v (a struct whose optional fields are pointers with
// omitempty) and then sets every key named in clear to JSON null, so a PATCH
// can tell "leave as is" (absent) from "clear" (null).
func patchJSON(v any, clear []string) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(clear) == 0 {
		return b, nil
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("docket: encode patch: %w", err)
	}
	for _, k := range clear {
		m[k] = json.RawMessage("null")
	}
	return json.Marshal(m)
}

func idPath(base string, id int64) string {
	return base + "/" + strconv.FormatInt(id, 10)
}

func ticketPath(number int64) string {
	return idPath("/api/v1/tickets", number)
}

// escape makes a value safe as one path segment (an email may hold "+").
func escape(s string) string { return url.PathEscape(s) }
