package outbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// KindRule is an email an automation rule sends to a person it names.
const KindRule = "rule"

// sample is what a template is checked against when it is saved.
var sample = TemplateData{Ticket: TicketData{Number: 1042, Reference: "#1042", Subject: "Printer on fire",
	Status: "open", URL: "https://example.com/tickets/1042"}, Recipient: Address{"Ann", "ann@example.com"},
	Actor: Address{"Bob", "bob@example.com"}, Message: "Hello", SatisfactionURL: "https://example.com/s",
	Satisfaction: []RatingLink{{Score: "good", Label: "Good", URL: "https://example.com/s?score=good"}}}

// CheckText reports what is wrong with src, a text in the language of the
// notification templates, by rendering it against sample data within the
// same bounds; nil when it renders. Rules check their texts with it when
// they are saved.
func CheckText(src string) error {
	_, err := execute("text", src, sample)
	return err
}

// RenderText renders src, a text in the language of the notification
// templates, with d within the same bounds.
func RenderText(src string, d TemplateData) (string, error) { return execute("text", src, d) }

// DataFor is what a rule's texts see about ticket t, written for
// recipient by actor.
func DataFor(t *ticket.Ticket, recipient, actor Address) TemplateData {
	if recipient.Name == "" {
		recipient.Name = recipient.Email
	}
	return TemplateData{Ticket: TicketData{Number: t.Number, Reference: t.Reference, Subject: t.Subject,
		Status: string(t.Status), Solution: t.Solution}, Recipient: recipient, Actor: actor}
}

// Notice writes an email a rule sends about ticket t to user to: subject
// and text are the rule's own, already rendered. Nobody inactive and none
// of our own addresses gets it.
func (n *Notifier) Notice(ctx context.Context, tx *db.Tx, t *ticket.Ticket, to int64, subject, text string) error {
	r, err := n.recipient(ctx, tx, to)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if !n.mayReceive(r) {
		return nil
	}
	subject = strings.Join(strings.Fields(subject), " ") // one line, no header injection
	e := &Email{TicketID: t.ID, Kind: KindRule, To: []Address{r.Addr}, Subject: tagSubject(t, subject),
		Text: strings.TrimSpace(text) + "\n", HTML: richHTML(text, nil),
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}}
	if err := n.enqueue(ctx, tx, t, e); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
