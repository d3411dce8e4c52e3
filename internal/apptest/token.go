package apptest

import (
	"fmt"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/user"
)

func authNewToken(a *user.Actor) auth.NewToken {
	return auth.NewToken{Name: fmt.Sprintf("test token %d", seq.Add(1))}
}
