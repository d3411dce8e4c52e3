package outbox

// StripBrackets exposes stripBrackets to the external tests.
var StripBrackets = stripBrackets

// SetBeforeEnqueue lets the external tests make the hook fail.
func (n *Notifier) SetBeforeEnqueue(f func() error) { n.beforeEnqueue = f }

// SetAfterDeliver makes the sender call f between an accepted SMTP
// transaction and recording it, so a test can stop it there as a crash would.
func (s *Sender) SetAfterDeliver(f func()) { s.afterDeliver = f }

// SetMaxAttached changes how many bytes of files one email attaches, for a
// test, until cleanup.
func SetMaxAttached(t interface{ Cleanup(func()) }, n int64) {
	old := maxAttached
	maxAttached = n
	t.Cleanup(func() { maxAttached = old })
}

// Query is the store's statement name, for tests that read its plan.
func (s *Store) Query(name string) string { return s.q.Get(name) }
