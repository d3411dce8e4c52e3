//go:build unix

package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

const supported = true

// quitSignal asks postgres for an immediate shutdown: it stops its backends and removes its shared
// memory, in milliseconds. (SIGKILL would leave a System V shared memory segment behind each time.)
const quitSignal = syscall.SIGQUIT

// runAsUser is the user initdb and postgres run as, when not as ourselves.
type runAsUser struct {
	uid, gid int
}

// runAs returns nil when we are not root. As root it returns the postgres system user, because
// PostgreSQL refuses to run as root; without that user it returns a skip message.
func runAs() (*runAsUser, string, error) {
	if os.Geteuid() != 0 {
		return nil, "", nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return nil, "running as root, where PostgreSQL refuses to run, and there is no \"postgres\" system user to run it as " +
				"(install the Debian package postgresql, which creates it, run the tests as another user, or set " + EnvURL + ")", nil
		}
		return nil, "", fmt.Errorf("look up user postgres: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, "", fmt.Errorf("user postgres: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, "", fmt.Errorf("user postgres: gid %q: %w", u.Gid, err)
	}
	return &runAsUser{uid: uid, gid: gid}, "", nil
}

func sysProcAttr(as *runAsUser) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if as != nil {
		// Groups empty: drop root's supplementary groups.
		a.Credential = &syscall.Credential{Uid: uint32(as.uid), Gid: uint32(as.gid), Groups: []uint32{}}
	}
	setParentDeathSignal(a)
	return a
}

// processAlive reports whether a process with this pid exists (perhaps another user's).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
