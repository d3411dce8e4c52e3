package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

func TestOrganizationsAndCategories(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		org, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Acme", Domain: "ACME.example", SharedTickets: true})
		check(t, err)
		if org.Name != "Acme" || str(org.Domain) != "acme.example" || !org.SharedTickets {
			t.Errorf("created %+v", org)
		}
		up, err := f.admin.UpdateOrganization(ctx, org.ID, client.OrganizationPatch{SharedTickets: client.Ptr(false), Clear: []string{"domain"}})
		check(t, err)
		if up.SharedTickets || up.Domain != nil || up.Name != "Acme" {
			t.Errorf("updated %+v", up)
		}
		cat, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Network", Description: "Cables and wifi"})
		check(t, err)
		if cat.Name != "Network" || cat.Description != "Cables and wifi" || !cat.Active {
			t.Errorf("created %+v", cat)
		}
		off, err := f.admin.UpdateCategory(ctx, cat.ID, client.CategoryPatch{Active: client.Ptr(false)})
		check(t, err)
		if off.Active || off.Name != "Network" {
			t.Errorf("updated %+v", off)
		}
		reqCats, err := f.reqC.ListCategories(ctx, client.ListOptions{})
		check(t, err)
		if len(reqCats.Items) != 0 {
			t.Errorf("requester sees inactive categories %+v", reqCats.Items)
		}
		agentCats, err := f.agentC.ListCategories(ctx, client.ListOptions{})
		check(t, err)
		if len(agentCats.Items) != 1 {
			t.Errorf("agent sees categories %+v", agentCats.Items)
		}

		invalid := []struct {
			name  string
			call  func() error
			field string
		}{
			{"organization without name", func() error {
				_, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: ""})
				return err
			}, "name"},
			{"duplicate organization", func() error {
				_, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Acme"})
				return err
			}, "name"},
			{"bad domain", func() error {
				_, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Bad", Domain: "not a domain"})
				return err
			}, "domain"},
			{"category without name", func() error { _, err := f.admin.CreateCategory(ctx, client.NewCategory{}); return err }, "name"},
			{"duplicate category", func() error {
				_, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Network"})
				return err
			}, "name"},
			{"long description", func() error {
				_, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Long", Description: strings.Repeat("d", 2001)})
				return err
			}, "description"},
			{"unknown field", func() error {
				_, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/categories", map[string]any{"name": "X", "colour": "red"}, nil)
				return err
			}, "colour"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				wantField(t, tt.call(), tt.field)
			})
		}
		for _, path := range []string{"/api/v1/organizations/999999", "/api/v1/categories/999999", "/api/v1/custom-fields/999999",
			"/api/v1/users/abc", "/api/v1/teams/0"} {
			_, err := f.admin.Do(ctx, http.MethodGet, path, nil, nil)
			if client.StatusOf(err) != http.StatusNotFound {
				t.Errorf("GET %s: %v, want 404", path, err)
			}
		}
	})
}

