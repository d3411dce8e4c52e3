// Package attachment stores uploaded files, once per SHA-256 of their
// content, in a Store (a directory, or the database itself), and decides who
// may download them.
package attachment

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Attachment is a stored file.
type Attachment struct {
	ID          string
	SHA256      string
	Filename    string
	ContentType string
	Size        int64
	UploaderID  int64
	MessageID   int64
	CreatedAt   time.Time
}

// SafeInline reports whether the file may be shown inline in a browser:
// only raster images, never SVG or HTML, which can carry script.
func (a *Attachment) SafeInline() bool {
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// Service stores and serves attachments.
type Service struct {
	db       *db.DB
	q        *db.Queries
	store    Store
	spoolDir string
	maxSize  int64
	tickets  *ticket.Service
}

// Options configure New.
type Options struct {
	// Store keeps the contents.
	Store Store
	// SpoolDir holds uploads while they are hashed, before Put. For a
	// DirStore use its SpoolDir, so that Put is a rename.
	SpoolDir string
	// MaxSize is the largest file accepted, in bytes.
	MaxSize int64
}

// New returns a Service keeping contents in opts.Store.
func New(d *db.DB, tickets *ticket.Service, opts Options) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.SpoolDir, 0o750); err != nil {
		return nil, fmt.Errorf("attachment: create %s: %w", opts.SpoolDir, err)
	}
	return &Service{db: d, q: q, store: opts.Store, spoolDir: opts.SpoolDir, maxSize: opts.MaxSize, tickets: tickets}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// MaxSize is the largest accepted file in bytes.
func (s *Service) MaxSize() int64 { return s.maxSize }

// CleanFilename keeps a file name displayable and harmless: no directories,
// no control characters, at most 200 characters.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base("/" + name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "/" || name == "." || name == ".." {
		name = "attachment"
	}
	if r := []rune(name); len(r) > 200 {
		ext := filepath.Ext(name)
		if len([]rune(ext)) > 20 {
			ext = ""
		}
		name = string(r[:200-len([]rune(ext))]) + ext
	}
	return name
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("attachment: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// Save stores r as a new, not yet attached file uploaded by a. contentType
// is what the caller sniffed from the content, not what the client claimed.
func (s *Service) Save(ctx context.Context, a *user.Actor, filename, contentType string, r io.Reader) (*Attachment, error) {
	tmp, err := os.CreateTemp(s.spoolDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("attachment: save: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("attachment: save: %w", err)
	}
	if n > s.maxSize {
		return nil, fmt.Errorf("attachment: save: file larger than %d bytes: %w", s.maxSize, fault.ErrTooLarge)
	}
	if n == 0 {
		return nil, fault.Field("file", "is empty")
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("attachment: save: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	att := &Attachment{ID: newID(), SHA256: sum, Filename: CleanFilename(filename), ContentType: contentType, Size: n,
		UploaderID: a.ID, CreatedAt: db.Time(db.Now())}
	for try := 1; ; try++ {
		if err := s.store.Put(ctx, sum, n, tmp); err != nil {
			return nil, fmt.Errorf("attachment: save: %w", err)
		}
		err := s.db.WithTx(ctx, func(tx *db.Tx) error {
			// Under the lock PruneUnattached deletes content with: if the
			// content was there at Put, and pruned since, store it again.
			if _, err := tx.ExecContext(ctx, s.q.Get("lock-content"), sum); err != nil {
				return err
			}
			if ok, err := s.store.Exists(ctx, sum); err != nil || !ok {
				return cmp.Or(err, errContentGone)
			}
			_, err := tx.ExecContext(ctx, s.q.Get("insert-attachment"), att.ID, att.SHA256, att.Filename, att.ContentType,
				att.Size, a.ID, att.CreatedAt.UnixMicro())
			return err
		})
		if errors.Is(err, errContentGone) && try < 3 {
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return nil, fmt.Errorf("attachment: save: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("attachment: save: %w", err)
		}
		return att, nil
	}
}

var errContentGone = errors.New("content pruned while saving")

// placed is a stored file and where it is attached: its message's
// visibility and its ticket's number (not Valid while unattached).
type placed struct {
	Attachment
	internal     sql.NullBool
	ticketNumber sql.NullInt64
}

func (s *Service) lookup(ctx context.Context, id string) (*placed, error) {
	var p placed
	var msgID sql.NullInt64
	var created int64
	err := s.db.R.QueryRowContext(ctx, s.q.Get("select-attachment"), id).Scan(&p.ID, &p.SHA256, &p.Filename,
		&p.ContentType, &p.Size, &p.UploaderID, &msgID, &created, &p.internal, &p.ticketNumber)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("attachment %s: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", id, err)
	}
	p.MessageID, p.CreatedAt = msgID.Int64, db.Time(created)
	return &p, nil
}

func (s *Service) content(ctx context.Context, att *Attachment) (*Attachment, io.ReadSeekCloser, error) {
	f, err := s.store.Open(ctx, att.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %s: content missing: %w", att.ID, err)
	}
	return att, f, nil
}

// Open returns the attachment and its content if a may see it: its
// uploader before it is attached, afterwards whoever may see the message.
// Anything else is ErrNotFound.
func (s *Service) Open(ctx context.Context, a *user.Actor, id string) (*Attachment, io.ReadSeekCloser, error) {
	p, err := s.lookup(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	notFound := fmt.Errorf("attachment %s: %w", id, fault.ErrNotFound)
	if p.MessageID == 0 {
		if p.UploaderID != a.ID {
			return nil, nil, notFound
		}
	} else {
		if p.internal.Bool && !a.IsAgent() {
			return nil, nil, notFound
		}
		if _, err := s.tickets.Get(ctx, a, p.ticketNumber.Int64); err != nil {
			return nil, nil, notFound
		}
	}
	return s.content(ctx, &p.Attachment)
}

// OpenForEmail returns attachment id with its content for the email that
// carries message msgID to people outside: only when the file is attached
// to that message and the message is a public reply, never an internal
// note's file. Anything else is ErrNotFound.
func (s *Service) OpenForEmail(ctx context.Context, msgID int64, id string) (*Attachment, io.ReadSeekCloser, error) {
	p, err := s.lookup(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if msgID == 0 || p.MessageID != msgID || !p.internal.Valid || p.internal.Bool {
		return nil, nil, fmt.Errorf("attachment %s of message %d: %w", id, msgID, fault.ErrNotFound)
	}
	return s.content(ctx, &p.Attachment)
}
