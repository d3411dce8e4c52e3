// Package secret encrypts the secrets Docket must keep (mailbox passwords,
// OAuth tokens, the setup link) with AES-256-GCM under one key:
// DOCKET_SECRET_KEY, or, with SQLite only, a random key created once in the
// data directory.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Box seals and opens secrets.
type Box struct {
	aead cipher.AEAD
	mac  []byte // the signing key, derived from the key (see Sign)
}

// KeyFile is the key's file name inside the data directory.
const KeyFile = "secret.key"

// prefix marks sealed values, so a plain value is never mistaken for one.
const prefix = "v1:"

// Open loads the key: envKey (base64 of 32 bytes) when set, else the key
// file in dataDir, created with a fresh random key on first use.
func Open(dataDir, envKey string) (*Box, error) {
	var key []byte
	if envKey != "" {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(envKey))
		if err != nil || len(k) != 32 {
			return nil, errors.New("secret: DOCKET_SECRET_KEY must be 32 bytes in base64 (e.g. openssl rand -base64 32)")
		}
		key = k
	} else {
		path := filepath.Join(dataDir, KeyFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if key, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err != nil || len(key) != 32 {
				return nil, fmt.Errorf("secret: %s is not a valid key", path)
			}
		case errors.Is(err, os.ErrNotExist):
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, err
			}
			// O_EXCL: two processes starting together keep one key.
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, os.ErrExist) {
				return Open(dataDir, "")
			} else if err != nil {
				return nil, fmt.Errorf("secret: create %s: %w", path, err)
			}
			_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
			if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
				return nil, fmt.Errorf("secret: write %s: %w", path, err)
			}
		default:
			return nil, fmt.Errorf("secret: read %s: %w", path, err)
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, mac: signingKey(key)}, nil
}

// OpenEnv loads the key from envKey only, never from or into a key file:
// for a database several instances share (PostgreSQL), where a key file
// made by each instance would leave the others unable to open what it
// sealed. Without envKey it fails as RequireEnv does.
func OpenEnv(dataDir, envKey string) (*Box, error) {
	if err := RequireEnv(dataDir, envKey); err != nil {
		return nil, err
	}
	return Open(dataDir, envKey)
}

// RequireEnv checks that envKey is set, so configuration can stop before
// anything starts. Its error says how to make a key, or, when dataDir holds
// a key file, to use that file's contents so that secrets already sealed
// with it still open. The key itself is never part of the error.
func RequireEnv(dataDir, envKey string) error {
	if strings.TrimSpace(envKey) != "" {
		return nil
	}
	const need = "DOCKET_SECRET_KEY is required with PostgreSQL, so that every instance uses the same key"
	path := filepath.Join(dataDir, KeyFile)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: set it to the contents of %s (the key this instance has used so far) on every instance", need, path)
	}
	return fmt.Errorf("%s: make one with `openssl rand -base64 32` and set it on every instance", need)
}

// Seal encrypts a secret; the empty secret stays empty.
func (b *Box) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), nil)
	return prefix + base64.StdEncoding.EncodeToString(out), nil
}

// ErrWrongKey means a sealed value cannot be opened with this key.
var ErrWrongKey = errors.New("secret: cannot decrypt (was the key changed?)")

// Unseal decrypts a value made by Seal.
func (b *Box) Unseal(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if !strings.HasPrefix(sealed, prefix) || err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrWrongKey
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}
