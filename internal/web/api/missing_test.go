package api_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// A ticket a requester opened without a required field shows it in
// missing_fields (to agents), and q=missing:required finds it.
func TestMissingRequiredFieldsInTheAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		_, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "asset", Label: "Asset tag", Type: "text", Required: true})
		check(t, err)
		// The requester's own ticket is filed without it.
		var mine struct {
			Number        int64     `json:"number"`
			MissingFields *[]string `json:"missing_fields"`
		}
		_, err = f.reqC.Do(ctx, "POST", "/api/v1/tickets", map[string]any{"subject": "Laptop", "body": "Broken"}, &mine)
		if err != nil || mine.Number == 0 {
			t.Fatalf("requester's ticket without a required field: %v", err)
		}
		if mine.MissingFields != nil {
			t.Fatalf("requester sees missing_fields: %v", *mine.MissingFields)
		}
		other := apptest.Ticket(t, f.Services, f.agent, func(n *ticket.NewTicket) { n.CustomFields = map[string]any{"asset": "A-1"} })
		var got struct {
			MissingFields *[]string `json:"missing_fields"`
		}
		path := "/api/v1/tickets/" + strconv.FormatInt(mine.Number, 10)
		if _, err := f.agentC.Do(ctx, "GET", path, nil, &got); err != nil || got.MissingFields == nil || len(*got.MissingFields) != 1 || (*got.MissingFields)[0] != "asset" {
			t.Fatalf("missing_fields = %v %v", got.MissingFields, err)
		}
		var page struct {
			Items []struct {
				Number        int64     `json:"number"`
				MissingFields *[]string `json:"missing_fields"`
			} `json:"items"`
		}
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/tickets?q=missing:required", nil, &page); err != nil ||
			len(page.Items) != 1 || page.Items[0].Number != mine.Number || page.Items[0].MissingFields == nil {
			t.Fatalf("q=missing:required = %+v %v (not #%d)", page, err, other.Number)
		}
		_, err = f.agentC.Do(ctx, "GET", "/api/v1/tickets?q=missing:everything", nil, nil)
		if client.StatusOf(err) != 422 || client.FieldErrorFor(err, "q") == "" {
			t.Fatalf("unknown missing: value: %v", err)
		}
		// An agent filling it in through the API is held to it.
		_, err = f.agentC.Do(ctx, "PATCH", path, map[string]any{"custom_fields": map[string]any{"asset": ""}}, nil)
		if client.FieldErrorFor(err, "custom_fields.asset") == "" {
			t.Fatalf("agent emptying a required field: %v", err)
		}
	})
}
