package password

import (
	"context"
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h, err := HashWith(ctx, "correct horse battery", Params{Memory: 1024, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected PHC string %q", h)
	}
	if err := Verify(ctx, h, "correct horse battery"); err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if err := Verify(ctx, h, "correct horse batterY"); err != ErrMismatch {
		t.Fatalf("wrong password: got %v, want ErrMismatch", err)
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", h[:len(h)-4] + "!!!!"} {
		if err := Verify(ctx, bad, "correct horse battery"); err == nil {
			t.Errorf("hash %q verified", bad)
		}
	}
	h2, _ := HashWith(ctx, "correct horse battery", Params{Memory: 1024, Time: 1, Threads: 1})
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}
