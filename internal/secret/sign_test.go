package secret_test

import (
	"testing"

	"github.com/docket/docket/internal/secret"
)

// Signatures depend on the key, the purpose and the message; a truncated
// signature of 16 bytes or more verifies, a shorter or altered one never.
func TestSign(t *testing.T) {
	a, err := secret.Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := secret.Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	sig := a.Sign("rate", "uid/7")
	if len(sig) != 32 || !a.Verify("rate", "uid/7", sig) || !a.Verify("rate", "uid/7", sig[:16]) {
		t.Fatal("a signature does not verify")
	}
	bad := append([]byte{}, sig[:16]...)
	bad[0] ^= 1
	for name, ok := range map[string]bool{
		"other key":     b.Verify("rate", "uid/7", sig),
		"other purpose": a.Verify("reset", "uid/7", sig),
		"other message": a.Verify("rate", "uid/8", sig),
		"too short":     a.Verify("rate", "uid/7", sig[:15]),
		"altered":       a.Verify("rate", "uid/7", bad),
		"too long":      a.Verify("rate", "uid/7", append(sig, 0)),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
}
