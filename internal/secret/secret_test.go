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
