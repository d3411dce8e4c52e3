package ticket

// Status is where a ticket stands in its workflow.
type Status string

// The statuses.
const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusOnHold   Status = "on_hold"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Active is true until a ticket is resolved or closed.
func (s Status) Active() bool { return s != StatusResolved && s != StatusClosed }

// transitions lists, for each status, the statuses it may move to. A closed
// ticket is final: a requester writing again gets a new, linked ticket.
var transitions = map[Status][]Status{
	StatusNew:      {StatusOpen, StatusPending, StatusOnHold, StatusResolved, StatusClosed},
	StatusOpen:     {StatusPending, StatusOnHold, StatusResolved, StatusClosed},
	StatusPending:  {StatusOpen, StatusOnHold, StatusResolved, StatusClosed},
	StatusOnHold:   {StatusOpen, StatusPending, StatusResolved, StatusClosed},
	StatusResolved: {StatusOpen, StatusClosed},
	StatusClosed:   {},
}

// CanTransition reports whether from → to is allowed.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Resolution is why a ticket was resolved.
type Resolution string

// The resolution codes.
const (
	ResolutionFixed           Resolution = "fixed"
	ResolutionWorkaround      Resolution = "workaround"
	ResolutionKnownIssue      Resolution = "known_issue"
	ResolutionByDesign        Resolution = "by_design"
	ResolutionDuplicate       Resolution = "duplicate"
	ResolutionWontFix         Resolution = "wont_fix"
	ResolutionCannotReproduce Resolution = "cannot_reproduce"
)

// Resolutions lists every resolution code.
var Resolutions = []Resolution{ResolutionFixed, ResolutionWorkaround, ResolutionKnownIssue, ResolutionByDesign,
	ResolutionDuplicate, ResolutionWontFix, ResolutionCannotReproduce}

// Valid reports whether r is a known resolution code.
func (r Resolution) Valid() bool {
	for _, x := range Resolutions {
		if x == r {
			return true
		}
	}
	return false
}
