package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
)

// A backup file is a gzip-compressed tar archive of
//
//	tables/NAME.jsonl     the rows of each table, one JSON array per line
//	attachments/SHA256    each attachment content, named by its SHA-256
//	secret.key            the secret key, base64, as in a key file
//	manifest.json         written last: what the rest is, with checksums
const (
	formatName    = "docket-backup"
	formatVersion = 1
	manifestName  = "manifest.json"
	keyName       = "secret.key"
	tablesDir     = "tables/"
	filesDir      = "attachments/"
)

// Manifest describes a backup.
type Manifest struct {
	Format        string     `json:"format"`
	FormatVersion int        `json:"format_version"`
	DocketVersion string     `json:"docket_version"`
	CreatedAt     time.Time  `json:"created_at"`
	Dialect       db.Dialect `json:"dialect"`
	// SchemaVersion is the highest migration applied; Migrations all of
	// them (numbers may leave gaps).
	SchemaVersion int   `json:"schema_version"`
	Migrations    []int `json:"migrations"`
	// TicketNumber is the last ticket number handed out.
	TicketNumber int64          `json:"ticket_number"`
	Tables       []TableEntry   `json:"tables"`
	Attachments  AttachmentsSum `json:"attachments"`
	// SecretKey names the key's file; nil when the instance had no key.
	SecretKey *FileEntry `json:"secret_key,omitempty"`
}

// TableEntry is one table's file: in dependency order in Manifest.Tables.
type TableEntry struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Columns []Column `json:"columns"`
	Rows    int64    `json:"rows"`
	SHA256  string   `json:"sha256"`
}

// AttachmentsSum counts the attachment contents; each one's name is its
// checksum. Missing lists contents the rows name but the store did not
// have when the backup was made.
type AttachmentsSum struct {
	Count   int      `json:"count"`
	Bytes   int64    `json:"bytes"`
	Missing []string `json:"missing,omitempty"`
}

// FileEntry is a file of the archive with its checksum.
type FileEntry struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// archiveWriter writes the entries of a backup file.
type archiveWriter struct {
	gz *gzip.Writer
	tw *tar.Writer
	at time.Time
}

func newArchiveWriter(w io.Writer, at time.Time) *archiveWriter {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // attachments are often compressed already
	return &archiveWriter{gz: gz, tw: tar.NewWriter(gz), at: at}
}

// add writes an entry of size bytes read from r and returns their SHA-256.
func (a *archiveWriter) add(name string, size int64, r io.Reader) (string, error) {
	if err := a.tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o600, ModTime: a.at, Typeflag: tar.TypeReg}); err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(a.tw, h), io.LimitReader(r, size))
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("%s: %d bytes instead of %d", name, n, size)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (a *archiveWriter) close() error {
	return errors.Join(a.tw.Close(), a.gz.Close())
}

// entry is an entry of a backup file as read back.
type entry struct {
	name   string
	size   int64
	sha256 string
	lines  int64
}

var shaName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// damaged wraps what is wrong with a backup file.
func damaged(path string, format string, args ...any) error {
	return fmt.Errorf("%s is not a usable Docket backup: %s", path, fmt.Sprintf(format, args...))
}

// eachEntry calls fn for every entry of the backup file at path, in order.
func eachEntry(path string, fn func(h *tar.Header, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return damaged(path, "not a gzip file (%v)", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return damaged(path, "%v", err)
		}
		if h.Typeflag != tar.TypeReg {
			return damaged(path, "unexpected entry %q", h.Name)
		}
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

// verify reads the whole backup file at path once, checks every entry
// against the manifest, and returns the manifest and the secret key's file
// (nil if there is none). Nothing is restored from a file that fails here.
func verify(path string) (*Manifest, []byte, error) {
	var m *Manifest
	var key []byte
	entries := map[string]entry{}
	err := eachEntry(path, func(h *tar.Header, r io.Reader) error {
		if _, dup := entries[h.Name]; dup {
			return damaged(path, "entry %q appears twice", h.Name)
		}
		if h.Name == manifestName {
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(m); err != nil {
				return damaged(path, "manifest: %v", err)
			}
			entries[h.Name] = entry{name: h.Name}
			return nil
		}
		sum := sha256.New()
		lines := &lineCounter{}
		if h.Name == keyName {
			var err error
			if key, err = io.ReadAll(io.LimitReader(r, 1024)); err != nil {
				return damaged(path, "%s: %v", h.Name, err)
			}
			r = bytes.NewReader(key)
		}
		n, err := io.Copy(io.MultiWriter(sum, lines), r)
		if err != nil {
			return damaged(path, "%s: %v", h.Name, err)
		}
		entries[h.Name] = entry{name: h.Name, size: n, sha256: hex.EncodeToString(sum.Sum(nil)), lines: lines.n}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, damaged(path, "it has no manifest")
	}
	if m.Format != formatName {
		return nil, nil, damaged(path, "the manifest says format %q", m.Format)
	}
	if m.FormatVersion > formatVersion {
		return nil, nil, fmt.Errorf("%s was made by a newer Docket (backup format %d; this one reads up to %d): restore it with that version", path, m.FormatVersion, formatVersion)
	}
	if m.Dialect != db.SQLite && m.Dialect != db.Postgres {
		return nil, nil, damaged(path, "unknown database %q", m.Dialect)
	}
	known := map[string]bool{manifestName: true}
	for _, t := range m.Tables {
		e, ok := entries[t.File]
		switch {
		case !ok || !strings.HasPrefix(t.File, tablesDir):
			return nil, nil, damaged(path, "table %s: file %q is missing", t.Name, t.File)
		case e.sha256 != t.SHA256:
			return nil, nil, damaged(path, "table %s: checksum mismatch", t.Name)
		case e.lines != t.Rows:
			return nil, nil, damaged(path, "table %s: %d rows instead of %d", t.Name, e.lines, t.Rows)
		}
		known[t.File] = true
	}
	if k := m.SecretKey; k != nil {
		if e, ok := entries[k.File]; !ok || e.sha256 != k.SHA256 {
			return nil, nil, damaged(path, "the secret key is missing or its checksum does not match")
		}
		known[k.File] = true
	}
	var count int
	var size int64
	for name, e := range entries {
		if known[name] {
			continue
		}
		sum, ok := strings.CutPrefix(name, filesDir)
		if !ok || !shaName.MatchString(sum) {
			return nil, nil, damaged(path, "unexpected entry %q", name)
		}
		if e.sha256 != sum {
			return nil, nil, damaged(path, "attachment %s: checksum mismatch", sum)
		}
		count++
		size += e.size
	}
	if count != m.Attachments.Count || size != m.Attachments.Bytes {
		return nil, nil, damaged(path, "%d attachments of %d bytes instead of %d of %d", count, size, m.Attachments.Count, m.Attachments.Bytes)
	}
	return m, key, nil
}

type lineCounter struct{ n int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}
