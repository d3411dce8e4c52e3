package secret

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenAndKeyFile(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	s, err := b.Seal("hunter2")
	if err != nil || strings.Contains(s, "hunter2") || !strings.HasPrefix(s, "v1:") {
		t.Fatalf("sealed = %q, %v", s, err)
	}
	s2, _ := b.Seal("hunter2")
	if s == s2 {
		t.Fatal("sealing twice gives the same ciphertext: nonce reused")
	}
	again, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Unseal(s); err != nil || got != "hunter2" {
		t.Fatalf("unseal with the stored key: %q %v", got, err)
	}
	other, _ := Open(t.TempDir(), base64.StdEncoding.EncodeToString(make([]byte, 32)))
	if _, err := other.Unseal(s); err != ErrWrongKey {
		t.Fatalf("unseal with another key: %v", err)
	}
	if _, err := Open(dir, "too-short"); err == nil {
		t.Fatal("a bad DOCKET_SECRET_KEY was accepted")
	}
	if e, _ := b.Seal(""); e != "" {
		t.Fatal("empty secret not kept empty")
	}
}

func TestOpenEnvNeedsTheKey(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenEnv(dir, "")
	if err == nil || !strings.Contains(err.Error(), "DOCKET_SECRET_KEY is required") || !strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Fatalf("no key: %v, want a message saying how to make one", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !os.IsNotExist(err) {
		t.Fatalf("OpenEnv created a key file: %v", err)
	}
	// An instance that ran with a key file so far: point at the file,
	// without printing the key.
	old, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	_, err = OpenEnv(dir, " ")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, KeyFile)) || strings.Contains(err.Error(), strings.TrimSpace(string(key))) {
		t.Fatalf("key file present: %v, want its path and not its contents", err)
	}
	b, err := OpenEnv(t.TempDir(), string(key))
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := old.Seal("hunter2")
	if got, err := b.Unseal(sealed); err != nil || got != "hunter2" {
		t.Fatalf("the key file's contents as DOCKET_SECRET_KEY do not open its secrets: %q %v", got, err)
	}
}
