package outbox

// StripBrackets exposes stripBrackets to the external tests.
var StripBrackets = stripBrackets

// SetBeforeEnqueue lets the external tests make the hook fail.
func (n *Notifier) SetBeforeEnqueue(f func() error) { n.beforeEnqueue = f }