func TestCustomFields(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Hardware"})
		check(t, err)
		sel, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "site", Label: "Site", Type: "select",
			Options: []string{"Berlin", "Paris"}, Category: "Hardware"})
		check(t, err)
		if sel.Key != "site" || sel.Type != "select" || !slices.Equal(sel.Options, []string{"Berlin", "Paris"}) ||
			str(sel.Category) != "Hardware" || sel.TicketType != nil || !sel.Active {
			t.Errorf("created %+v", sel)
		}
		num, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "seats", Label: "Seats", Type: "number"})
		check(t, err)

		invalid := []struct {
			name  string
			in    client.NewCustomField
			field string
		}{
			{"bad key", client.NewCustomField{Key: "Bad Key", Label: "x", Type: "text"}, "key"},
			{"duplicate key", client.NewCustomField{Key: "site", Label: "x", Type: "text"}, "key"},
			{"bad type", client.NewCustomField{Key: "k1", Label: "x", Type: "colour"}, "type"},
			{"no label", client.NewCustomField{Key: "k2", Type: "text"}, "label"},
			{"select without options", client.NewCustomField{Key: "k3", Label: "x", Type: "select"}, "options"},
			{"options on text", client.NewCustomField{Key: "k4", Label: "x", Type: "text", Options: []string{"a"}}, "options"},
			{"duplicate option", client.NewCustomField{Key: "k5", Label: "x", Type: "select", Options: []string{"a", "a"}}, "options[1]"},
			{"unknown category", client.NewCustomField{Key: "k6", Label: "x", Type: "text", Category: "Nope"}, "category"},
			{"bad ticket type", client.NewCustomField{Key: "k7", Label: "x", Type: "text", TicketType: "bug"}, "ticket_type"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.admin.CreateCustomField(ctx, tt.in)
				wantField(t, err, tt.field)
			})
		}
		t.Run("key and type are fixed", func(t *testing.T) {
			_, err := f.admin.Do(ctx, http.MethodPatch, "/api/v1/custom-fields/"+strconv.FormatInt(num.ID, 10), map[string]any{"type": "text"}, nil)
			wantField(t, err, "type")
			_, err = f.admin.Do(ctx, http.MethodPatch, "/api/v1/custom-fields/"+strconv.FormatInt(num.ID, 10), map[string]any{"key": "other"}, nil)
			wantField(t, err, "key")
		})
		t.Run("values on tickets", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Category: "Hardware", CustomFields: map[string]any{"site": "Paris", "seats": 3}})
			if tk.CustomFields["site"] != "Paris" || tk.CustomFields["seats"] != float64(3) {
				t.Errorf("custom_fields %v", tk.CustomFields)
			}
			_, err := f.admin.CreateTicket(ctx, client.NewTicket{Subject: "x", Body: "y", Requester: &client.Contact{Email: uniqueEmail("cf")},
				Category: "Hardware", CustomFields: map[string]any{"site": "Rome"}})
			wantField(t, err, "custom_fields.site")
			_, err = f.admin.CreateTicket(ctx, client.NewTicket{Subject: "x", Body: "y", Requester: &client.Contact{Email: uniqueEmail("cf")},
				CustomFields: map[string]any{"seats": "three"}})
			wantField(t, err, "custom_fields.seats")
			up, err := f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{CustomFields: map[string]any{"seats": nil}})
			check(t, err)
			if _, ok := up.CustomFields["seats"]; ok || up.CustomFields["site"] != "Paris" {
				t.Errorf("after removing seats: %v", up.CustomFields)
			}
			_, err = f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{CustomFields: map[string]any{"site": "Rome"}})
			wantField(t, err, "custom_fields.site")
		})
		t.Run("required for one type", func(t *testing.T) {
			_, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "cab_ref", Label: "CAB reference", Type: "text",
				Required: true, TicketType: "change"})
			check(t, err)
			tk := f.ticket(t, client.NewTicket{})
			_, err = f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{Type: client.Ptr("change")})
			wantField(t, err, "custom_fields.cab_ref")
			up, err := f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{Type: client.Ptr("change"),
				CustomFields: map[string]any{"cab_ref": "CAB-7"}})
			check(t, err)
			if up.Type != "change" || up.CustomFields["cab_ref"] != "CAB-7" {
				t.Errorf("after changing type: %s %v", up.Type, up.CustomFields)
			}
			_, err = f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{CustomFields: map[string]any{"cab_ref": nil}})
			wantField(t, err, "custom_fields.cab_ref")
			_, err = f.admin.UpdateCustomField(ctx, mustField(t, f, "cab_ref").ID, client.CustomFieldPatch{Active: client.Ptr(false)})
			check(t, err)
		})
		t.Run("update and deactivate", func(t *testing.T) {
			up, err := f.admin.UpdateCustomField(ctx, sel.ID, client.CustomFieldPatch{Label: client.Ptr("Office"),
				Options: &[]string{"Berlin", "Paris", "Rome"}, Clear: []string{"category"}})
			check(t, err)
			if up.Label != "Office" || len(up.Options) != 3 || up.Category != nil || up.Key != "site" {
				t.Errorf("updated %+v", up)
			}
			_, err = f.admin.UpdateCustomField(ctx, num.ID, client.CustomFieldPatch{Active: client.Ptr(false)})
			check(t, err)
			reqView, err := f.reqC.ListCustomFields(ctx)
			check(t, err)
			if len(reqView.Items) != 1 || reqView.Items[0].Key != "site" {
				t.Errorf("requester sees fields %+v", reqView.Items)
			}
			agentView, err := f.agentC.ListCustomFields(ctx)
			check(t, err)
			if len(agentView.Items) != 3 { // site, seats and cab_ref; two inactive
				t.Errorf("agent sees fields %+v", agentView.Items)
			}
		})
	})
}

func mustField(t *testing.T, f *fixture, key string) *client.CustomField {
	t.Helper()
	p, err := f.admin.ListCustomFields(t.Context())
	check(t, err)
	for _, d := range p.Items {
		if d.Key == key {
			return &d
		}
	}
	t.Fatalf("no custom field %s", key)
	return nil
}
