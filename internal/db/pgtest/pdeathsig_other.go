//go:build unix && !linux

package pgtest

import "syscall"

// setParentDeathSignal does nothing: only Linux has a parent-death signal. Call Shutdown from TestMain
// to stop the server.
func setParentDeathSignal(*syscall.SysProcAttr) {}
