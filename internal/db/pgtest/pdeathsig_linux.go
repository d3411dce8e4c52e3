package pgtest

import "syscall"

// setParentDeathSignal makes the kernel stop the child when the test process exits, however it exits.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = quitSignal }
