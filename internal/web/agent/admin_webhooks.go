package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webhook"
)

// webhookLogSize is how many deliveries a webhook's page shows at once.
const webhookLogSize = 50

// adminWebhookRoutes registers the webhook administration pages.
func (a *Agent) adminWebhookRoutes(mux web.Router) {
	mux.Handle("GET /admin/webhooks", a.admin(a.adminWebhooks))
	mux.Handle("GET /admin/webhooks/new", a.admin(a.adminNewWebhookForm))
	mux.Handle("POST /admin/webhooks/new", a.admin(a.adminCreateWebhook))
	mux.Handle("GET /admin/webhooks/{id}", a.admin(a.adminWebhookForm))
	mux.Handle("POST /admin/webhooks/{id}", a.admin(a.adminUpdateWebhook))
	mux.Handle("POST /admin/webhooks/{id}/enable", a.admin(a.adminEnableWebhook))
	mux.Handle("POST /admin/webhooks/{id}/delete", a.admin(a.adminDeleteWebhook))
	mux.Handle("POST /admin/webhooks/{id}/deliveries/{d}/redeliver", a.admin(a.adminRedeliver))
}

type adminWebhooksPage struct {
	adminFrame
	Webhooks []*webhook.Webhook
}

func (a *Agent) adminWebhooks(w http.ResponseWriter, r *http.Request, rq *request) error {
	ws, err := a.Webhooks.List(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := adminWebhooksPage{Webhooks: ws}
	p.adminFrame = a.adminFrame(w, r, rq, "Webhooks", "webhooks")
	return a.tmpl.Render(w, http.StatusOK, "admin_webhooks", p)
}

// webhookForm is the webhook form's state. It never holds the secret:
// secrets are write-only and read from the request.
type webhookForm struct {
	URL              string
	All              bool
	Events           []string
	Enabled          bool
	AllowPrivateHost bool
	HasSecret        bool
}

func webhookFormOf(w *webhook.Webhook) webhookForm {
	f := webhookForm{URL: w.URL, Enabled: w.Enabled, AllowPrivateHost: w.AllowPrivateHost, HasSecret: w.HasSecret}
	if slices.Contains(w.Events, webhook.All) {
		f.All = true
	} else {
		f.Events = w.Events
	}
	return f
}

// readWebhookForm reads the submitted form into the form state and the
// service input. An empty secret keeps the stored one.
func readWebhookForm(r *http.Request) (webhookForm, webhook.Input) {
	f := webhookForm{URL: formValue(r, "url"), All: checked(r, "all"), Enabled: checked(r, "enabled"),
		AllowPrivateHost: checked(r, "allow_private_host")}
	_ = r.ParseForm()
	f.Events = r.PostForm["events"]
	events := f.Events
	if f.All {
		events = []string{webhook.All}
	}
	if events == nil {
		events = []string{}
	}
	in := webhook.Input{URL: &f.URL, Events: &events, Enabled: &f.Enabled, AllowPrivateHost: &f.AllowPrivateHost}
	if s := r.PostFormValue("secret"); s != "" {
		in.Secret = &s
	}
	return f, in
}

// kindGroup is a heading of event kinds in the form.
type kindGroup struct {
	Label string
	Kinds []string
}

type adminWebhookPage struct {
	adminFrame
	W          *webhook.Webhook // nil for a new webhook
	Form       webhookForm
	Errors     map[string]string
	Groups     []kindGroup
	Deliveries []*webhook.Delivery
	NextURL    string
	FirstURL   string
}

// Subscribed reports whether the form has kind ticked.
func (p adminWebhookPage) Subscribed(kind string) bool { return slices.Contains(p.Form.Events, kind) }

func (a *Agent) renderWebhook(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminWebhookPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	// A list's field errors (events[2]) belong to the one events field.
	for k, v := range p.Errors {
		if strings.HasPrefix(k, "events[") {
			p.Errors["events"] = strings.TrimSpace(p.Errors["events"] + " " + v)
			delete(p.Errors, k)
		}
	}
	p.Groups = []kindGroup{{"Tickets", webhook.TicketKinds}, {"Administration (audit log)", webhook.AdminKinds}}
	title := "New webhook"
	if p.W != nil {
		title = "Webhook " + p.W.URL
		after := afterParam(r)
		ds, err := a.Webhooks.Deliveries(r.Context(), rq.actor, p.W.ID, after, webhookLogSize+1)
		if err != nil {
			return err
		}
		if len(ds) > webhookLogSize {
			ds = ds[:webhookLogSize]
			p.NextURL = nextPage(r, ds[len(ds)-1].ID)
		}
		if after > 0 {
			p.FirstURL = r.URL.Path
		}
		p.Deliveries = ds
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "webhooks")
	return a.tmpl.Render(w, status, "admin_webhook", p)
}

func (a *Agent) adminNewWebhookForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderWebhook(w, r, rq, http.StatusOK, adminWebhookPage{Form: webhookForm{Enabled: true}})
}

