// Package brand owns how the help desk presents itself to requesters and
// visitors: its name, logo, accent colour and welcome text, shown by the
// portal, the web forms and the public knowledge base. The settings live
// in the database (every instance reads the same), with a short cache so
// a page does not read them for every template call.
package brand

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Limits of what an admin may set.
const (
	MaxName    = 80
	MaxWelcome = 4000
	MaxLogo    = 256 << 10
	// CacheFor is how long an instance reuses the settings it read; a
	// change on another instance shows within it.
	CacheFor = 2 * time.Second
)

// EventUpdated is the kind of the event a change of the branding writes
// (the audit log shows it).
const EventUpdated = "settings.brand_updated"

// Defaults are the branding before an admin changed any.
var Defaults = Brand{Name: "Help", Color: "#2256c5"}

// Brand is the help desk's presentation.
type Brand struct {
	// Name titles every page ("Acme IT help").
	Name string `json:"name"`
	// Color is the accent (links, buttons), "#rrggbb", dark enough for
	// white text on it.
	Color string `json:"color"`
	// Welcome is Markdown shown on the portal's front page and forms.
	Welcome string `json:"welcome"`
	// Logo describes the uploaded logo, nil when there is none.
	Logo *Logo `json:"logo"`
}

// Logo is an uploaded logo's description; its bytes are read by Logo.
type Logo struct {
	Type string `json:"type"`
	// Hash is the SHA-256 of the bytes, hex: it versions the logo's URL.
	Hash string `json:"hash"`
	Size int    `json:"size"`
}

