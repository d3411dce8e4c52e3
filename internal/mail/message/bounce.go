package message

import (
	"regexp"
	"strings"
)

var (
	bounceSubjectRe = regexp.MustCompile(`(?i)(undeliver|delivery status notification \(failure\)|delivery (has )?failed|failure notice|returned mail|mail delivery (failed|subsystem)|non[- ]?delivery)`)
	statusCodeRe    = regexp.MustCompile(`\b([45]\.\d{1,3}\.\d{1,3})\b`)
	bodyMsgIDRe     = regexp.MustCompile(`(?im)^\s*Message-ID:\s*<([^<>\s]+)>`)
)

func (m *Message) detectBounce() {
	var status, headers []byte
	for _, p := range m.Parts {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			if status == nil {
				status = p.Data
			}
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			if headers == nil {
				headers = p.Data
			}
		}
	}
	if status != nil {
		if rcpt, st, failed := parseDeliveryStatus(status); failed {
			m.IsBounce = true
			m.BounceRecipient, m.BounceStatus = rcpt, st
		}
	} else {
		from := strings.ToLower(m.From.Email)
		daemon := strings.HasPrefix(from, "mailer-daemon@") || strings.HasPrefix(from, "postmaster@") || from == "mailer-daemon"
		failed := m.Headers["X-Failed-Recipients"]
		if (m.nullReturnPath || daemon) && (len(failed) > 0 || bounceSubjectRe.MatchString(m.Subject)) {
			m.IsBounce = true
			if len(failed) > 0 {
				if as := addressList(failed[0]); len(as) > 0 {
					m.BounceRecipient = as[0].Email
				}
			}
			if mm := statusCodeRe.FindStringSubmatch(m.Text); mm != nil {
				m.BounceStatus = mm[1]
			}
		}
	}
	if !m.IsBounce {
		return
	}
	if headers != nil {
		if ids := msgIDs(looseHeader(headers).Get("Message-Id")); len(ids) > 0 {
			m.BouncedMessageID = ids[0]
		}
	}
	if m.BouncedMessageID == "" {
		if mm := bodyMsgIDRe.FindStringSubmatch(m.Text); mm != nil {
			m.BouncedMessageID = mm[1]
		}
	}
}

// parseDeliveryStatus reads an RFC 3464 message/delivery-status body and
// returns the first failed recipient and its status code.
func parseDeliveryStatus(b []byte) (rcpt, status string, failed bool) {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	for _, block := range strings.Split(text, "\n\n") {
		h := looseHeader([]byte(block + "\n\n"))
		action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
		r := h.Get("Final-Recipient")
		if r == "" {
			r = h.Get("Original-Recipient")
		}
		if r == "" && action == "" {
			continue // per-message block
		}
		st := strings.TrimSpace(h.Get("Status"))
		if mm := statusCodeRe.FindStringSubmatch(st); mm != nil {
			st = mm[1]
		} else if f := strings.Fields(st); len(f) > 0 {
			st = f[0]
		}
		if action == "failed" || (action == "" && strings.HasPrefix(st, "5")) {
			if _, addr, ok := strings.Cut(r, ";"); ok {
				r = addr
			}
			return strings.Trim(strings.TrimSpace(fixHeaderBytes(r)), "<>"), st, true
		}
	}
	return "", "", false
}
