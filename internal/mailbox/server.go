package mailbox

import (
	"fmt"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/docket/docket/internal/fault"
)

// Server holds one connection's settings.
type Server struct {
	Host     string
	Port     int
	TLS      string // none, starttls or tls
	Username string
	// Password is only filled for the mail code (Credentials); API answers
	// carry HasPassword instead.
	Password    string
	HasPassword bool
}

// ServerInput changes connection settings; nil fields are kept, and a
// Password of "" keeps the stored one (send ClearPassword to remove it).
type ServerInput struct {
	Host          *string
	Port          *int
	TLS           *string
	Username      *string
	Password      *string
	ClearPassword bool
}

// applyServer applies in to dst. A stored password goes only where it was
// set for: changing the host, port, TLS or username of a server with a
// stored password needs the password again (or its removal), or an admin
// could point the mailbox at a server of their own, perhaps without TLS,
// and receive the "write-only" password there.
func (s *Service) applyServer(inv *fault.Invalid, prefix string, dst *Server, in ServerInput, sealed *string) error {
	was := *dst
	defer func() {
		// Emptying the host sends the password nowhere.
		moved := dst.Host != "" && (dst.Host != was.Host || dst.Port != was.Port || dst.TLS != was.TLS ||
			dst.Username != was.Username)
		if moved && *sealed != "" && !in.ClearPassword && (in.Password == nil || *in.Password == "") {
			inv.Add(prefix+".password", "must be given again when the host, port, TLS or username changes")
		}
	}()
	setStr(&dst.Host, in.Host)
	setStr(&dst.Username, in.Username)
	setStr(&dst.TLS, in.TLS)
	if in.Port != nil {
		dst.Port = *in.Port
	}
	if dst.Host != "" && (strings.ContainsAny(dst.Host, " /@") || len(dst.Host) > 253) {
		inv.Add(prefix+".host", "is not a host name")
	}
	if dst.Port < 0 || dst.Port > 65535 {
		inv.Add(prefix+".port", "must be from 1 to 65535")
	}
	switch dst.TLS {
	case "none", "starttls", "tls":
	default:
		inv.Add(prefix+".tls", "must be none, starttls or tls")
	}
	if utf8.RuneCountInString(dst.Username) > 320 {
		inv.Add(prefix+".username", "is too long")
	}
	if in.ClearPassword {
		*sealed = ""
	} else if in.Password != nil && *in.Password != "" {
		if len(*in.Password) > 4096 {
			inv.Add(prefix+".password", "is too long")
			return nil
		}
		v, err := s.box.Seal(*in.Password)
		if err != nil {
			return err
		}
		*sealed = v
	}
	return nil
}

// Addr joins a host and port for dialing.
func (sv Server) Addr() string { return net.JoinHostPort(sv.Host, fmt.Sprint(sv.Port)) }