func (a *Agent) adminCreateWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, in := readWebhookForm(r)
	wh, err := a.Webhooks.Create(r.Context(), rq.actor, in)
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created the webhook to %s.", wh.URL))
		http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d", wh.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderWebhook(w, r, rq, status, adminWebhookPage{Form: f, Errors: errs})
}

func (a *Agent) webhook(r *http.Request, rq *request) (*webhook.Webhook, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Webhooks.Get(r.Context(), rq.actor, id)
}

func (a *Agent) adminWebhookForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	wh, err := a.webhook(r, rq)
	if err != nil {
		return err
	}
	return a.renderWebhook(w, r, rq, http.StatusOK, adminWebhookPage{W: wh, Form: webhookFormOf(wh)})
}

func (a *Agent) adminUpdateWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	wh, err := a.webhook(r, rq)
	if err != nil {
		return err
	}
	f, in := readWebhookForm(r)
	f.HasSecret = wh.HasSecret
	u, err := a.Webhooks.Update(r.Context(), rq.actor, wh.ID, in)
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved the webhook to %s.", u.URL))
		http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d", u.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderWebhook(w, r, rq, status, adminWebhookPage{W: wh, Form: f, Errors: errs})
}

// adminEnableWebhook turns a disabled webhook back on; its waiting
// deliveries resume.
func (a *Agent) adminEnableWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	wh, err := a.webhook(r, rq)
	if err != nil {
		return err
	}
	on := true
	if _, err := a.Webhooks.Update(r.Context(), rq.actor, wh.ID, webhook.Input{Enabled: &on}); err != nil {
		return err
	}
	a.site.Flash(w, "Enabled the webhook; its waiting deliveries resume.")
	http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d", wh.ID), http.StatusSeeOther)
	return nil
}

func (a *Agent) adminDeleteWebhook(w http.ResponseWriter, r *http.Request, rq *request) error {
	wh, err := a.webhook(r, rq)
	if err != nil {
		return err
	}
	if !checked(r, "confirm") {
		return a.renderWebhook(w, r, rq, http.StatusUnprocessableEntity, adminWebhookPage{W: wh, Form: webhookFormOf(wh),
			Errors: map[string]string{"delete": "Tick the box to confirm the deletion."}})
	}
	if err := a.Webhooks.Delete(r.Context(), rq.actor, wh.ID); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Deleted the webhook to %s.", wh.URL))
	http.Redirect(w, r, "/admin/webhooks", http.StatusSeeOther)
	return nil
}

// adminRedeliver queues a finished delivery's event again.
func (a *Agent) adminRedeliver(w http.ResponseWriter, r *http.Request, rq *request) error {
	wh, err := a.webhook(r, rq)
	if err != nil {
		return err
	}
	did, err := strconv.ParseInt(r.PathValue("d"), 10, 64)
	if err != nil || did <= 0 {
		return fault.ErrNotFound
	}
	d, err := a.Webhooks.Redeliver(r.Context(), rq.actor, wh.ID, did)
	if err != nil {
		errs := map[string]string{}
		status, ok := formFailure(err, errs)
		if !ok {
			return err
		}
		errs["deliveries"] = errs["form"]
		delete(errs, "form")
		return a.renderWebhook(w, r, rq, status, adminWebhookPage{W: wh, Form: webhookFormOf(wh), Errors: errs})
	}
	a.site.Flash(w, fmt.Sprintf("Queued delivery %d, a redelivery of %d.", d.ID, did))
	http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d#deliveries", wh.ID), http.StatusSeeOther)
	return nil
}
