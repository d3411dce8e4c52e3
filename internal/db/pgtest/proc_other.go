//go:build !unix

package pgtest

import (
	"os"
	"syscall"
)

// Starting a server needs Unix; elsewhere only DOCKET_TEST_DATABASE_URL works.
const supported = false

var quitSignal = os.Kill

type runAsUser struct {
	uid, gid int
}

func runAs() (*runAsUser, string, error) { return nil, "", nil }

func sysProcAttr(*runAsUser) *syscall.SysProcAttr { return nil }

func processAlive(int) bool { return true }
