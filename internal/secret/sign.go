package secret

import (
	"crypto/hmac"
	"crypto/sha256"
)

// signingKey derives the key Sign uses from the encryption key, so that
// one secret serves both and neither use weakens the other.
func signingKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("docket signing key v1"))
	return m.Sum(nil)
}

// Sign returns the HMAC-SHA256 of msg for purpose under the instance's
// key: a value only this help desk (and instances sharing its key) can
// make, for links that must not be guessable or forged. Each purpose signs
// apart, so a signature made for one is worth nothing for another.
func (b *Box) Sign(purpose, msg string) []byte {
	m := hmac.New(sha256.New, b.mac)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Verify reports whether sig is Sign(purpose, msg), in constant time. A
// truncated signature of at least 16 bytes is checked on its length.
func (b *Box) Verify(purpose, msg string, sig []byte) bool {
	if len(sig) < 16 {
		return false
	}
	want := b.Sign(purpose, msg)
	return len(sig) <= len(want) && hmac.Equal(sig, want[:len(sig)])
}
