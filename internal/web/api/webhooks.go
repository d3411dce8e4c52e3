package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webhook"
)

// webhookJSON is a webhook as the API shows it: the secret is write-only,
// has_secret says one is set.
type webhookJSON struct {
	ID               int64      `json:"id"`
	URL              string     `json:"url"`
	Events           []string   `json:"events"`
	HasSecret        bool       `json:"has_secret"`
	Enabled          bool       `json:"enabled"`
	AllowPrivateHost bool       `json:"allow_private_host"`
	CreatedBy        *string    `json:"created_by"`
	DisabledReason   *string    `json:"disabled_reason"`
	DisabledAt       *time.Time `json:"disabled_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func toWebhookJSON(w *webhook.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, HasSecret: w.HasSecret, Enabled: w.Enabled,
		AllowPrivateHost: w.AllowPrivateHost, CreatedBy: strPtr(w.CreatedByEmail), DisabledReason: strPtr(w.DisabledReason),
		DisabledAt: w.DisabledAt, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

type webhookInput struct {
	URL              *string   `json:"url"`
	Events           *[]string `json:"events"`
	Secret           *string   `json:"secret"`
	Enabled          *bool     `json:"enabled"`
	AllowPrivateHost *bool     `json:"allow_private_host"`
}

func (in webhookInput) toInput() webhook.Input {
	return webhook.Input{URL: in.URL, Events: in.Events, Secret: in.Secret, Enabled: in.Enabled, AllowPrivateHost: in.AllowPrivateHost}
}

type deliveryJSON struct {
	ID              int64      `json:"id"`
	WebhookID       int64      `json:"webhook_id"`
	EventID         int64      `json:"event_id"`
	EventKind       string     `json:"event_kind"`
	Ticket          *int64     `json:"ticket"`
	RedeliveryOf    *int64     `json:"redelivery_of"`
	State           string     `json:"state"`
	Attempts        int        `json:"attempts"`
	StatusCode      *int       `json:"status_code"`
	ResponseMS      *int64     `json:"response_ms"`
	Error           *string    `json:"error"`
	ResponseExcerpt *string    `json:"response_excerpt"`
	NextAttemptAt   *time.Time `json:"next_attempt_at"`
	CreatedAt       time.Time  `json:"created_at"`
	FinishedAt      *time.Time `json:"finished_at"`
}

func nonZero[T int | int64](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func toDeliveryJSON(d *webhook.Delivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventKind: d.EventKind, Ticket: nonZero(d.Ticket),
		RedeliveryOf: nonZero(d.RedeliveryOf), State: d.State, Attempts: d.Attempts, StatusCode: nonZero(d.StatusCode),
		Error: strPtr(d.Error), ResponseExcerpt: strPtr(d.ResponseExcerpt), CreatedAt: d.CreatedAt, FinishedAt: d.FinishedAt}
	if d.Attempts > 0 {
		out.ResponseMS = &d.ResponseMS
	}
	if d.State == webhook.Pending {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	return out
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	ws, err := a.Webhooks.List(r.Context(), actor)
	if err != nil {
		return err
	}
	out := list[webhookJSON]{Items: []webhookJSON{}}
	for _, wh := range ws {
		out.Items = append(out.Items, toWebhookJSON(wh))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	wh, err := a.Webhooks.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toWebhookJSON(wh))
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in webhookInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	wh, err := a.Webhooks.Create(r.Context(), actor, in.toInput())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(wh.ID, 10))
	return web.JSON(w, http.StatusCreated, toWebhookJSON(wh))
}

func (a *API) patchWebhook(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in webhookInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	wh, err := a.Webhooks.Update(r.Context(), actor, id, in.toInput())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toWebhookJSON(wh))
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Webhooks.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDeliveries pages a webhook's delivery log, newest first.
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, limit, err := page(r, "wd")
	if err != nil {
		return err
	}
	ds, err := a.Webhooks.Deliveries(r.Context(), actor, id, after, limit+1)
	if err != nil {
		return err
	}
	out := list[deliveryJSON]{Items: []deliveryJSON{}}
	if len(ds) > limit {
		ds = ds[:limit]
		out.NextCursor = idCursor("wd", ds[len(ds)-1].ID)
	}
	for _, d := range ds {
		out.Items = append(out.Items, toDeliveryJSON(d))
	}
	return web.JSON(w, http.StatusOK, out)
}

// redeliver queues a finished delivery's event again: 202 with the new
// delivery, 409 while it is pending or the webhook is disabled.
func (a *API) redeliver(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "d")
	if err != nil {
		return err
	}
	d, err := a.Webhooks.Redeliver(r.Context(), actor, id, did)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, toDeliveryJSON(d))
}