// Version changes whenever anything the pages show changes: it versions
// the URLs of the logo and the brand's stylesheet.
func (b Brand) Version() string {
	h := sha256.New()
	h.Write([]byte(b.Color))
	if b.Logo != nil {
		h.Write([]byte(b.Logo.Hash))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Input is a change of the branding; nil fields stay as they are.
type Input struct {
	Name    *string `json:"name"`
	Color   *string `json:"color"`
	Welcome *string `json:"welcome"`
}

// Service reads and changes the branding.
type Service struct {
	db     *db.DB
	events *event.Log
	now    func() time.Time

	mu     sync.Mutex
	cached Brand
	until  time.Time
}

// New returns the branding service over d, recording changes in events.
func New(d *db.DB, events *event.Log) *Service {
	return &Service{db: d, events: events, now: time.Now}
}

const (
	keyBrand = "brand"
	keyLogo  = "brand_logo"
)

// Current returns the branding, read at most CacheFor ago; when it cannot
// be read, the last known (or the defaults) — a page must not fail over
// its colours. The error is returned for the caller to log.
func (s *Service) Current(ctx context.Context) (Brand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Before(s.until) {
		return s.cached, nil
	}
	b, err := s.read(ctx, s.db.R)
	if err != nil {
		if s.until.IsZero() {
			return Defaults, err
		}
		return s.cached, err
	}
	s.cached, s.until = b, now.Add(CacheFor)
	return b, nil
}

func (s *Service) forget() {
	s.mu.Lock()
	s.until = time.Time{}
	s.mu.Unlock()
}

func (s *Service) read(ctx context.Context, q db.Queryer) (Brand, error) {
	b := Defaults
	var v string
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT value FROM settings WHERE key = $1`), keyBrand).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	} else if err != nil {
		return b, fmt.Errorf("brand: read: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &b); err != nil {
		return b, fmt.Errorf("brand: read: %w", err)
	}
	return b, nil
}

func (s *Service) put(ctx context.Context, tx *db.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), key, value, db.Now())
	return err
}

// Set changes the name, colour or welcome text (admins only), recording
// what changed; nothing is saved when any value is invalid.
func (s *Service) Set(ctx context.Context, a *user.Actor, in Input) (Brand, error) {
	if !a.IsAdmin() {
		return Brand{}, fmt.Errorf("brand: %w", fault.Forbidden("only admins change the branding"))
	}
	inv := &fault.Invalid{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		switch {
		case n == "":
			inv.Add("name", "enter the name requesters see")
		case utf8.RuneCountInString(n) > MaxName:
			inv.Add("name", "at most %d characters", MaxName)
		case strings.IndexFunc(n, unicode.IsControl) >= 0:
			inv.Add("name", "must not contain control characters")
		}
		in.Name = &n
	}
	if in.Color != nil {
		c := strings.ToLower(strings.TrimSpace(*in.Color))
		if msg := checkColor(c); msg != "" {
			inv.Add("color", "%s", msg)
		}
		in.Color = &c
	}
	if in.Welcome != nil {
		w := strings.TrimSpace(*in.Welcome)
		if utf8.RuneCountInString(w) > MaxWelcome {
			inv.Add("welcome", "at most %d characters", MaxWelcome)
		}
		in.Welcome = &w
	}
	if err := inv.Err(); err != nil {
		return Brand{}, fmt.Errorf("brand: %w", err)
	}
	return s.change(ctx, a, func(b *Brand, c event.Changes) {
		if in.Name != nil {
			c.Note("name", b.Name, *in.Name)
			b.Name = *in.Name
		}
		if in.Color != nil {
			c.Note("color", b.Color, *in.Color)
			b.Color = *in.Color
		}
		if in.Welcome != nil {
			if b.Welcome != *in.Welcome {
				c.Note("welcome", "(before)", "(changed)")
			}
			b.Welcome = *in.Welcome
		}
	}, nil)
}

// change applies fn to the stored branding in one transaction, writing
// the logo's bytes too when logo is not nil ("" removes it), and an event
// naming what changed.
func (s *Service) change(ctx context.Context, a *user.Actor, fn func(*Brand, event.Changes), logo *string) (Brand, error) {
	var out Brand
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		b, err := s.read(ctx, tx)
		if err != nil {
			return err
		}
		c := event.Changes{}
		fn(&b, c)
		if len(c) == 0 {
			out = b
			return nil
		}
		v, _ := json.Marshal(b)
		if err := s.put(ctx, tx, keyBrand, string(v)); err != nil {
			return err
		}
		if logo != nil {
			if err := s.put(ctx, tx, keyLogo, *logo); err != nil {
				return err
			}
		}
		out = b
		_, err = s.events.Append(ctx, tx, EventUpdated, a.EventActor(), "settings", 0, 0, map[string]any{"changes": c})
		return err
	})
	if err != nil {
		return Brand{}, fmt.Errorf("brand: save: %w", err)
	}
	s.forget()
	return out, nil
}

// logoTypes are the image types a logo may be, by their sniffed content.
var logoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SetLogo stores data as the logo (admins only): a PNG, JPEG, GIF or WebP
// by its content, not its name, of at most MaxLogo bytes. SVG is refused:
// it can carry scripts and links.
func (s *Service) SetLogo(ctx context.Context, a *user.Actor, data []byte) (Brand, error) {
	if !a.IsAdmin() {
		return Brand{}, fmt.Errorf("brand: %w", fault.Forbidden("only admins change the branding"))
	}
	if len(data) == 0 {
		return Brand{}, fmt.Errorf("brand: %w", fault.Field("logo", "choose an image file"))
	}
	if len(data) > MaxLogo {
		return Brand{}, fmt.Errorf("brand: %w", fault.Field("logo", "the logo is %d KB; at most %d KB", len(data)>>10, MaxLogo>>10))
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	if !logoTypes[ct] {
		msg := "must be a PNG, JPEG, GIF or WebP image"
		if looksSVG(data) {
			msg = "SVG logos are refused (they can carry scripts): upload a PNG, JPEG, GIF or WebP image"
		}
		return Brand{}, fmt.Errorf("brand: %w", fault.Field("logo", "%s", msg))
	}
	sum := sha256.Sum256(data)
	l := &Logo{Type: ct, Hash: hex.EncodeToString(sum[:]), Size: len(data)}
	enc := base64.StdEncoding.EncodeToString(data)
	return s.change(ctx, a, func(b *Brand, c event.Changes) {
		before := ""
		if b.Logo != nil {
			before = b.Logo.Hash[:12]
		}
		c.Note("logo", before, l.Hash[:12])
		b.Logo = l
	}, &enc)
}

// RemoveLogo removes the logo (admins only).
func (s *Service) RemoveLogo(ctx context.Context, a *user.Actor) (Brand, error) {
	if !a.IsAdmin() {
		return Brand{}, fmt.Errorf("brand: %w", fault.Forbidden("only admins change the branding"))
	}
	empty := ""
	return s.change(ctx, a, func(b *Brand, c event.Changes) {
		if b.Logo != nil {
			c.Note("logo", b.Logo.Hash[:12], "")
		}
		b.Logo = nil
	}, &empty)
}

// LogoData returns the logo's bytes and type; fault.ErrNotFound when
// there is none.
func (s *Service) LogoData(ctx context.Context) ([]byte, string, error) {
	b, err := s.read(ctx, s.db.R)
	if err != nil {
		return nil, "", err
	}
	if b.Logo == nil {
		return nil, "", fmt.Errorf("brand: no logo: %w", fault.ErrNotFound)
	}
	var v string
	if err := s.db.R.QueryRowContext(ctx, s.db.Rebind(`SELECT value FROM settings WHERE key = $1`), keyLogo).Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", fmt.Errorf("brand: no logo: %w", fault.ErrNotFound)
		}
		return nil, "", fmt.Errorf("brand: logo: %w", err)
	}
	data, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(data) == 0 {
		return nil, "", fmt.Errorf("brand: no logo: %w", fault.ErrNotFound)
	}
	return data, b.Logo.Type, nil
}

func looksSVG(data []byte) bool {
	head := strings.ToLower(string(data[:min(len(data), 1024)]))
	return strings.Contains(head, "<svg")
}

// checkColor says what is wrong with c as the accent colour, or "".
func checkColor(c string) string {
	if len(c) != 7 || c[0] != '#' {
		return "must be a colour like #2256c5"
	}
	v, err := strconv.ParseUint(c[1:], 16, 32)
	if err != nil {
		return "must be a colour like #2256c5"
	}
	if r := contrast(v, 0xffffff); r < 4.5 {
		return fmt.Sprintf("is too light for white text on buttons (contrast %.1f:1, at least 4.5:1 is needed)", r)
	}
	return ""
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b uint64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c uint64) float64 {
	ch := func(v uint64) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c>>16&0xff) + 0.7152*ch(c>>8&0xff) + 0.0722*ch(c&0xff)
}

// Stylesheet is the CSS that applies the brand's colour: served as its
// own file, since the pages' policy allows no inline styles.
func (b Brand) Stylesheet() string {
	c := b.Color
	if checkColor(c) != "" {
		c = Defaults.Color
	}
	return ":root { --accent: " + c + "; }\n"
}
