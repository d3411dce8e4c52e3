// Package password hashes and verifies passwords with argon2id, stored as
// PHC strings, and bounds how many hashes run at once so a burst of sign-ins
// cannot exhaust memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default follows the OWASP minimum for argon2id (19 MiB, t=2, p=1).
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinLength is the shortest password accepted.
const MinLength = 10

// MaxLength bounds the work an attacker can ask us to do.
const MaxLength = 1024

var slots = make(chan struct{}, 4)

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("password: mismatch")

// Hash returns the PHC string for pw.
func Hash(ctx context.Context, pw string) (string, error) {
	return HashWith(ctx, pw, Default)
}

// HashWith hashes with explicit parameters (tests use cheap ones).
func HashWith(ctx context.Context, pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	<-slots
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func acquire(ctx context.Context) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Verify checks pw against a PHC string. An empty hash never matches.
func Verify(ctx context.Context, hash, pw string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return ErrMismatch
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return ErrMismatch
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return ErrMismatch
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return ErrMismatch
	}
	if err := acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	<-slots
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}
